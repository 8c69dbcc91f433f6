import { readIptablesState, type Runner } from '@tscni/core';
import type { BackendKind } from '../options.js';
import { IptablesRules } from './iptables-rules.js';
import { NftablesRules } from './nftables-rules.js';
import type { RuleBackend } from './rule-set.js';

/**
 * "auto" means iptables in the flavour the node already uses (nft or
 * legacy), where kube-proxy and the reference plugins keep their nat rules
 * too; nftables is chosen explicitly.
 */
export async function selectBackend(kind: BackendKind, runner: Runner, netns?: string): Promise<RuleBackend> {
  if (kind === 'nftables') return new NftablesRules(runner, netns);
  const { flavour, saved } = await readIptablesState(runner, netns);
  return new IptablesRules(runner, flavour, netns, saved);
}
