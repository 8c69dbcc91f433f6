import type { Logger } from '@tscni/core';
import type { HealthStatus } from './health.js';

/** Repairs drift nobody announces (a route deleted by hand, an address added late). */
export const RESYNC_MS = 30_000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * One pass over the Node list: `full` re-reads the node instead of trusting
 * what the last pass left. Resolves false when the Node list is not known
 * yet and nothing ran.
 */
export type SyncPass = (full: boolean) => Promise<boolean>;

/** Whether the next pass must re-read the node. */
export function needsFullPass(state: { fullRequested: boolean; sinceFullMs: number }): boolean {
  return state.fullRequested || state.sinceFullMs >= RESYNC_MS;
}

/**
 * Runs passes one at a time: at once when a change comes in while idle;
 * changes that come in during a pass are gathered into the one pass after
 * it. A full pass runs first, every RESYNC_MS, and after a failure (with
 * backoff), since a failed `ip -batch` leaves the routes unknown.
 */
export class SyncLoop {
  private timer: NodeJS.Timeout | undefined;
  /** The pass in progress, if any. */
  private running: Promise<void> | undefined;
  private again = false;
  private fullRequested = true;
  private lastFullAt = 0;
  private retryMs = FIRST_RETRY_MS;
  private stopped = false;
  readonly health: HealthStatus = { synced: false, lastError: undefined };

  constructor(
    private readonly pass: SyncPass,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Asks for a pass; passes never overlap. The pass starts on a timer of 0,
   * not synchronously, so events delivered together (a relist) make one pass.
   */
  schedule(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.startIn(0);
  }

  /** Stops scheduling and waits for a pass in progress, so no `ip -batch` is cut short. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private startIn(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.run();
    }, delayMs);
  }

  private async run(): Promise<void> {
    const full = needsFullPass({ fullRequested: this.fullRequested, sinceFullMs: this.now() - this.lastFullAt });
    const startedAt = this.now();
    let next: number | undefined = RESYNC_MS;
    try {
      // False while nothing is known (an empty set would delete every route): the first list schedules a pass.
      if (await this.pass(full)) this.succeeded(full, startedAt);
      else next = undefined;
    } catch (error) {
      next = this.failed(error);
    } finally {
      this.running = undefined;
    }
    if (this.stopped) return;
    if (this.again) this.startIn(0);
    else if (next !== undefined) this.startIn(next);
    this.again = false;
  }

  private succeeded(full: boolean, startedAt: number): void {
    if (full) {
      this.fullRequested = false;
      this.lastFullAt = startedAt;
    }
    this.health.synced = true;
    this.health.lastError = undefined;
    this.retryMs = FIRST_RETRY_MS;
  }

  /** Returns when to try again. */
  private failed(error: unknown): number {
    this.fullRequested = true;
    this.health.lastError = (error as Error).message;
    this.log.error('sync failed; retrying', { error: this.health.lastError, retryInMs: this.retryMs });
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    return delay;
  }
}
