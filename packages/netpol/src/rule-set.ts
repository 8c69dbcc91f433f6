import type { Protocol } from './model.js';

/**
 * The node's NetworkPolicy rules as data, between the compiler and the nft
 * text: what a test reads to see what a policy became, without root.
 *
 * The shape keeps the rule set growing with pods plus policies, not their
 * product. Each policy that selects a pod on this node becomes one chain
 * per direction, shared by every local pod it selects; its peers are sets.
 * Each local pod address maps to a verdict chain that jumps to the chains
 * of the policies selecting it and rejects what none of them accepted;
 * pods selected by the same policies share one verdict chain.
 */
export type Family = 4 | 6;
export type Direction = 'ingress' | 'egress';

export interface RuleSet {
  /** Per direction, local pod address → the verdict chain judging its traffic. A pod absent here is not isolated in that direction. */
  targets: Record<Direction, ReadonlyMap<string, string>>;
  verdictChains: readonly VerdictChain[];
  policyChains: readonly PolicyChain[];
  sets: readonly NamedSet[];
}

export interface VerdictChain {
  name: string;
  /** The policy chains to try, in order; traffic none accepts is rejected. */
  policyChains: readonly string[];
}

export interface PolicyChain {
  name: string;
  direction: Direction;
  /** namespace/name of the policy, for comments. */
  policy: string;
  lines: readonly RuleLine[];
}

/** One accepting rule: every match it has must hold. */
export interface RuleLine {
  /** The family its addresses are of; undefined: a line with none (any peer, ports by number), which holds for both. */
  family?: Family;
  /** Which rule of the policy's list it came from, for comments. */
  ruleIndex: number;
  /** The other end of the traffic (the source for ingress, the destination for egress). Undefined: anyone. */
  peer?: PeerMatch;
  /** Undefined: any port, any protocol. */
  ports?: PortMatch;
}

export type PeerMatch = { set: string } | { cidr: string; except: readonly string[] };

export type PortMatch =
  /** A protocol, and its ports or ranges ("80", "1000-2000"); none: the whole protocol. */
  | { protocol: Protocol; ports: readonly string[] }
  /** Named ports resolved per pod: a set of destination address . protocol . port. */
  | { destinationPorts: string };

export interface NamedSet {
  name: string;
  family: Family;
  kind: 'addresses' | 'address-ports';
  /** Sorted, unique: "10.244.1.5", or "10.244.1.5 . 6 . 8080" (protocol by number). */
  elements: readonly string[];
}

/** IANA protocol numbers: nft resolves names through /etc/protocols, which a slim image may lack. */
export const PROTOCOL_NUMBERS: Record<Protocol, number> = { TCP: 6, UDP: 17, SCTP: 132 };

export function familyOf(address: string): Family {
  return address.includes(':') ? 6 : 4;
}
