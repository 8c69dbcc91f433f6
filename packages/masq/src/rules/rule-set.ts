import type { Family } from '@tscni/core';
import type { StampedBackend } from './stamp.js';

/** One family's masquerade rules on a node: the whole of what tscni-masq owns there. */
export interface RuleSet {
  family: Family;
  chain: string;
  /** Destinations that keep the pod's source address, in order. */
  nonMasqueradeCidrs: string[];
}

/** Every rule carries one of these comments, so `iptables -S` or `nft list` says whose it is. */
export const COMMENTS = {
  jump: 'tscni-masq: pod traffic leaving the node',
  masquerade: 'tscni-masq: masquerade the rest',
  keep: (cidr: string) => `tscni-masq: no masquerade to ${cidr}`,
};

/** Reads and writes one family's rule set in one firewall backend. */
export interface RuleBackend {
  /** Which backend this is, as a stamp records it. */
  readonly stamped: StampedBackend;
  /** What differs from the set on the node; empty when exactly the set is in place. */
  inspect(set: RuleSet): Promise<string[]>;
  /** The same answer, from what was read when the backend was chosen where that covers the set. */
  inspectAsChosen(set: RuleSet): Promise<string[]>;
  /** Replaces the node's rules with exactly the set, in one atomic transaction. */
  replace(set: RuleSet): Promise<void>;
}
