import { Nftables, crashPoint, type Runner } from '@tscni/core';
import { COMMENTS, type RuleBackend, type RuleSet } from './rule-set.js';

/**
 * With nftables the rules live in a table of their own, named after the
 * chain option, per family (`ip` or `ip6`), with its own postrouting hook.
 */
function tableOf(set: RuleSet): string {
  return `${set.family === 4 ? 'ip' : 'ip6'} ${set.chain}`;
}

/** The table as `nft list table` prints it (so `inspect` can compare text). */
export function tableText(set: RuleSet): string {
  const daddr = set.family === 4 ? 'ip daddr' : 'ip6 daddr';
  return [
    `table ${tableOf(set)} {`,
    '\tchain postrouting {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    `\t\tfib daddr type != local jump pod-masquerade comment "${COMMENTS.jump}"`,
    '\t}',
    '',
    '\tchain pod-masquerade {',
    ...set.nonMasqueradeCidrs.map((cidr) => `\t\t${daddr} ${cidr} return comment "${COMMENTS.keep(cidr)}"`),
    `\t\tmasquerade comment "${COMMENTS.masquerade}"`,
    '\t}',
    '}',
  ].join('\n');
}

/** Creates-then-deletes the table and writes it anew: one transaction, whatever was there. */
export function replaceScript(set: RuleSet): string {
  return [`table ${tableOf(set)} {}`, `delete table ${tableOf(set)}`, tableText(set), ''].join('\n');
}

export class NftablesRules implements RuleBackend {
  readonly stamped = 'nftables';
  private readonly nft: Nftables;

  constructor(runner: Runner, netns?: string) {
    this.nft = new Nftables(runner, netns);
  }

  async inspect(set: RuleSet): Promise<string[]> {
    const listed = await this.nft.listText(['table', ...tableOf(set).split(' ')]);
    if (listed === undefined) return [`nftables table ${tableOf(set)} is missing`];
    const normalise = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean).join('\n');
    if (normalise(listed) === normalise(tableText(set))) return [];
    return [`nftables table ${tableOf(set)} differs from the expected rules:\n${listed.trim()}`];
  }

  /** Choosing nftables reads nothing: this is a fresh read. */
  inspectAsChosen(set: RuleSet): Promise<string[]> {
    return this.inspect(set);
  }

  async replace(set: RuleSet): Promise<void> {
    crashPoint('masq-add:before-commit');
    await this.nft.apply(replaceScript(set));
    crashPoint('masq-add:after-commit');
  }
}
