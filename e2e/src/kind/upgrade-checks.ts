import { isDeepStrictEqual } from 'node:util';
import { waitFor } from '@tscni/core/testing';
import { IMAGE, isReady, ofFamily, podCidrs, podIps, type KubeList, type KubeNode, type KubePod } from '@tscni/testbed/kind';
import { clientPod, echoServer, echoService, LongLivedConnections, MAX_STALL_S } from './long-lived.js';
import { IPAM_DIR, podIpOf } from './probes.js';
import { RouteMonitor } from './route-monitor.js';
import { HOP_LIMIT_62, inside, onNodeOf, type KindSuiteContext } from './suite-context.js';
import type { ServiceSpec } from './workloads.js';

const ROLLED_IMAGE = 'tscni:rolled';

/**
 * Day two on the kind cluster: the agent upgraded, rolled back and killed
 * under long-lived TCP connections, with every node's routes watched; and
 * a worker rebooted (its container restarted).
 */
export function upgradeChecks(ctx: KindSuiteContext): void {
  const families = ctx.network.families;
  const workerNames = async (): Promise<[string, string]> => {
    const [a, b] = (await ctx.probe.workers()).map((node) => node.metadata.name);
    return [a!, b!];
  };
  const agentImages = async () =>
    (await ctx.cluster.kubectlJson<KubeList<{ spec: { containers: Array<{ image: string }> } }>>(['-n', 'kube-system', 'get', 'pods', '-l', 'app=tscni'])).items.map((pod) => pod.spec.containers[0]!.image);
  /** rollout status returns once the new pods are available: an old one may still be terminating. */
  const rollTo = async (image: string, change: string[]) => {
    await ctx.cluster.kubectl(['-n', 'kube-system', ...change]);
    await ctx.probe.rollout('daemonset/tscni', 'kube-system');
    await waitFor(`every agent pod on ${image}`, async () => (await agentImages()).every((running) => running === image), { timeoutMs: 120_000, intervalMs: 500 });
  };

  it('keeps long-lived TCP connections (pod to pod across nodes, pod to ClusterIP, each family) without a stall over 1 s, and every tscni route untouched, through an upgrade, a rollback and kill -9 of an agent', async () => {
    const [a, b] = await workerNames();
    const nodes = (await ctx.probe.nodes()).map((node) => node.metadata.name);
    await ctx.cluster.apply(echoServer('echo', b), echoService('echo'), clientPod('echo-client', a));
    await ctx.cluster.kubectl(['wait', '--for=condition=Ready', 'pod/echo', 'pod/echo-client', '--timeout=120s']);
    const server = await ctx.cluster.kubectlJson<KubePod>(['get', 'pod', 'echo']);
    const service = await ctx.cluster.kubectlJson<ServiceSpec>(['get', 'service', 'echo']);
    const connections = new LongLivedConnections(ctx.cluster, 'echo-client');
    try {
      for (const family of families) {
        await connections.open(`pod-v${family}`, podIpOf(server, family));
        await connections.open(`clusterip-v${family}`, ofFamily(service.spec.clusterIPs, family)!);
      }
    } catch (error) {
      // What the echo server's pod says of itself: the likeliest reason no connection opened.
      const said = await Promise.all([
        ctx.cluster.kubectl(['get', 'pod', 'echo', 'echo-client', '-o', 'wide']),
        ctx.cluster.kubectl(['logs', 'echo']),
        ctx.cluster.kubectl(['exec', 'echo', '--', 'netstat', '-ltn']),
        ctx.cluster.kubectl(['exec', 'echo', '--', 'ps']),
      ].map((step) => step.catch((failed: Error) => failed.message)));
      throw new Error(`${(error as Error).message}\n${said.join('\n')}`);
    }
    const monitor = await RouteMonitor.start(ctx.cluster, nodes);
    try {
      await waitFor('every connection echoing', async () => {
        const reports = await connections.reports();
        if (reports.every((report) => report.messages > 5)) return true;
        throw new Error(`echoes so far: ${reports.map((r) => `${r.name} ${r.messages}`).join(', ')}; ${await connections.errors()}`);
      }, { timeoutMs: 30_000, intervalMs: 500 });

      await ctx.timed('agent upgraded to a new image (DaemonSet rollout)', async () => {
        await ctx.cluster.loadImage(ROLLED_IMAGE);
        await rollTo(ROLLED_IMAGE, ['set', 'image', 'daemonset/tscni', `agent=${ROLLED_IMAGE}`]);
      });
      await ctx.timed('agent rolled back (rollout undo)', () => rollTo(IMAGE, ['rollout', 'undo', 'daemonset/tscni']));
      await ctx.timed("kill -9 of the agent on the server's node, back ready", () => ctx.probe.killAgent(b));
      // Two more seconds of traffic after the last change, so a late stall shows.
      await new Promise((resolve) => setTimeout(resolve, 2_000));

      const reports = await connections.reports();
      console.log(['long-lived connections through upgrade, rollback and kill -9:', ...reports.map((r) => `  ${r.name}: ${r.messages} echoes, longest gap ${r.longestGapS} s, ${r.missing} missing, last ${r.silentForS} s ago`)].join('\n'));
      expect(reports).toHaveLength(2 * families.length);
      for (const report of reports) {
        expect({ name: report.name, stalled: report.longestGapS > MAX_STALL_S, missing: report.missing, open: report.silentForS < MAX_STALL_S }).toEqual({ name: report.name, stalled: false, missing: 0, open: true });
      }
      expect(Object.fromEntries(await monitor.ourChanges())).toEqual(Object.fromEntries(nodes.map((node) => [node, []])));

      // Negative control: the monitor does see a change to one of tscni's routes, and the agent puts it back.
      const cidr = ofFamily(podCidrs((await ctx.probe.nodes()).find((node) => node.metadata.name === b)!), families[0]!)!;
      const removed = Date.now();
      await ctx.cluster.onNode(a, ['ip', 'route', 'del', cidr]);
      await waitFor(`the agent on ${a} to put ${cidr} back`, async () => cidr in (await ctx.probe.ourRoutes(a, families[0]!)), { timeoutMs: 60_000, intervalMs: 250 });
      console.log(`route ${cidr} deleted by hand on ${a}: repaired by the agent in ${Date.now() - removed} ms`);
      const seen = (await monitor.ourChanges()).get(a)!;
      expect(seen).toEqual([expect.stringMatching(new RegExp(`^Deleted ${cidr} `)), expect.stringMatching(new RegExp(`^${cidr} `))]);
    } finally {
      await monitor.stop();
      await ctx.cluster.kubectl(['delete', 'pod', 'echo', 'echo-client', '--wait=false', '--ignore-not-found']);
      await ctx.cluster.kubectl(['delete', 'service', 'echo', '--ignore-not-found']);
    }
    // rollout undo brought back the template the DaemonSet started with.
    expect(await agentImages()).toEqual(nodes.map(() => IMAGE));
  }, 10 * 60_000);

  it("reboots a worker (its container restarted): it comes back Ready, its pods get addresses again, the other nodes' routes converge, and every address of the pods that died is released by CNI DEL, none leaked and none given twice", async () => {
    const [a, b] = await workerNames();
    const onA = async () => (await ctx.probe.pods('app in (demo,web)')).filter((pod) => pod.spec.nodeName === a);
    const before = await onA();
    const oldIps = before.flatMap(podIps);
    const restarted = Date.now();
    const node = () => ctx.cluster.kubectlJson<KubeNode>(['get', 'node', a]);
    const heartbeat = async () => Date.parse((await node()).status.conditions.find((c) => c.type === 'Ready')!.lastHeartbeatTime ?? '');
    const lastBefore = await heartbeat();
    await ctx.timed(`${a} rebooted: container restarted, kubelet posting Ready again`, async () => {
      await ctx.cluster.restartContainer(a);
      // The Node object stays Ready until the controller's grace runs out: wait for a heartbeat from the restarted kubelet.
      await waitFor(`${a} Ready with a heartbeat after the restart`, async () => isReady(await node()) && (await heartbeat()) > Math.max(lastBefore, restarted - 1_000), { timeoutMs: 180_000, intervalMs: 1_000 });
    });
    const readyAfter = Date.now() - restarted;

    // The pods' sandboxes died with the node: kubelet makes new ones, which get new addresses.
    const after = await ctx.timed(`${a}'s pods running again with new addresses`, () =>
      waitFor(`new sandboxes for ${before.map((pod) => pod.metadata.name).join(', ')}`, async () => {
        const now = await onA();
        const fresh = now.filter((pod) => podIps(pod).length === families.length && !podIps(pod).some((ip) => oldIps.includes(ip)) && pod.status.containerStatuses?.every((c) => c.ready));
        return fresh.length === before.length ? now : undefined;
      }, { timeoutMs: 180_000, intervalMs: 1_000 }),
    );
    const cidrs = podCidrs((await ctx.probe.nodes()).find((node) => node.metadata.name === a)!);
    for (const pod of after) for (const family of families) expect(inside(ofFamily(cidrs, family)!, podIpOf(pod, family))).toBe(true);
    const from = onNodeOf(after, a);
    const to = onNodeOf(await ctx.probe.pods('app=demo'), b);
    for (const family of families) expect(await ctx.probe.pingsFrom(from, podIpOf(to, family))).toMatch(HOP_LIMIT_62);

    // Against the Node objects as they are now: a restarted kind node may come back with another address.
    for (const node of (await ctx.probe.nodes()).map((n) => n.metadata.name)) {
      for (const family of families) {
        let last = '';
        try {
          await waitFor(`${node}'s IPv${family} routes converged`, async () => {
            const [actual, expected] = [await ctx.probe.ourRoutes(node, family), ctx.probe.expectedRoutes(await ctx.probe.nodes(), node, family)];
            last = `routes ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
            return isDeepStrictEqual(actual, expected);
          }, { timeoutMs: 120_000, intervalMs: 500 });
        } catch (error) {
          const agent = onNodeOf(await ctx.probe.pods('app=tscni', 'kube-system'), node);
          const log = await ctx.cluster.kubectl(['-n', 'kube-system', 'logs', agent.metadata.name, '--tail=40']).catch(String);
          throw new Error(`${(error as Error).message}: ${last}\n${node}'s agent said:\n${log}`);
        }
      }
    }

    // What host-local holds on the node is exactly its running pods' addresses: the dead ones released, none twice.
    const running = async () => (await ctx.cluster.kubectlJson<KubeList<KubePod>>(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${a}`])).items.filter((pod) => !pod.spec.hostNetwork && pod.status.podIP);
    await waitFor(`${a}'s ${IPAM_DIR} holding only its running pods' addresses`, async () => {
      const held = (await ctx.probe.addressFiles(a)).sort();
      const expected = (await running()).flatMap(podIps).sort();
      return held.join() === expected.join();
    }, { timeoutMs: 120_000, intervalMs: 1_000 });
    const releasedAfter = Date.now() - restarted;
    const everyIp = (await ctx.cluster.kubectlJson<KubeList<KubePod>>(['get', 'pods', '-A'])).items.filter((pod) => !pod.spec.hostNetwork).flatMap(podIps);
    expect(everyIp.length).toBe(new Set(everyIp).size);
    for (const ip of oldIps) expect(await ctx.probe.addressFiles(a)).not.toContain(ip);
    // The agent's reconcile releases only after a 5 min grace (deploy/daemonset.yaml): anything released this soon was CNI DEL.
    console.log(`${a} rebooted: Ready after ${readyAfter} ms; ${oldIps.length} addresses of its dead pods released, the store matching its pods, ${releasedAfter} ms after the restart`);
  }, 10 * 60_000);
}
