import { runChecked, type Runner } from './runner.js';

/**
 * nft(8), one process per transaction: `nft -f -` applies a whole script
 * atomically, which is how nftables users get all-or-nothing rule changes.
 */
export class Nftables {
  constructor(
    private readonly runner: Runner,
    readonly netns?: string,
  ) {}

  /** Applies a script atomically. */
  async apply(script: string): Promise<void> {
    await runChecked(this.runner, 'nft', ['-f', '-'], { input: script, netns: this.netns });
  }

  /** `nft -j list ...` parsed; undefined when the object does not exist. */
  async list(args: readonly string[]): Promise<{ nftables: Array<Record<string, unknown>> } | undefined> {
    const result = await this.runner.run('nft', ['-j', 'list', ...args], { netns: this.netns });
    if (result.exitCode !== 0) return undefined;
    return JSON.parse(result.stdout) as { nftables: Array<Record<string, unknown>> };
  }

  /** The ruleset of a table in nft's text form, or undefined when absent. */
  async listText(args: readonly string[]): Promise<string | undefined> {
    const result = await this.runner.run('nft', ['list', ...args], { netns: this.netns });
    return result.exitCode === 0 ? result.stdout : undefined;
  }
}
