import { Sandbox, binary, execIn, execPluginIn } from '@tscni/core/testing';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  API_IP, SEED, agentLog, eventually, kubeNode, makeSegment, ourRoutes, requireRunning, startAgent, stopAgent, type TestNode,
} from '@tscni/testbed';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildToolchain, chooseKindMode, DEPLOY_DIR } from '@tscni/testbed/kind';
import { RealControlPlane } from '@tscni/testbed/control-plane';

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

  describe('releasing the addresses of pods that no longer exist', () => {
    let dataDir: string;
    const node = () => nodes[0]!;
    /** A pod bound to the node, as the scheduler leaves it (no kubelet here: it stays Pending, but exists). */
    async function putPod(name: string): Promise<string> {
      const file = join(dir, `pod-${name}.json`);
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node().name, containers: [{ name: 'c', image: 'pause' }] } };
      await writeFile(file, JSON.stringify(pod));
      await plane.kubectl(['apply', '-f', file]);
      return plane.kubectl(['-n', 'default', 'get', 'pod', name, '-o', 'jsonpath={.metadata.uid}']);
    }
    /** What kubelet's ADD leaves in tscni-host-local's store for a pod (netns: none of ours exists, as for a dead sandbox). */
    async function allocate(containerId: string, pod?: { name: string; uid: string }): Promise<string> {
      const args = pod ? `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod.name};K8S_POD_UID=${pod.uid}` : undefined;
      const config = { cniVersion: '1.0.0', name: 'tscni', type: 'tscni-bridge', ipam: { type: 'tscni-host-local', dataDir, ranges: [[{ subnet: '10.244.0.0/24' }]] } };
      const run = await execPluginIn(undefined, binary('tscni-host-local'), { command: 'ADD', containerId, ifName: 'eth0', netns: '/var/run/netns/gone', cniPath: '/nonexistent', args }, config);
      if (run.exitCode !== 0) throw new Error(run.stdout + run.stderr);
      return ((run.json!.ips as Array<{ address: string }>)[0]!.address).split('/')[0]!;
    }
    const isHeld = (ip: string) => existsSync(join(dataDir, 'tscni', ip));
    const reconcileOnce = (kubeconfig: string, ...args: string[]) => {
      const run = spawnSync('ip', ['netns', 'exec', node().ns.name, binary('tscni-agent'), 'reconcile-ipam', '--node-name', node().name, '--kubeconfig', kubeconfig, '--ipam-data-dir', dataDir, ...args], { encoding: 'utf8' });
      return { code: run.status, stdout: run.stdout, stderr: run.stderr };
    };

    beforeAll(async () => {
      dataDir = await sandbox.dir();
      // The ServiceAccount admission wants the namespace's default account (no controller manager runs here to make it).
      await plane.kubectl(['-n', 'default', 'create', 'serviceaccount', 'default']).catch(() => undefined);
    });

    test('on request: refused without RBAC on pods (nothing released), a dry run names the leak, the real run releases it alone', async () => {
      const alive = await putPod('alive');
      const kept = await allocate('ctr-alive', { name: 'alive', uid: alive });
      const leaked = await allocate('ctr-gone', { name: 'gone', uid: '0b7a6a2e-0000-4000-8000-000000000001' });
      const unattributed = await allocate('ctr-not-kubernetes');
      const refused = reconcileOnce(join(dir, 'unbound.kubeconfig'), '--ipam-reconcile-grace', '0s');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("needs list on pods");
      expect([kept, leaked, unattributed].map(isHeld)).toEqual([true, true, true]);

      const kubeconfig = join(dir, `${node().name}.kubeconfig`);
      const dry = reconcileOnce(kubeconfig, '--ipam-reconcile-grace', '0s', '--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([{ wouldRelease: expect.objectContaining({ ip: leaked }) }]);
      expect(isHeld(leaked)).toBe(true);
      // Younger than the grace period: kept, and said so.
      expect(reconcileOnce(kubeconfig).stdout).toContain('keptUntilGraceEnds');
      expect(isHeld(leaked)).toBe(true);
      const real = reconcileOnce(kubeconfig, '--ipam-reconcile-grace', '0s');
      expect(real.code).toBe(0);
      expect(real.stdout).toContain(`"released":{"network":"tscni","ip":"${leaked}"`);
      expect([kept, leaked, unattributed].map(isHeld)).toEqual([true, false, true]);
    });

    test("periodically, in the agent: a deleted pod's address is released after the grace period, a live one never", async () => {
      const kubeconfig = join(dir, `${node().name}.kubeconfig`);
      const doomed = await putPod('doomed');
      const survivor = await putPod('survivor');
      const doomedIp = await allocate('ctr-doomed', { name: 'doomed', uid: doomed });
      const survivorIp = await allocate('ctr-survivor', { name: 'survivor', uid: survivor });
      await stopAgent(node());
      await startAgent(node(), kubeconfig, ['--ipam-data-dir', dataDir, '--ipam-reconcile-interval', '1s', '--ipam-reconcile-grace', '2s']);
      await new Promise((resolve) => setTimeout(resolve, 5_000)); // several passes, both pods present
      expect([doomedIp, survivorIp].map(isHeld)).toEqual([true, true]);
      await plane.kubectl(['-n', 'default', 'delete', 'pod', 'doomed', '--grace-period=0', '--force']);
      await eventually(async () => {
        await requireRunning(node());
        expect(isHeld(doomedIp)).toBe(false);
      });
      expect(await agentLog(node())).toMatch(/released the address of a pod that no longer exists.*"pod":"default\/doomed"/);
      expect(isHeld(survivorIp)).toBe(true);
    });
  });
});
