import { familyOf, formatPrefix, networkOf, parsePrefix, prefixContains, type IpPrefix } from '@tscni/core';
import type { ClusterView, NodeInfo } from '@tscni/core/node-agent';

/**
 * Each Node's pod CIDRs outside every fixed (cluster and extra) CIDR, by the
 * identity of its NodeInfo: the others never change the set. Valid for one
 * set of fixed CIDRs.
 */
export type UncoveredMemo = WeakMap<NodeInfo, IpPrefix[]>;

/**
 * Pure: the destinations pods reach with their own source address: the
 * cluster's and the extra CIDRs, and every Node's pod CIDRs not inside
 * them, canonical and without the networks inside another one.
 *
 * A fixed CIDR of a family no Node has pod CIDRs of is left out: one
 * manifest names both families' cluster CIDRs, and on a single-stack
 * cluster the other family's rule set would only masquerade the node's own
 * traffic of that family, or fail every pass (and so hold back the
 * conflist) on a node whose kernel has that family off.
 */
export function nonMasqueradeSet(view: ClusterView, fixedCidrs: readonly string[], memo: UncoveredMemo = new WeakMap()): string[] {
  const families = new Set(view.nodes.flatMap((node) => node.podCidrs.map(familyOf)));
  const allFixed = parseAll(fixedCidrs);
  const fixed = allFixed.filter((prefix) => families.has(prefix.family));
  const podPrefixes: IpPrefix[] = [];
  for (const node of view.nodes) {
    let uncovered = memo.get(node);
    if (!uncovered) {
      // Against every fixed CIDR: a node's pod CIDR has a family the filter keeps, so the answer is the same, and stays valid.
      uncovered = parseAll(node.podCidrs).filter((prefix) => !allFixed.some((other) => covers(other, prefix)));
      memo.set(node, uncovered);
    }
    podPrefixes.push(...uncovered);
  }
  return withoutCovered([...fixed, ...podPrefixes]);
}

function parseAll(cidrs: readonly string[]): IpPrefix[] {
  return cidrs.flatMap((text) => parsePrefix(text) ?? []);
}

/** Whether `inner` lies inside `outer` (or is the same network). */
function covers(outer: IpPrefix, inner: IpPrefix): boolean {
  return outer.prefixLength <= inner.prefixLength && prefixContains(outer, { family: inner.family, value: inner.address });
}

/**
 * The networks minus those inside another one (a node's /24 inside the
 * cluster's /16), canonical and sorted: the set stays the same while nodes
 * come and go. Each prefix is looked up at the few prefix lengths present,
 * not compared with every other prefix: thousands of pod CIDRs stay cheap.
 */
function withoutCovered(prefixes: readonly IpPrefix[]): string[] {
  const networksByLength = new Map<string, Set<bigint>>();
  for (const prefix of prefixes) {
    const key = `${prefix.family}/${prefix.prefixLength}`;
    let networks = networksByLength.get(key);
    if (!networks) networksByLength.set(key, (networks = new Set()));
    networks.add(networkOf(prefix));
  }
  const lengths = [...networksByLength.keys()].map((key) => key.split('/').map(Number) as [4 | 6, number]);
  const kept = new Set<string>();
  for (const prefix of prefixes) {
    const covered = lengths.some(
      ([family, length]) =>
        family === prefix.family &&
        length < prefix.prefixLength &&
        networksByLength.get(`${family}/${length}`)!.has(networkOf({ family, address: prefix.address, prefixLength: length })),
    );
    if (!covered) kept.add(formatPrefix(prefix));
  }
  return [...kept].sort();
}
