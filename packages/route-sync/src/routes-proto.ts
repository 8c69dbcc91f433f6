/**
 * The routing protocol number that marks routes made by tscni-route-sync.
 * 243 (0xf3) is not in iproute2's rt_protos (which reserves up to 192 for
 * routing daemons), so no other software on a node writes it: every route
 * with it is ours to change, and every route without it is left alone.
 */
export const ROUTE_PROTOCOL = 243;

/** One route to a peer's pod CIDR via the peer's node IP. */
export interface PeerRoute {
  dst: string;
  via: string;
  /** The Node the route leads to, for log lines. */
  node: string;
}
