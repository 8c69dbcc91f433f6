import { CommandError, runChecked, type RunResult, type Runner } from './runner.js';

export type IptablesFlavour = 'nft' | 'legacy';

/** Messages iptables prints when what we delete or create is already so. */
const ABSENT = /(does a matching rule exist|No chain\/target\/match by that name|Bad rule|does not exist)/i;
const EXISTS = /Chain already exists/i;

/**
 * Idempotent helpers over iptables/ip6tables of one flavour, always with
 * `-w` (wait for the xtables lock), optionally inside a netns.
 */
export class Iptables {
  readonly binary: string;

  constructor(
    private readonly runner: Runner,
    readonly family: 4 | 6,
    readonly flavour: IptablesFlavour,
    readonly netns?: string,
  ) {
    this.binary = `${family === 4 ? 'iptables' : 'ip6tables'}-${flavour}`;
  }

  private run(args: readonly string[]) {
    return runChecked(this.runner, this.binary, ['-w', '5', ...args], { netns: this.netns });
  }

  /** Creates a chain unless it exists (concurrent creators both succeed). */
  async ensureChain(table: string, chain: string): Promise<void> {
    try {
      await this.run(['-t', table, '-N', chain]);
    } catch (error) {
      if (!(error instanceof CommandError && EXISTS.test(error.stderr))) throw error;
    }
  }

  async chainExists(table: string, chain: string): Promise<boolean> {
    const result = await this.runner.run(this.binary, ['-w', '5', '-t', table, '-S', chain], { netns: this.netns });
    return result.exitCode === 0;
  }

  async ruleExists(table: string, chain: string, rule: readonly string[]): Promise<boolean> {
    const result = await this.runner.run(this.binary, ['-w', '5', '-t', table, '-C', chain, ...rule], {
      netns: this.netns,
    });
    return result.exitCode === 0;
  }

  /** Appends the rule unless an identical one is there. Callers serialise with a lock. */
  async appendUnique(table: string, chain: string, rule: readonly string[]): Promise<void> {
    if (!(await this.ruleExists(table, chain, rule))) await this.run(['-t', table, '-A', chain, ...rule]);
  }

  async insertUnique(table: string, chain: string, rule: readonly string[]): Promise<void> {
    if (!(await this.ruleExists(table, chain, rule))) await this.run(['-t', table, '-I', chain, '1', ...rule]);
  }

  /** Deletes a rule; a rule or chain that is not there is not an error. */
  async deleteRule(table: string, chain: string, rule: readonly string[]): Promise<void> {
    try {
      await this.run(['-t', table, '-D', chain, ...rule]);
    } catch (error) {
      if (!(error instanceof CommandError && ABSENT.test(error.stderr))) throw error;
    }
  }

  /** Flushes and deletes a chain; absent is fine. */
  async deleteChain(table: string, chain: string): Promise<void> {
    for (const op of ['-F', '-X']) {
      try {
        await this.run(['-t', table, op, chain]);
      } catch (error) {
        if (!(error instanceof CommandError && ABSENT.test(error.stderr))) throw error;
      }
    }
  }

  /** The chain's rules as `-A chain ...` lines (iptables -S). */
  async listRules(table: string, chain?: string): Promise<string[]> {
    const result = await this.run(['-t', table, '-S', ...(chain ? [chain] : [])]);
    return result.stdout.split('\n').filter(Boolean);
  }

  /**
   * Applies a table's changes in one atomic transaction with
   * `iptables-restore --noflush` (chains not named in the input are kept).
   */
  async restore(input: string): Promise<void> {
    const restore = `${this.family === 4 ? 'iptables' : 'ip6tables'}-${this.flavour}-restore`;
    await runChecked(this.runner, restore, ['-w', '5', '--noflush'], { input, netns: this.netns });
  }
}

/** The node's iptables flavour, and its IPv4 rules as that flavour's iptables-save printed them. */
export interface IptablesState {
  flavour: IptablesFlavour;
  /** iptables-<flavour>-save output: every table, rules in the form `iptables -S` prints. */
  saved: string;
}

/**
 * Which iptables the node uses, as kube-proxy's iptables-wrapper decides:
 * the flavour that already holds rules (legacy when only legacy has any),
 * else nft, the default of current distributions. Deciding means reading
 * both flavours' rules, so those of the chosen one come back too: a caller
 * that only needs to look at IPv4 rules needs no other process.
 */
export async function readIptablesState(runner: Runner, netns?: string): Promise<IptablesState> {
  const save = (flavour: IptablesFlavour) => runner.run(`iptables-${flavour}-save`, [], { netns });
  const [legacy, nft] = await Promise.all([save('legacy'), save('nft')]);
  const count = (result: RunResult): number =>
    result.exitCode !== 0 ? -1 : result.stdout.split('\n').filter((line) => line.startsWith('-A ') || line.startsWith(':')).length;
  const [legacyCount, nftCount] = [count(legacy), count(nft)];
  const flavour = (nftCount < 0 && legacyCount >= 0) || legacyCount > nftCount ? 'legacy' : 'nft';
  return { flavour, saved: (flavour === 'legacy' ? legacy : nft).stdout };
}

export async function detectIptablesFlavour(runner: Runner, netns?: string): Promise<IptablesFlavour> {
  return (await readIptablesState(runner, netns)).flavour;
}

/** One table's lines of iptables-save output (chain declarations and rules), without the header and COMMIT. */
export function savedTable(saved: string, table: string): string[] {
  const lines = saved.split('\n');
  const start = lines.indexOf(`*${table}`);
  if (start < 0) return [];
  const end = lines.indexOf('COMMIT', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}
