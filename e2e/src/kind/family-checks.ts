import type { Family } from '@tscni/core';
import { waitFor } from '@tscni/core/testing';
import { internalIp, ofFamily, urlHost } from '@tscni/testbed/kind';
import { expectedMasqRules, podIpOf } from './probes.js';
import { eachFamily, HOP_LIMIT_62, onNodeOf, type KindSuiteContext } from './suite-context.js';
import { HOST_PORT, hostPortPod, WEB_PORT, type ServiceSpec } from './workloads.js';

/**
 * The kind suite's traffic checks, each in every address family the cluster
 * has (it.each: a result per family): routes and masquerade rules, pod to
 * pod across nodes, node to pod, pod to outside, Services, hostPort.
 */
export function familyChecks(ctx: KindSuiteContext): void {
  const { network } = ctx;
  const families = network.families;
  const clusterCidr = (family: Family) => network.podSubnets[families.indexOf(family)]!;
  const workerNames = async () => (await ctx.probe.workers()).map((node) => node.metadata.name);
  const service = (name: string) => ctx.cluster.kubectlJson<ServiceSpec>(['get', 'service', name]);
  const fromOutside = (url: string) => ctx.cluster.execOutside(ctx.outside, ['timeout', '5', 'wget', '-q', '-O', '-', url]);

  it.each(eachFamily(network))("routes each peer's %s podCIDR via its InternalIP of that family (protocol 243), with one masquerade rule set per node", async (_, family) => {
    const all = await ctx.probe.nodes();
    for (const node of all) {
      expect(await ctx.probe.ourRoutes(node.metadata.name, family)).toEqual(ctx.probe.expectedRoutes(all, node.metadata.name, family));
      expect(await ctx.probe.masqRules(node.metadata.name, family)).toEqual(expectedMasqRules(clusterCidr(family)));
    }
  });

  if (families.length === 1) {
    const lacking: Family = families[0] === 4 ? 6 : 4;
    // deploy/'s cluster CIDR names both families: the agent leaves out the one no node has pod CIDRs of.
    it(`writes no masquerade rule set for IPv${lacking}, which the cluster lacks`, async () => {
      for (const node of await ctx.probe.nodes()) expect(await ctx.probe.hasMasqChain(node.metadata.name, lacking)).toBe(false);
    });
  }

  it.each(eachFamily(network))('pings a pod on another node over %s with ttl (hop limit) 62, and the other pod sees the source pod address', async (_, family) => {
    const [a, b] = await workerNames();
    const from = onNodeOf(await ctx.probe.pods('app=demo'), a!);
    const to = onNodeOf(await ctx.probe.pods('app=web'), b!);
    expect(await ctx.probe.pingsFrom(from, podIpOf(to, family))).toMatch(HOP_LIMIT_62);
    expect((await ctx.probe.httpGet(from, `http://${urlHost(podIpOf(to, family))}:${WEB_PORT}/`)).trim()).toBe(to.metadata.name);
    expect(await ctx.cluster.kubectl(['logs', to.metadata.name])).toContain(`${podIpOf(from, family)}]`);
  });

  it.each(eachFamily(network))('reaches a pod on another node from a node over %s', async (_, family) => {
    const [a, b] = await workerNames();
    const to = onNodeOf(await ctx.probe.pods('app=demo'), b!);
    expect(await ctx.cluster.onNode(a!, ['ping', '-c', '1', '-W', '5', podIpOf(to, family)])).toMatch(/1 received/);
  });

  it.each(eachFamily(network))("masquerades pod-to-outside traffic over %s to the node's address of that family", async (_, family) => {
    const all = await ctx.probe.nodes();
    for (const pod of await ctx.probe.pods('app=demo')) {
      // httpd answers 404 for /: only the connection matters.
      await ctx.probe.execIn(pod, ['sh', '-c', `timeout 5 wget -q -O /dev/null http://${urlHost(ctx.outsideIps.get(family)!)}:8080/; true`]);
      const log = await ctx.cluster.logsOf(ctx.outside);
      expect(log).toContain(`${internalIp(all.find((node) => node.metadata.name === pod.spec.nodeName)!, family)}]`);
      expect(log).not.toContain(`${podIpOf(pod, family)}]`);
    }
  });

  /** Answers from every web pod through one URL, seen from a demo pod. */
  const reachesEveryWebPod = async (url: string) => {
    const [demo] = await ctx.probe.pods('app=demo');
    const webPods = (await ctx.probe.pods('app=web')).map((pod) => pod.metadata.name).sort();
    const seen = new Set<string>();
    await waitFor(`answers from both web pods through ${url}`, async () => {
      seen.add((await ctx.probe.httpGet(demo!, url)).trim());
      return seen.size === webPods.length;
    }, { timeoutMs: 60_000, intervalMs: 100 });
    expect([...seen].sort()).toEqual(webPods);
  };

  it('reaches pods on both workers through the Service by its DNS name', () => reachesEveryWebPod('http://web.default.svc.cluster.local/'));

  it.each(eachFamily(network))('reaches pods on both workers through a ClusterIP and a NodePort of %s', async (_, family) => {
    await reachesEveryWebPod(`http://${urlHost(ofFamily((await service('web')).spec.clusterIPs, family)!)}/`);
    const webPods = (await ctx.probe.pods('app=web')).map((pod) => pod.metadata.name);
    const nodePort = (await service('web-nodeport')).spec.ports[0]!.nodePort!;
    for (const node of await ctx.probe.workers()) expect(webPods).toContain((await fromOutside(`http://${urlHost(internalIp(node, family))}:${nodePort}/`)).trim());
  });

  if (network.ipFamily === 'dual') {
    it('gives a RequireDualStack Service a ClusterIP of each family, and both reach the pods', async () => {
      const { spec } = await service('web-dual');
      expect(spec.ipFamilies).toEqual(['IPv4', 'IPv6']);
      for (const family of families) await reachesEveryWebPod(`http://${urlHost(ofFamily(spec.clusterIPs, family)!)}/`);
    });
  }

  it("maps a pod's hostPort on its node in each family: the agent chains the node's portmap", async () => {
    const [a] = await workerNames();
    const conflist = JSON.parse(await ctx.cluster.onNode(a!, ['cat', '/etc/cni/net.d/10-tscni.conflist'])) as { plugins: Array<{ type: string }> };
    expect(conflist.plugins.map((plugin) => plugin.type)).toEqual(['tscni-bridge', 'tscni-masq', 'portmap', 'tscni-route-sync', 'tscni-netpol']);
    await ctx.cluster.apply(hostPortPod('host-port', a!));
    await ctx.cluster.kubectl(['wait', '--for=condition=Ready', 'pod/host-port', '--timeout=120s']);
    const node = (await ctx.probe.nodes()).find((n) => n.metadata.name === a)!;
    for (const family of families) {
      const answer = await fromOutside(`http://${urlHost(internalIp(node, family))}:${HOST_PORT}/`).catch((error: Error) => error.message);
      expect({ family, answer: answer.trim() }).toEqual({ family, answer: 'host-port' });
    }
    await ctx.cluster.kubectl(['delete', 'pod', 'host-port', '--wait=true']);
    // portmap's DEL takes the DNAT rules of both families with the pod.
    await waitFor(`no DNAT to port ${HOST_PORT} left on ${a}`, async () => (await ctx.probe.natRulesFor(a!, HOST_PORT)).length === 0, { timeoutMs: 60_000, intervalMs: 500 });
  });
}
