import { familyOf, parseIp, prefixContains, type IpPrefix } from '@tscni/core';
import type { ClusterView, NodeInfo } from '@tscni/core/node-agent';
import type { PeerRoute } from '../routes-proto.js';

/** A peer pod CIDR the agent cannot route, and why (for a log line). */
export interface SkippedRoute {
  node: string;
  dst: string;
  reason: string;
}

export interface DesiredRoutes {
  /** The node they are for (the state file names it). */
  node: string;
  routes: PeerRoute[];
  skipped: SkippedRoute[];
}

/** What one peer Node adds to the desired routes. */
interface PeerContribution {
  routes: PeerRoute[];
  skipped: SkippedRoute[];
}

/**
 * Remembers each Node's contribution by the identity of its NodeInfo, so a
 * pass recomputes only the Nodes that changed. Valid for one set of
 * connected networks: make a new one when they change.
 */
export type RouteMemo = WeakMap<NodeInfo, PeerContribution>;

/**
 * Pure: the routes this node should hold given every Node object. Each
 * peer's pod CIDR is routed via the peer's InternalIP of the same family,
 * when that IP is on a network this node reaches directly (a gateway
 * elsewhere would need a routing protocol, not a static route).
 */
export function desiredRoutes(view: ClusterView, connected: readonly IpPrefix[], memo: RouteMemo = new WeakMap()): DesiredRoutes {
  const routes: PeerRoute[] = [];
  const skipped: SkippedRoute[] = [];
  // Node names are DNS labels: plain code-point order is stable and much cheaper than localeCompare.
  for (const node of [...view.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (node.name === view.self) continue;
    let contribution = memo.get(node);
    if (!contribution) {
      contribution = peerContribution(node, connected);
      memo.set(node, contribution);
    }
    routes.push(...contribution.routes);
    skipped.push(...contribution.skipped);
  }
  return { node: view.self, routes, skipped };
}

function peerContribution(node: NodeInfo, connected: readonly IpPrefix[]): PeerContribution {
  const contribution: PeerContribution = { routes: [], skipped: [] };
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

function isConnected(address: string, connected: readonly IpPrefix[]): boolean {
  const ip = parseIp(address);
  return ip !== undefined && connected.some((network) => prefixContains(network, ip));
}
