import { Sandbox, execIn } from '@tscni/core/testing';
import {
  API_IP, SEED, agentLog, eventually, kubeNode, makeSegment, ourRoutes, requireRunning, startAgent, stopAgent, type TestNode,
} from '@tscni/route-sync/testing';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEPLOY_DIR } from '../src/kind/kind-cluster.js';
import { buildToolchain } from '../src/kind/offline.js';
import { chooseKindMode } from '../src/kind/setup.js';
import { RealControlPlane } from '../src/real-api/control-plane.js';

// The same toolchain as the offline kind cluster: where that cannot be built, neither can this.
const choice = await chooseKindMode({ ...process.env, TSCNI_KIND_OFFLINE: '1' });
const describeReal = choice.usable ? describe : describe.skip;

/**
 * The node agent against a real etcd and kube-apiserver (no kind, no
 * kubelet: seconds to start), authenticated as the ServiceAccount that
 * deploy/rbac.yaml binds, and as one it does not.
 */
describeReal(`the agent against a real kube-apiserver${choice.usable ? '' : ` (skipped: ${choice.reason})`}`, () => {
  const sandbox = new Sandbox('rapi');
  let plane: RealControlPlane;
  let nodes: TestNode[];
  let dir: string;

  /** A Node object as kubelet and the node IPAM controller leave it: spec.podCIDR and status.addresses. */
  async function putNode(name: string, ip: string, podCidr: string): Promise<void> {
    const node = kubeNode(name, [ip], [podCidr]);
    const file = join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: node.metadata, spec: node.spec }));
    await plane.kubectl(['apply', '-f', file]);
    await plane.kubectl(['patch', 'node', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: node.status })]);
  }

  const expected = (self: string, seeds: ReadonlyArray<{ name: string; ip: string; podCidr: string }>) =>
    Object.fromEntries(seeds.filter((seed) => seed.name !== self).map((seed) => [seed.podCidr, seed.ip]));

  /** Every agent routes exactly the other seeds' pod CIDRs. */
  async function allConverge(seeds: ReadonlyArray<{ name: string; ip: string; podCidr: string }>, timeoutMs?: number): Promise<void> {
    for (const node of nodes) {
      await eventually(async () => {
        await requireRunning(node);
        expect(await ourRoutes(sandbox, node.ns)).toEqual(expected(node.name, seeds));
      }, timeoutMs);
    }
  }

  beforeAll(async () => {
    const bin = await buildToolchain();
    const segment = await makeSegment(sandbox);
    nodes = segment.nodes;
    dir = await sandbox.dir();
    plane = await RealControlPlane.start(bin, segment.api, API_IP, dir);
    await plane.kubectl(['apply', '-f', join(DEPLOY_DIR, 'rbac.yaml')]);
    await plane.kubectl(['-n', 'kube-system', 'create', 'serviceaccount', 'unbound']);
    for (const seed of SEED) await putNode(seed.name, seed.ip, seed.podCidr);
  }, 30 * 60_000);

  afterAll(async () => {
    for (const node of nodes ?? []) await stopAgent(node);
    await plane?.stop();
    await sandbox.cleanup();
  });

  test('an agent whose ServiceAccount has no RBAC on nodes changes nothing and says why, in its log and on /healthz', async () => {
    const node = nodes[1]!;
    await startAgent(node, await plane.serviceAccountKubeconfig('kube-system', 'unbound', join(dir, 'unbound.kubeconfig')));
    const log = await eventually(async () => {
      const text = await agentLog(node);
      expect(text).toContain('node watch refused');
      return text;
    });
    expect(log).toContain('nodes is forbidden');
    expect(log).toContain('deploy/rbac.yaml');
    const script = "fetch('http://127.0.0.1:9440/healthz').then(async (r) => process.stdout.write(r.status + ' ' + (await r.text())))";
    const health = await execIn(node.ns, process.execPath, ['-e', script]);
    expect(health).toMatch(/^503 /);
    expect(JSON.parse(health.slice(4))).toMatchObject({ healthy: false, synced: false, apiError: expect.stringContaining('forbidden') });
    expect(await ourRoutes(sandbox, node.ns)).toEqual({});
    await stopAgent(node);
  });

  test('agents with the ServiceAccount of deploy/rbac.yaml route every peer', async () => {
    for (const node of nodes) {
      await startAgent(node, await plane.serviceAccountKubeconfig('kube-system', 'tscni', join(dir, `${node.name}.kubeconfig`)));
    }
    await allConverge(SEED);
  });

  test('an API server restart: the agents reconnect and follow a new Node', async () => {
    await plane.restartApiserver();
    await putNode('kind-worker3', '172.17.0.5', '10.244.3.0/24');
    const seeds = [...SEED, { name: 'kind-worker3', ip: '172.17.0.5', podCidr: '10.244.3.0/24' }];
    await allConverge(seeds, 90_000);
  });

  test('an etcd compaction behind a restarted API server: the watch relists (410 Gone) and misses nothing', async () => {
    // Changes the agents see, then history compacted past them: a watch from
    // the agents' resourceVersion can only be answered with 410 Gone.
    await plane.kubectl(['delete', 'node', 'kind-worker3']);
    await plane.compactEtcd();
    await plane.restartApiserver();
    await putNode('kind-worker4', '172.17.0.6', '10.244.4.0/24');
    const seeds = [...SEED, { name: 'kind-worker4', ip: '172.17.0.6', podCidr: '10.244.4.0/24' }];
    await allConverge(seeds, 90_000);
  });
});
