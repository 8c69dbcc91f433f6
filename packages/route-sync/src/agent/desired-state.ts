import { familyOf, parseIp, parsePrefix, prefixContains, type IpPrefix } from '@tscni/core';
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

/**
 * Pure: what the node should look like given every Node object. Each peer's
 * pod CIDR is routed via the peer's InternalIP of the same family, when that
 * IP is on a network this node reaches directly (a gateway elsewhere would
 * need a routing protocol, not a static route).
 */
export function desiredState(input: DesiredInput): DesiredState {
  const routes: PeerRoute[] = [];
  const skipped: SkippedRoute[] = [];
  const podCidrs = new Set<string>(input.clusterCidrs);
  let ownPodCidrs: string[] | undefined;
  for (const node of [...input.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    node.podCidrs.forEach((cidr) => podCidrs.add(cidr));
    if (node.name === input.self) {
      ownPodCidrs = node.podCidrs;
      continue;
    }
    for (const dst of node.podCidrs) {
      const via = node.internalIps.find((ip) => familyOf(ip) === familyOf(dst));
      if (!via) {
        skipped.push({ node: node.name, dst, reason: 'no InternalIP of the same family' });
      } else if (!isConnected(via, input.connected)) {
        skipped.push({ node: node.name, dst, reason: `InternalIP ${via} is not on a directly connected network` });
      } else {
        routes.push({ dst, via, node: node.name });
      }
    }
  }
  const nonMasqueradeCidrs = withoutCovered([...podCidrs, ...input.extraNonMasqueradeCidrs]);
  return { ownPodCidrs, routes, skipped, nonMasqueradeCidrs };
}

function isConnected(address: string, connected: readonly IpPrefix[]): boolean {
  const ip = parseIp(address);
  return ip !== undefined && connected.some((network) => prefixContains(network, ip));
}

/**
 * The CIDRs minus those inside another one (a node's /24 inside the cluster's
 * /16), sorted: the set stays the same while nodes come and go.
 */
function withoutCovered(cidrs: readonly string[]): string[] {
  const prefixes = [...new Set(cidrs)].flatMap((text) => {
    const prefix = parsePrefix(text);
    return prefix ? [{ text, prefix }] : [];
  });
  return prefixes
    .filter(({ text, prefix }) =>
      !prefixes.some(
        (other) =>
          other.text !== text &&
          other.prefix.prefixLength <= prefix.prefixLength &&
          prefixContains(other.prefix, { family: prefix.family, value: prefix.address }),
      ),
    )
    .map(({ text }) => text)
    .sort();
}
