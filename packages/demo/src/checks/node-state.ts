import { execaRunner, runChecked, type Family, type RouteInfo } from '@tscni/core';
import { ip, netOf, type ClusterNode } from '@tscni/testbed/netns-cluster';
import { fail, pass, type CheckResult } from './result.js';

/** The node's routes of one family, as `ip route` prints them. */
export async function routeTable(node: ClusterNode, family: Family): Promise<string> {
  return ip(node.ns).run([`-${family}`, 'route', 'show']);
}

/** The nat rules of one family that decide masquerading: those of chains holding a MASQUERADE target. */
export async function masqueradeRules(node: ClusterNode, family: Family): Promise<string[]> {
  const save = family === 4 ? 'iptables-save' : 'ip6tables-save';
  const { stdout } = await runChecked(execaRunner, save, ['-t', 'nat'], { netns: node.ns.path });
  const rules = stdout.split('\n').filter((line) => line.startsWith('-A '));
  const chains = new Set(rules.filter((r) => r.includes('-j MASQUERADE')).map((r) => r.split(' ')[1]));
  const jumps = rules.filter((r) => [...chains].some((chain) => r.endsWith(`-j ${chain}`) || r.includes(`-j ${chain} `)));
  return [...jumps, ...rules.filter((r) => chains.has(r.split(' ')[1]))];
}

/**
 * As in the seed, in each family: own pod CIDR on cni0 (which the first pod
 * creates), every peer's pod CIDR via the peer's node IP of that family.
 */
export async function checkRoutes(node: ClusterNode, nodes: ClusterNode[], family: Family): Promise<CheckResult> {
  const name = `routes on ${node.name}`;
  const routes = await ip(node.ns).routes(family);
  const has = (want: Partial<RouteInfo>) =>
    routes.some((r) => Object.entries(want).every(([key, value]) => r[key as keyof RouteInfo] === value));
  const own = netOf(node, family).podCidr;
  const bridgeExpected = node.pods.length > 0;
  const missing = [
    ...(!bridgeExpected || has({ dst: own, dev: 'cni0' }) ? [] : [`${own} dev cni0`]),
    ...nodes
      .filter((peer) => peer !== node)
      .map((peer) => netOf(peer, family))
      .filter((peer) => !has({ dst: peer.podCidr, gateway: peer.ip }))
      .map((peer) => `${peer.podCidr} via ${peer.ip}`),
  ];
  return missing.length === 0
    ? pass(name, `${nodes.length - 1} peer routes${bridgeExpected ? ` and ${own} dev cni0` : ''}`)
    : fail(name, `missing ${missing.join(', ')}`);
}

/** Pod-to-pod keeps its source: a RETURN for every pod CIDR of the family (or its cluster CIDR) before MASQUERADE. */
export async function checkMasqueradeChain(node: ClusterNode, nodes: ClusterNode[], family: Family, clusterCidr: string): Promise<CheckResult> {
  const name = `masquerade rules on ${node.name}`;
  const rules = await masqueradeRules(node, family);
  const returns = rules.filter((r) => r.includes('-j RETURN'));
  const exempt = (cidr: string) => returns.some((r) => r.includes(`-d ${cidr}`) || r.includes(`-d ${clusterCidr}`));
  const unexempt = nodes.map((n) => netOf(n, family).podCidr).filter((cidr) => !exempt(cidr));
  if (!rules.some((r) => r.includes('-j MASQUERADE'))) return fail(name, 'no MASQUERADE rule in the nat table');
  if (unexempt.length > 0) return fail(name, `no RETURN for ${unexempt.join(', ')}`);
  return pass(name, `${returns.length} RETURN rules before MASQUERADE`);
}
