import { familyOf, formatPrefix, networkOf, parseIp, parsePrefix, prefixContains, type IpPrefix } from '@tscni/core';
import type { PeerRoute } from '../routes-proto.js';
import type { NodeInfo } from './node-info.js';

/** A peer pod CIDR the agent cannot route, and why (for a log line). */
export interface SkippedRoute {
  node: string;
  dst: string;
  reason: string;
}

export interface DesiredState {
  /** This node's pod CIDRs (for the conflist); undefined until the Node is known. */
  ownPodCidrs: string[] | undefined;
  routes: PeerRoute[];
  skipped: SkippedRoute[];
  /** Destinations pods reach with their own source address. */
  nonMasqueradeCidrs: string[];
}

export interface DesiredInput {
  nodes: readonly NodeInfo[];
  self: string;
  clusterCidrs: readonly string[];
  extraNonMasqueradeCidrs: readonly string[];
  /** Networks this node is directly connected to (its interface addresses). */
  connected: readonly IpPrefix[];
}

/** What one peer Node adds to the desired state. */
interface PeerContribution {
  routes: PeerRoute[];
  skipped: SkippedRoute[];
  /** Its pod CIDRs outside every cluster and extra CIDR: the others never change the non-masquerade set. */
  uncoveredPodPrefixes: IpPrefix[];
}

/**
 * Remembers each Node's contribution by the identity of its NodeInfo, so a
 * pass recomputes only the Nodes that changed. Valid for one set of
 * connected networks and one set of cluster and extra CIDRs: make a new
 * one when they change.
 */
export type ContributionMemo = WeakMap<NodeInfo, PeerContribution>;

/**
 * Pure: what the node should look like given every Node object. Each peer's
 * pod CIDR is routed via the peer's InternalIP of the same family, when that
 * IP is on a network this node reaches directly (a gateway elsewhere would
 * need a routing protocol, not a static route).
 */
export function desiredState(input: DesiredInput, memo: ContributionMemo = new WeakMap()): DesiredState {
  const routes: PeerRoute[] = [];
  const skipped: SkippedRoute[] = [];
  const fixedPrefixes = parseAll([...input.clusterCidrs, ...input.extraNonMasqueradeCidrs]);
  const podPrefixes: IpPrefix[] = [];
  let ownPodCidrs: string[] | undefined;
  // Node names are DNS labels: plain code-point order is stable and much cheaper than localeCompare.
  for (const node of [...input.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (node.name === input.self) {
      ownPodCidrs = node.podCidrs;
      podPrefixes.push(...parseAll(node.podCidrs));
      continue;
    }
    let contribution = memo.get(node);
    if (!contribution) {
      contribution = peerContribution(node, input.connected, fixedPrefixes);
      memo.set(node, contribution);
    }
    routes.push(...contribution.routes);
    skipped.push(...contribution.skipped);
    podPrefixes.push(...contribution.uncoveredPodPrefixes);
  }
  const nonMasqueradeCidrs = withoutCovered([...fixedPrefixes, ...podPrefixes]);
  return { ownPodCidrs, routes, skipped, nonMasqueradeCidrs };
}

function peerContribution(node: NodeInfo, connected: readonly IpPrefix[], fixed: readonly IpPrefix[]): PeerContribution {
  const uncoveredPodPrefixes = parseAll(node.podCidrs).filter((prefix) => !fixed.some((other) => covers(other, prefix)));
  const contribution: PeerContribution = { routes: [], skipped: [], uncoveredPodPrefixes };
  for (const dst of node.podCidrs) {
    const via = node.internalIps.find((ip) => familyOf(ip) === familyOf(dst));
    if (!via) {
      contribution.skipped.push({ node: node.name, dst, reason: 'no InternalIP of the same family' });
    } else if (!isConnected(via, connected)) {
      contribution.skipped.push({ node: node.name, dst, reason: `InternalIP ${via} is not on a directly connected network` });
    } else {
      contribution.routes.push({ dst, via, node: node.name });
    }
  }
  return contribution;
}

function parseAll(cidrs: readonly string[]): IpPrefix[] {
  return cidrs.flatMap((text) => parsePrefix(text) ?? []);
}

/** Whether `inner` lies inside `outer` (or is the same network). */
function covers(outer: IpPrefix, inner: IpPrefix): boolean {
  return outer.prefixLength <= inner.prefixLength && prefixContains(outer, { family: inner.family, value: inner.address });
}

function isConnected(address: string, connected: readonly IpPrefix[]): boolean {
  const ip = parseIp(address);
  return ip !== undefined && connected.some((network) => prefixContains(network, ip));
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
