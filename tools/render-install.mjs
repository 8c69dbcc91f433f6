// Renders deploy/tscni.yaml, the one-file install (`kubectl apply -f`), from
// the manifests deploy/kustomization.yaml lists, in its order, so the two
// ways to install cannot drift apart (e2e/test/deploy-manifests.test.ts
// fails when the committed file differs from what this prints).
//
// Usage: node tools/render-install.mjs [--image IMAGE] [--cluster-cidr CIDR] > deploy/tscni.yaml
//
// --image: the agent's image (default: the one deploy/daemonset.yaml names);
// --cluster-cidr: TSCNI_CLUSTER_CIDR, the cluster's pod CIDRs, comma-separated
// (default: daemonset.yaml's, 10.244.0.0/16,fd00:10:244::/56: kind's pod subnets of both families).
// Text in, text out: the manifests' comments are kept, which a YAML
// round trip would drop.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const DEPLOY_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'deploy');
export const REGENERATE = 'node tools/render-install.mjs > deploy/tscni.yaml';

/** The files `resources:` lists in kustomization.yaml (a block list of plain file names). */
function resources(kustomization) {
  const block = /^resources:\n((?:[ \t]+-[ \t]+\S+\n?)+)/m.exec(kustomization);
  if (!block) throw new Error('deploy/kustomization.yaml: no resources list');
  return block[1].trim().split('\n').map((line) => line.replace(/^\s*-\s*/, '').trim());
}

/** Replaces the one line `pattern` matches (its first group kept); fails loudly when the manifest no longer has it. */
function replaceLine(text, pattern, value, what) {
  if (!pattern.test(text)) throw new Error(`deploy/: cannot find ${what} to set`);
  return text.replace(pattern, (_line, prefix) => `${prefix}${value}`);
}

/** The install file: each resource's text in order, `---` between, the parameters applied. */
export function renderInstall({ image, clusterCidr, deployDir = DEPLOY_DIR } = {}) {
  const files = resources(readFileSync(join(deployDir, 'kustomization.yaml'), 'utf8'));
  let text = files.map((file) => readFileSync(join(deployDir, file), 'utf8').trimEnd() + '\n').join('---\n');
  if (image) text = replaceLine(text, /^([ \t]+image:[ \t]+)\S+$/m, image, "the agent's image");
  if (clusterCidr) text = replaceLine(text, /^([ \t]+- name: TSCNI_CLUSTER_CIDR\n[ \t]+value:[ \t]+)\S+$/m, clusterCidr, 'TSCNI_CLUSTER_CIDR');
  const header = [
    '# tscni: the node agent (DaemonSet) and its RBAC in one file, for `kubectl apply -f`.',
    `# Generated from deploy/${files.join(' + deploy/')} by tools/render-install.mjs:`,
    `# do not edit; change those and run \`${REGENERATE}\`.`,
    '# Another image or cluster CIDR: node tools/render-install.mjs --image REGISTRY/tscni:TAG --cluster-cidr CIDR',
  ];
  return header.join('\n') + '\n---\n' + text;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let values;
  try {
    ({ values } = parseArgs({ options: { image: { type: 'string' }, 'cluster-cidr': { type: 'string' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`${error.message}\nusage: node tools/render-install.mjs [--image IMAGE] [--cluster-cidr CIDR]\n`);
    process.exit(2);
  }
  process.stdout.write(renderInstall({ image: values.image, clusterCidr: values['cluster-cidr'] }));
}
