import { Iptables, crashPoint, savedTable, type IptablesFlavour, type Runner } from '@tscni/core';
import { COMMENTS, type RuleBackend, type RuleSet } from './rule-set.js';
import type { StampedBackend } from './stamp.js';

/**
 * The rule set as iptables-restore lines. `iptables -S` prints rules in
 * exactly this form, which is how `inspect` compares what is on the node.
 */
export function jumpRule(set: RuleSet): string {
  return `-A POSTROUTING -m addrtype ! --dst-type LOCAL -m comment --comment "${COMMENTS.jump}" -j ${set.chain}`;
}

export function chainRules(set: RuleSet): string[] {
  return [
    `-N ${set.chain}`,
    ...set.nonMasqueradeCidrs.map(
      (cidr) => `-A ${set.chain} -d ${cidr} -m comment --comment "${COMMENTS.keep(cidr)}" -j RETURN`,
    ),
    `-A ${set.chain} -m comment --comment "${COMMENTS.masquerade}" -j MASQUERADE`,
  ];
}

/**
 * One iptables-restore --noflush transaction: declaring the chain flushes
 * it, so its content is replaced whole (a stale RETURN cannot survive); the
 * jump is added when missing and duplicates of it are removed.
 */
export function restoreInput(set: RuleSet, jumpsPresent: number): string {
  const jump = jumpRule(set);
  const [, ...rules] = chainRules(set);
  const jumpChanges =
    jumpsPresent === 0 ? [jump] : Array<string>(jumpsPresent - 1).fill(jump.replace(/^-A /, '-D '));
  return ['*nat', `:${set.chain} - [0:0]`, ...rules, ...jumpChanges, 'COMMIT', ''].join('\n');
}

/** What the node has of one set: jumps to the chain in POSTROUTING, and the chain as `iptables -S chain` prints it. */
interface NodeRules {
  jumps: number;
  chain: string[] | undefined;
}

/** The set's part of iptables-save output: the same lines `iptables -S` prints. */
export function rulesFromSave(saved: string, set: RuleSet): NodeRules {
  const nat = savedTable(saved, 'nat');
  const declared = nat.some((line) => line.startsWith(`:${set.chain} `));
  return {
    jumps: nat.filter((line) => line === jumpRule(set)).length,
    chain: declared ? [`-N ${set.chain}`, ...nat.filter((line) => line.startsWith(`-A ${set.chain} `))] : undefined,
  };
}

export class IptablesRules implements RuleBackend {
  /**
   * `saved`: the IPv4 rules as the flavour's iptables-save printed them when
   * the flavour was chosen (readIptablesState), for inspectAsChosen.
   */
  constructor(
    private readonly runner: Runner,
    readonly flavour: IptablesFlavour,
    private readonly netns?: string,
    private readonly saved?: string,
  ) {}

  get stamped(): StampedBackend {
    return `iptables-${this.flavour}`;
  }

  async inspect(set: RuleSet): Promise<string[]> {
    return differences(set, await this.read(set));
  }

  async inspectAsChosen(set: RuleSet): Promise<string[]> {
    if (set.family === 4 && this.saved !== undefined) return differences(set, rulesFromSave(this.saved, set));
    return this.inspect(set);
  }

  async replace(set: RuleSet): Promise<void> {
    const { jumps } = await this.read(set);
    crashPoint('masq-add:before-commit');
    await this.tables(set).restore(restoreInput(set, jumps));
    crashPoint('masq-add:after-commit');
  }

  private tables(set: RuleSet): Iptables {
    return new Iptables(this.runner, set.family, this.flavour, this.netns);
  }

  private async read(set: RuleSet): Promise<NodeRules> {
    const tables = this.tables(set);
    const list = (chain: string) =>
      this.runner.run(tables.binary, ['-w', '5', '-t', 'nat', '-S', chain], { netns: this.netns });
    const [postrouting, chain] = await Promise.all([list('POSTROUTING'), list(set.chain)]);
    const lines = (text: string) => text.split('\n').filter(Boolean);
    return {
      jumps: lines(postrouting.stdout).filter((line) => line === jumpRule(set)).length,
      chain: chain.exitCode === 0 ? lines(chain.stdout) : undefined,
    };
  }
}

/** What differs between the set and what the node has; empty when exactly the set is in place. */
function differences(set: RuleSet, { jumps, chain }: NodeRules): string[] {
  const problems: string[] = [];
  if (jumps !== 1) problems.push(`nat POSTROUTING has ${jumps} jumps to ${set.chain}, expected 1`);
  const expected = chainRules(set);
  if (!chain) problems.push(`nat chain ${set.chain} is missing`);
  else if (chain.join('\n') !== expected.join('\n')) {
    problems.push(`nat chain ${set.chain} is [${chain.slice(1).join('; ')}], expected [${expected.slice(1).join('; ')}]`);
  }
  return problems;
}
