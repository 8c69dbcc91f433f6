import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@tscni/core';
import { describeApiError } from './node-watch.js';

const PAGE_SIZE = 500;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/** A list's page, as the generated clients return it. */
export interface ListPage {
  items: unknown[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

export interface TrimmedWatchSpec<T> {
  /** For log lines: "pods", "namespaces", "networkpolicies". */
  resource: string;
  /** The watch path, e.g. /api/v1/pods. */
  path: string;
  list(page: { limit: number; _continue?: string }): Promise<ListPage>;
  /** The fields the agent uses; the rest of the object is dropped as it arrives. */
  trim(object: unknown): T;
  onChange(): void;
}

/**
 * A list (in pages) and a watch of one resource, keeping only a trimmed
 * copy of each object: an informer whose cache holds what the compiler
 * reads, not whole objects. A closed watch resumes from the last
 * resourceVersion seen (bookmarks keep it fresh); 410 Gone or any error
 * relists, with exponential backoff.
 */
export class TrimmedWatch<T> {
  private readonly objects = new Map<string, T>();
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private retryMs = FIRST_RETRY_MS;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  synced = false;
  lastError: string | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly spec: TrimmedWatchSpec<T>,
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.relist();
  }

  values(): T[] {
    return [...this.objects.values()];
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort?.abort();
  }

  private async relist(): Promise<void> {
    try {
      const fresh = new Map<string, T>();
      let page: ListPage | undefined;
      do {
        page = await this.spec.list({ limit: PAGE_SIZE, ...(page?.metadata?._continue && { _continue: page.metadata._continue }) });
        for (const item of page.items) fresh.set(keyOf(item), this.spec.trim(item));
      } while (page.metadata?._continue);
      this.objects.clear();
      for (const [key, value] of fresh) this.objects.set(key, value);
      this.resourceVersion = page.metadata?.resourceVersion;
      this.synced = true;
      this.lastError = undefined;
      this.retryMs = FIRST_RETRY_MS;
      this.spec.onChange();
      await this.watch();
    } catch (error) {
      this.retry(error);
    }
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    const watch = new Watch(this.kubeConfig);
    this.abort = await watch.watch(
      this.spec.path,
      { allowWatchBookmarks: true, resourceVersion: this.resourceVersion },
      (phase, object: { metadata?: { resourceVersion?: string } }) => this.event(phase, object),
      (error: unknown) => {
        if (this.stopped) return;
        // No error: the server closed the watch (its timeout); resume where it stopped.
        if (!error) void this.watch().catch((watchError: unknown) => this.retry(watchError));
        else this.retry(error);
      },
    );
  }

  private event(phase: string, object: { metadata?: { resourceVersion?: string }; code?: number }): void {
    if (phase === 'ERROR') {
      // 410 Gone: the resourceVersion is too old; start over from a list.
      this.abort?.abort();
      this.retry(new Error(`watch of ${this.spec.resource}: ${JSON.stringify(object)}`));
      return;
    }
    this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
    this.retryMs = FIRST_RETRY_MS;
    if (phase === 'BOOKMARK') return;
    if (phase === 'DELETED') this.objects.delete(keyOf(object));
    else this.objects.set(keyOf(object), this.spec.trim(object));
    this.spec.onChange();
  }

  private retry(error: unknown): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.lastError = describeApiError(error, this.spec.resource);
    this.log.warn(`${this.spec.resource} watch failed; relisting`, { error: this.lastError, retryInMs: delay });
    this.timer = setTimeout(() => void this.relist(), delay);
  }
}

function keyOf(object: unknown): string {
  const metadata = (object as { metadata?: { namespace?: string; name?: string } }).metadata;
  return `${metadata?.namespace ?? ''}/${metadata?.name ?? ''}`;
}
