import { formatIp, formatPrefix, parsePrefix, type Family } from '@tscni/core';
import { KIND_NETWORKS, ofFamily, type IpFamilyMode } from '../kind/ip-family.js';

export type { IpFamilyMode } from '../kind/ip-family.js';

/**
 * The shape of the local cluster, computed from its size and address
 * families alone: node names, node IPs, pod CIDRs and the addresses around
 * them. It mirrors the seed scenario's three-node kind cluster: one L2
 * segment with a gateway at ::1 / .1, a /24 of 10.244.0.0/16 (and a /64 of
 * fd00:10:244::/56) per node, and an "outside" host behind the gateway
 * standing in for the internet.
 */
export interface ClusterSize {
  nodes: number;
  podsPerNode: number;
}

export interface ClusterOptions extends ClusterSize {
  /** As kind's networking.ipFamily; ipv4 when absent, as the seed. */
  ipFamily?: IpFamilyMode;
}

/** A node's part of one family: its address on the segment, its pod CIDR and cni0's address in it. */
export interface NodeNet {
  family: Family;
  ip: string;
  podCidr: string;
  /** The first address of the pod CIDR: cni0's address, the pods' gateway. */
  bridgeIp: string;
}

export interface NodeSpec {
  /** The Kubernetes Node name, as kind names them. */
  name: string;
  /** Short, unique per cluster: used in namespace names. */
  key: string;
  /** One per family of the cluster, in the cluster's order (IPv4 first on dual-stack, as kind). */
  nets: NodeNet[];
  pods: string[];
}

/** The addresses of one family around the nodes: the segment, the cluster's pod CIDR, the outside host. */
export interface FamilyNet {
  family: Family;
  segment: { cidr: string; prefixLength: number; gateway: string };
  clusterCidr: string;
  outside: { cidr: string; prefixLength: number; gateway: string; host: string };
}

export interface Topology {
  ipFamily: IpFamilyMode;
  /** The cluster's families, its primary one first. */
  families: Family[];
  nets: FamilyNet[];
  nodes: NodeSpec[];
}

export const IP_FAMILY_MODES = Object.keys(KIND_NETWORKS) as IpFamilyMode[];
export const MAX_NODES = 200;

/**
 * Per family: the segment (docker's network for kind: 172.18.0.0/16, and
 * kind's IPv6 default fc00:f853:ccd:e793::/64), the outside host in a
 * documentation range never routed on the internet (TEST-NET-3,
 * 2001:db8::/32) so it can only mean ours, and the size of a node's pod
 * CIDR: kind's podSubnet split as its controller-manager does (/24, /64).
 */
const FAMILY_PLAN = {
  4: {
    segment: { cidr: '172.18.0.0/16', prefixLength: 16, gateway: '172.18.0.1' },
    outside: { cidr: '203.0.113.0/24', prefixLength: 24, gateway: '203.0.113.1', host: '203.0.113.10' },
    podCidrLength: 24,
  },
  6: {
    segment: { cidr: 'fc00:f853:ccd:e793::/64', prefixLength: 64, gateway: 'fc00:f853:ccd:e793::1' },
    outside: { cidr: '2001:db8::/64', prefixLength: 64, gateway: '2001:db8::1', host: '2001:db8::10' },
    podCidrLength: 64,
  },
} as const;

export function topology(options: ClusterOptions): Topology {
  const { nodes, podsPerNode, ipFamily = 'ipv4' } = options;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
    throw new RangeError(`nodes must be an integer from 1 to ${MAX_NODES}, got ${nodes}`);
  }
  if (!Number.isInteger(podsPerNode) || podsPerNode < 0 || podsPerNode > 250) {
    throw new RangeError(`pods per node must be an integer from 0 to 250, got ${podsPerNode}`);
  }
  if (!IP_FAMILY_MODES.includes(ipFamily)) throw new RangeError(`ip family must be one of ${IP_FAMILY_MODES.join(', ')}, got ${ipFamily}`);
  const { families, podSubnets } = KIND_NETWORKS[ipFamily];
  return {
    ipFamily,
    families,
    nets: families.map((family) => {
      const { segment, outside } = FAMILY_PLAN[family];
      return { family, segment, clusterCidr: ofFamily(podSubnets, family)!, outside };
    }),
    nodes: Array.from({ length: nodes }, (_, position) => nodeSpec(position, options, families, podSubnets)),
  };
}

/**
 * Position 0 is the control plane. kind addresses the workers in reverse
 * (the seed: kind-worker is .4 with 10.244.2.0/24, kind-worker2 is .3 with
 * 10.244.1.0/24), so worker k gets index nodes - k for its IPs and CIDRs.
 */
function nodeSpec(position: number, size: ClusterSize, families: Family[], clusterCidrs: string[]): NodeSpec {
  const index = position === 0 ? 0 : size.nodes - position;
  const name = position === 0 ? 'kind-control-plane' : `kind-worker${position === 1 ? '' : position}`;
  const key = `n${index}`;
  return {
    name,
    key,
    nets: families.map((family) => nodeNet(family, index, ofFamily(clusterCidrs, family)!)),
    pods: Array.from({ length: size.podsPerNode }, (_, i) => `${key}p${i}`),
  };
}

/**
 * Node `index`'s addresses in `family`, counted as docker and kind's
 * controller-manager count them: the segment's address index + 2 (after the
 * gateway), the cluster CIDR's index-th pod CIDR, and its first address for
 * cni0. Written as iproute2 prints them (fd00:10:244::/64 for index 0).
 */
function nodeNet(family: Family, index: number, clusterCidr: string): NodeNet {
  const plan = FAMILY_PLAN[family];
  const [segment, cluster] = [parsePrefix(plan.segment.cidr)!, parsePrefix(clusterCidr)!];
  const bits = family === 4 ? 32 : 128;
  const podNetwork = cluster.address + (BigInt(index) << BigInt(bits - plan.podCidrLength));
  return {
    family,
    ip: formatIp({ family, value: segment.address + BigInt(index + 2) }),
    podCidr: formatPrefix({ family, address: podNetwork, prefixLength: plan.podCidrLength }),
    bridgeIp: formatIp({ family, value: podNetwork + 1n }),
  };
}

/** The node's part of `family`, which the cluster must have. */
export function netOf(node: NodeSpec, family: Family): NodeNet {
  const net = node.nets.find((n) => n.family === family);
  if (!net) throw new Error(`${node.name} has no IPv${family} network`);
  return net;
}

/** The cluster's addresses of `family` around the nodes. */
export function familyNetOf(topo: Topology, family: Family): FamilyNet {
  const net = topo.nets.find((n) => n.family === family);
  if (!net) throw new Error(`the cluster has no IPv${family} network`);
  return net;
}
