import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@tscni/core';
import { describeApiError, isRefusal, statusOf } from './kube-api.js';

/** Objects per LIST page: a first list of 5,000 Nodes is ten requests, and only one page is in memory at a time. */
export const PAGE_SIZE = 500;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
/** A watch that ends sooner than this after it started is resumed after the backoff, not at once: a server that closes every watch is not asked in a loop. */
const SHORT_WATCH_MS = 1_000;

/** A list's page, as the generated clients return it. */
export interface ListPage {
  items: unknown[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

/** What the watch tells whoever counts (the agent's metrics). */
export interface WatchEvents {
  /** A LIST is sent: the first, and every relist (counted once, whatever its pages). */
  listing(): void;
  /** A watch is started again after the first: after the server closed it, a timeout, 410 Gone or an error. */
  restarted(): void;
}

const NO_EVENTS: WatchEvents = { listing() {}, restarted() {} };

/** How a watch request is made: client-node's Watch, or a test's fake. */
export type Watcher = Pick<Watch, 'watch'>;

export interface TrimmedWatchSpec<T> {
  /** As RBAC names it ("nodes", "pods"): in the error that says which grant is missing. */
  resource: string;
  /** For log lines ("node watch failed"); the resource when absent. */
  kind?: string;
  /** The watch path, e.g. /api/v1/pods. */
  path: string;
  list(page: { limit: number; _continue?: string }): Promise<ListPage>;
  /** The fields the agent uses; the rest of the object is dropped as it arrives. */
  trim(object: unknown): T;
  /**
   * Whether a fresh trim says nothing new: the held copy stays (same
   * identity, so later steps can memoise on it) and no change is announced.
   * A Node's heartbeat changes nothing the agent reads.
   */
  unchanged?(held: T, fresh: T): boolean;
  onChange(): void;
  events?: WatchEvents;
}

type ApiObject = { metadata?: { namespace?: string; name?: string; resourceVersion?: string } };

/**
 * A list (in pages) and a watch of one resource, keeping only a trimmed
 * copy of each object: an informer whose cache holds what the agent
 * reads, not whole objects.
 *
 * - A watch the server closes, or that client-node ends after 30 s
 *   without a byte, resumes from the last resourceVersion seen (bookmarks
 *   keep it fresh), at once.
 * - 410 Gone (as a status or an ERROR event) relists: the resourceVersion
 *   is too old for the server's history.
 * - Any other failure is retried with exponential backoff (0.5 s doubling
 *   to 30 s, reset by the next event or list): the watch from where it
 *   was, or the list if none succeeded yet. A refusal (401, 403) is logged
 *   as an error: credentials and RBAC do not fix themselves.
 */
export class TrimmedWatch<T> {
  private readonly objects = new Map<string, T>();
  private readonly events: WatchEvents;
  private readonly kind: string;
  private resourceVersion: string | undefined;
  /** The watch request in progress; events of an earlier one are ignored. */
  private current: { abort?: AbortController; startedAt: number; ended: boolean } | undefined;
  private watchesStarted = 0;
  private retryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** True once a list has succeeded: before that, the set is unknown, not empty. */
  synced = false;
  /** Why the last list or watch failed; cleared when one gets through. */
  lastError: string | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly spec: TrimmedWatchSpec<T>,
    private readonly log: Logger,
    private readonly io: { watcher: Watcher; firstRetryMs: number } = { watcher: new Watch(kubeConfig), firstRetryMs: FIRST_RETRY_MS },
  ) {
    this.events = spec.events ?? NO_EVENTS;
    this.kind = spec.kind ?? spec.resource;
    this.retryMs = io.firstRetryMs;
  }

  start(): void {
    void this.relist();
  }

  values(): T[] {
    return [...this.objects.values()];
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.current?.abort?.abort();
    this.current = undefined;
  }

  private async relist(): Promise<void> {
    this.events.listing();
    try {
      const fresh = new Map<string, T>();
      let page: ListPage | undefined;
      let pages = 0;
      do {
        page = await this.spec.list({ limit: PAGE_SIZE, ...(page?.metadata?._continue && { _continue: page.metadata._continue }) });
        pages++;
        for (const item of page.items) fresh.set(keyOf(item), this.trimmed(item));
      } while (page.metadata?._continue);
      if (this.stopped) return;
      this.objects.clear();
      for (const [key, value] of fresh) this.objects.set(key, value);
      this.resourceVersion = page.metadata?.resourceVersion;
      this.log.debug(`listed ${this.spec.resource}`, { count: fresh.size, pages, resourceVersion: this.resourceVersion });
      this.synced = true;
      this.gotThrough();
      this.spec.onChange();
      this.watch();
    } catch (error) {
      this.failed(error);
    }
  }

  private watch(): void {
    if (this.stopped) return;
    if (this.watchesStarted++ > 0) this.events.restarted();
    const current: NonNullable<typeof this.current> = { startedAt: performance.now(), ended: false };
    this.current = current;
    const live = () => this.current === current;
    const ended = (error: unknown) => {
      current.ended = true;
      if (live()) this.ended(error, performance.now() - current.startedAt);
    };
    this.io.watcher
      .watch(
        this.spec.path,
        { allowWatchBookmarks: true, resourceVersion: this.resourceVersion },
        (phase: string, object: ApiObject) => {
          if (live()) this.event(phase, object);
        },
        ended,
      )
      .then(
        (abort) => {
          current.abort = abort;
          if (!live()) abort.abort();
          // Answered 200 and streaming: whatever failed before has passed.
          else if (!current.ended) this.lastError = undefined;
        },
        ended,
      );
  }

  private event(phase: string, object: ApiObject): void {
    if (phase === 'ERROR') {
      // A status in the stream, 410 Gone above all: the watch cannot go on from here; start over from a list.
      const lastedMs = performance.now() - (this.current?.startedAt ?? 0);
      this.current?.abort?.abort();
      this.resourceVersion = undefined;
      this.ended(Object.assign(new Error(`watch of ${this.spec.resource}: ${JSON.stringify(object)}`), { code: statusOf(object) }), lastedMs);
      return;
    }
    this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
    this.gotThrough();
    if (phase === 'BOOKMARK') return;
    const key = keyOf(object);
    if (phase === 'DELETED') {
      if (this.objects.delete(key)) this.spec.onChange();
      return;
    }
    const held = this.objects.get(key);
    const fresh = this.trimmed(object);
    if (fresh === held) return;
    this.objects.set(key, fresh);
    this.spec.onChange();
  }

  /** The trim of `object`, or the copy held when that says the same. */
  private trimmed(object: unknown): T {
    const fresh = this.spec.trim(object);
    const held = this.objects.get(keyOf(object));
    return held !== undefined && this.spec.unchanged?.(held, fresh) ? held : fresh;
  }

  /** A watch came to its end: `error` undefined or null when the server closed it. */
  private ended(error: unknown, lastedMs: number): void {
    if (this.stopped) return;
    this.current = undefined;
    const quick = lastedMs < SHORT_WATCH_MS;
    if (statusOf(error) === 410) {
      this.resourceVersion = undefined;
      this.log.info(`${this.kind} watch expired (410 Gone); relisting`);
      this.after(quick ? this.backoff() : 0, () => this.relist());
    } else if (!error || (error as Error).name === 'TimeoutError') {
      this.after(quick ? this.backoff() : 0, () => this.watch());
    } else {
      this.failed(error);
    }
  }

  /** A list or watch that failed: retried after the backoff, from the resourceVersion held if there is one. */
  private failed(error: unknown): void {
    if (this.stopped) return;
    this.lastError = describeApiError(error, this.spec.resource);
    const delay = this.backoff();
    const fields = { error: this.lastError, retryInMs: delay };
    if (isRefusal(error)) this.log.error(`${this.kind} watch refused; retrying`, fields);
    else this.log.warn(`${this.kind} watch failed; retrying`, fields);
    this.after(delay, () => (this.resourceVersion ? this.watch() : this.relist()));
  }

  private gotThrough(): void {
    this.lastError = undefined;
    this.retryMs = this.io.firstRetryMs;
  }

  private backoff(): number {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    return delay;
  }

  private after(delay: number, next: () => unknown): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.stopped) void next();
    }, delay);
  }
}

function keyOf(object: unknown): string {
  const metadata = (object as ApiObject).metadata;
  return `${metadata?.namespace ?? ''}/${metadata?.name ?? ''}`;
}
