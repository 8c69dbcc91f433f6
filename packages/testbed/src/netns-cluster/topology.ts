/**
 * The shape of the local cluster, computed from its size alone: node names,
 * node IPs, pod CIDRs and the addresses around them. It mirrors the seed
 * scenario's three-node kind cluster: one L2 segment with a gateway at .1,
 * a /24 of 10.244.0.0/16 per node, and an "outside" host behind the gateway
 * standing in for the internet.
 */
export interface ClusterSize {
  nodes: number;
  podsPerNode: number;
}

export interface NodeSpec {
  /** The Kubernetes Node name, as kind names them. */
  name: string;
  /** Short, unique per cluster: used in namespace names. */
  key: string;
  ip: string;
  podCidr: string;
  /** The first address of the pod CIDR: cni0's address, the pods' gateway. */
  bridgeIp: string;
  pods: string[];
}

export interface Topology {
  segment: { cidr: string; prefixLength: number; gateway: string };
  clusterCidr: string;
  outside: { cidr: string; gateway: string; host: string };
  nodes: NodeSpec[];
}

export const SEGMENT_PREFIX = '172.18.0';
export const CLUSTER_CIDR = '10.244.0.0/16';
/** TEST-NET-3: never routed on the internet, so it can only mean our outside host. */
export const OUTSIDE_PREFIX = '203.0.113';
export const MAX_NODES = 200;

export function topology(size: ClusterSize): Topology {
  if (!Number.isInteger(size.nodes) || size.nodes < 1 || size.nodes > MAX_NODES) {
    throw new RangeError(`nodes must be an integer from 1 to ${MAX_NODES}, got ${size.nodes}`);
  }
  if (!Number.isInteger(size.podsPerNode) || size.podsPerNode < 0 || size.podsPerNode > 250) {
    throw new RangeError(`pods per node must be an integer from 0 to 250, got ${size.podsPerNode}`);
  }
  return {
    segment: { cidr: `${SEGMENT_PREFIX}.0/16`, prefixLength: 16, gateway: `${SEGMENT_PREFIX}.1` },
    clusterCidr: CLUSTER_CIDR,
    outside: { cidr: `${OUTSIDE_PREFIX}.0/24`, gateway: `${OUTSIDE_PREFIX}.1`, host: `${OUTSIDE_PREFIX}.10` },
    nodes: Array.from({ length: size.nodes }, (_, position) => nodeSpec(position, size)),
  };
}

/**
 * Position 0 is the control plane. kind addresses the workers in reverse
 * (the seed: kind-worker is .4 with 10.244.2.0/24, kind-worker2 is .3 with
 * 10.244.1.0/24), so worker k gets index nodes - k for both its IP and CIDR.
 */
function nodeSpec(position: number, size: ClusterSize): NodeSpec {
  const index = position === 0 ? 0 : size.nodes - position;
  const name = position === 0 ? 'kind-control-plane' : `kind-worker${position === 1 ? '' : position}`;
  const key = `n${index}`;
  return {
    name,
    key,
    ip: `${SEGMENT_PREFIX}.${index + 2}`,
    podCidr: `10.244.${index}.0/24`,
    bridgeIp: `10.244.${index}.1`,
    pods: Array.from({ length: size.podsPerNode }, (_, i) => `${key}p${i}`),
  };
}
