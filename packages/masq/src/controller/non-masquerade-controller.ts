import type { Logger } from '@tscni/core';
import { OnChange, type ClusterView, type NodeController } from '@tscni/core/node-agent';
import { syncNonMasqueradeCidrs } from '../sync.js';
import { nonMasqueradeSet, type UncoveredMemo } from './non-masquerade-set.js';

/**
 * Makes the node's non-masquerade set the given one. A function type so the
 * controller can be driven in tests without a firewall.
 */
export type NonMasqueradeSync = (cidrs: string[]) => Promise<void>;

/**
 * The masq library's rules (default chain) in this process's namespace,
 * serialised with the plugin's ADDs through the lock file the conflist names.
 */
export function masqRules(lockFile: string): NonMasqueradeSync {
  return (cidrs) => syncNonMasqueradeCidrs(cidrs, { lockFile });
}

export interface NonMasqueradeDeps {
  sync: NonMasqueradeSync;
  /** The cluster's pod CIDRs and any extra destinations reached without masquerade. */
  fixedCidrs: readonly string[];
  log: Logger;
}

/**
 * The node agent's controller of tscni-masq's non-masquerade set: the
 * destinations pods reach with their own source address, as the Node
 * objects say. The set is written only when it changed, and again after a
 * reread (rules flushed by someone else come back).
 */
export class NonMasqueradeController implements NodeController<string[]> {
  readonly name = 'non-masquerade';
  private readonly memo: UncoveredMemo = new WeakMap();
  private readonly done = new OnChange<'synced' | 'logged'>();
  /** The set the last apply put in place: the conflist's tscni-masq entry must name the same, or the next ADD puts another one back. */
  applied: string[] | undefined;

  constructor(private readonly deps: NonMasqueradeDeps) {}

  async reread(): Promise<void> {
    this.done.forget('synced');
  }

  desired(view: ClusterView): string[] {
    return nonMasqueradeSet(view, this.deps.fixedCidrs, this.memo);
  }

  async apply(cidrs: string[]): Promise<void> {
    await this.done.run('synced', cidrs, () => this.deps.sync(cidrs));
    this.applied = cidrs;
    await this.done.run('logged', cidrs, () => this.deps.log.info('non-masquerade set synced', { cidrs }));
  }
}
