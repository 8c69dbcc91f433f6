import type { Logger } from '@tscni/core';
import type { HealthStatus } from './health.js';
import type { NodeInfo } from './node-info.js';
import { syncNode, type SyncDeps, type SyncMemory } from './sync.js';

/** Coalesces bursts of watch events (a relist delivers one per Node) into one pass. */
const SETTLE_MS = 50;
/** Repairs drift nobody announces (a route deleted by hand, an address added late). */
const RESYNC_MS = 30_000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * Runs sync passes one at a time: after watch changes, periodically, and
 * again with backoff after a failed pass.
 */
export class SyncLoop {
  private timer: NodeJS.Timeout | undefined;
  /** The pass in progress, if any. */
  private running: Promise<void> | undefined;
  private again = false;
  private retryMs = FIRST_RETRY_MS;
  private stopped = false;
  private readonly memory: SyncMemory = {};
  readonly health: HealthStatus = { synced: false, lastError: undefined };

  /** `nodes` returns undefined until the Node list is known. */
  constructor(
    private readonly deps: SyncDeps,
    private readonly nodes: () => NodeInfo[] | undefined,
    private readonly log: Logger,
  ) {}

  /** Asks for a pass soon; passes never overlap. */
  schedule(delayMs = SETTLE_MS): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pass(), delayMs);
  }

  /** Stops scheduling and waits for a pass in progress, so no `ip -batch` is cut short. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private pass(): void {
    const nodes = this.nodes();
    if (!nodes) return; // nothing is known yet: an empty set would delete every route
    this.running = this.run(nodes);
  }

  private async run(nodes: NodeInfo[]): Promise<void> {
    let next = RESYNC_MS;
    try {
      await syncNode(this.deps, nodes, this.memory);
      this.health.synced = true;
      this.health.lastError = undefined;
      this.retryMs = FIRST_RETRY_MS;
    } catch (error) {
      this.health.lastError = (error as Error).message;
      this.log.error('sync failed; retrying', { error: this.health.lastError, retryInMs: this.retryMs });
      next = this.retryMs;
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    } finally {
      this.running = undefined;
    }
    this.schedule(this.again ? SETTLE_MS : next);
    this.again = false;
  }
}
