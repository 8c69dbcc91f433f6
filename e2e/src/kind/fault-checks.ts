import { waitFor } from '@tscni/core/testing';
import { isReady, ofFamily, podCidrs, podIps, type KubeList, type KubePod } from '@tscni/testbed/kind';
import { IPAM_DIR, podIpOf } from './probes.js';
import { HOP_LIMIT_62, inside, onNodeOf, type KindSuiteContext } from './suite-context.js';
import { pinnedPod, scaleDeployment } from './workloads.js';

/**
 * The kind suite's faults and changes, each checked in every family the
 * cluster has: an agent pod deleted, containerd and kubelet restarted, 40
 * pods up and down, a worker deleted.
 */
export function faultChecks(ctx: KindSuiteContext): void {
  const families = ctx.network.families;
  const workerNames = async () => (await ctx.probe.workers()).map((node) => node.metadata.name);
  const nodeNamed = async (name: string) => (await ctx.probe.nodes()).find((node) => node.metadata.name === name)!;
  const demoOn = async (node: string) => onNodeOf(await ctx.probe.pods('app=demo'), node);

  it('keeps routes and pod traffic in each family while an agent pod is deleted and comes back', async () => {
    const [a, b] = await workerNames();
    const [from, to] = [await demoOn(a!), await demoOn(b!)];
    const agent = onNodeOf(await ctx.probe.pods('app=tscni', 'kube-system'), a!);
    const pings = Promise.all(families.map((family) => ctx.probe.pingsFrom(from, podIpOf(to, family), 20)));
    await ctx.timed('agent pod deleted and back', async () => {
      await ctx.cluster.kubectl(['-n', 'kube-system', 'delete', 'pod', agent.metadata.name, '--wait=false']);
      await ctx.probe.rollout('daemonset/tscni', 'kube-system');
    });
    for (const out of await pings) expect(out).toContain('20 packets received');
    const all = await ctx.probe.nodes();
    for (const family of families) expect(await ctx.probe.ourRoutes(a!, family)).toEqual(ctx.probe.expectedRoutes(all, a!, family));
  });

  it("survives a restart of a worker's containerd and kubelet: pods keep working, new pods get an address of each family", async () => {
    const [a, b] = await workerNames();
    await ctx.timed('containerd and kubelet restarted, node Ready', async () => {
      await ctx.cluster.onNode(a!, ['systemctl', 'restart', 'containerd', 'kubelet']);
      await waitFor(`${a} Ready again`, async () => isReady(await nodeNamed(a!)), { timeoutMs: 120_000, intervalMs: 500 });
    });
    const [from, to] = [await demoOn(a!), await demoOn(b!)];
    // A restarted kubelet serves exec only once it has its pods again.
    for (const family of families) {
      expect(await waitFor(`a ping from ${from.metadata.name}`, () => ctx.probe.pingsFrom(from, podIpOf(to, family)), { timeoutMs: 60_000, intervalMs: 500 })).toMatch(HOP_LIMIT_62);
    }
    await ctx.cluster.apply(pinnedPod('after-restart', a!));
    await ctx.cluster.kubectl(['wait', '--for=condition=Ready', 'pod/after-restart', '--timeout=120s']);
    const [pod] = await ctx.probe.pods('app=pinned');
    const cidrs = podCidrs(await nodeNamed(a!));
    for (const family of families) expect(inside(ofFamily(cidrs, family)!, podIpOf(pod!, family))).toBe(true);
    await ctx.cluster.kubectl(['delete', 'pod', 'after-restart', '--wait=true']);
    // kubelet tears the sandbox down (CNI DEL) after the pod object is gone.
    await waitFor(`${podIps(pod!).join(' and ')} released on ${a}`, async () => {
      const held = await ctx.probe.addressFiles(a!);
      return podIps(pod!).every((ip) => !held.includes(ip));
    }, { timeoutMs: 60_000, intervalMs: 500 });
  });

  it('scales to 40 pods and back: every address of every pod released, no veth left, the masquerade sets unchanged', async () => {
    const names = await workerNames();
    const masqSets = (node: string) => Promise.all(families.map((family) => ctx.probe.masqRules(node, family)));
    const before = await Promise.all(names.map(async (node) => ({ files: await ctx.probe.addressFiles(node), veths: await ctx.probe.veths(node), masq: await masqSets(node) })));
    await ctx.timed('40 pods up', async () => {
      await ctx.cluster.apply(scaleDeployment(40));
      await ctx.probe.rollout('deployment/scale');
    });
    const scaled = await ctx.probe.pods('app=scale');
    expect(scaled).toHaveLength(40);
    for (const family of families) expect(new Set(scaled.map((pod) => podIpOf(pod, family))).size).toBe(40);
    for (const [i, node] of names.entries()) {
      // host-local holds one file per address: a pod of each family's range on this node.
      const here = scaled.filter((pod) => pod.spec.nodeName === node).length;
      expect((await ctx.probe.addressFiles(node)).length).toBe(before[i]!.files.length + here * families.length);
      expect(await masqSets(node)).toEqual(before[i]!.masq);
    }
    await ctx.timed('40 pods down', async () => {
      await ctx.cluster.kubectl(['delete', 'deployment', 'scale', '--wait=true']);
      await waitFor('every scale pod gone', async () => (await ctx.cluster.kubectlJson<KubeList<KubePod>>(['get', 'pods', '-l', 'app=scale'])).items.length === 0, { timeoutMs: 180_000, intervalMs: 500 });
    });
    for (const [i, node] of names.entries()) {
      await waitFor(`${node}'s addresses (${IPAM_DIR}) and veths back to where they were`, async () =>
        (await ctx.probe.addressFiles(node)).sort().join() === before[i]!.files.sort().join() && (await ctx.probe.veths(node)) === before[i]!.veths,
      { timeoutMs: 60_000, intervalMs: 500 });
    }
  });

  it('deletes a worker (Node object and container): its routes of each family vanish from the other nodes', async () => {
    const all = await ctx.probe.nodes();
    const gone = all.find((node) => node.metadata.name.endsWith('worker2'))!;
    const rest = all.filter((n) => n !== gone);
    await ctx.timed('worker deleted and its routes gone', async () => {
      await ctx.cluster.kubectl(['delete', 'node', gone.metadata.name]);
      await ctx.cluster.removeContainer(gone.metadata.name);
      for (const node of rest) {
        for (const family of families) {
          const cidr = ofFamily(podCidrs(gone), family)!;
          await waitFor(`${node.metadata.name} to drop the route to ${cidr}`, async () => !(cidr in (await ctx.probe.ourRoutes(node.metadata.name, family))), { timeoutMs: 60_000, intervalMs: 250 });
        }
      }
    });
    for (const node of rest) for (const family of families) expect(await ctx.probe.ourRoutes(node.metadata.name, family)).toEqual(ctx.probe.expectedRoutes(rest, node.metadata.name, family));
  });
}
