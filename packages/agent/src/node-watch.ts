import { CoreV1Api, KubeConfig, makeInformer, type Informer, type ObjectCache, type V1Node } from '@kubernetes/client-node';
import type { Logger } from '@tscni/core';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/** What the watch tells whoever counts (the agent's metrics). */
export interface WatchEvents {
  /** A LIST of Nodes is sent: the first, and every relist. */
  listing(): void;
  /** A watch is started again after the first: by client-node after a closed watch or 410 Gone, or by the retry here. */
  restarted(): void;
}

const NO_EVENTS: WatchEvents = { listing() {}, restarted() {} };

/**
 * An informer on /api/v1/nodes: a list, then a watch from its
 * resourceVersion. client-node reconnects by itself after a closed watch and
 * relists after 410 Gone; after any other error it stops, and this restarts
 * it with exponential backoff (reset once a list or event gets through).
 */
export class NodeWatch {
  private readonly informer: Informer<V1Node> & ObjectCache<V1Node>;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** True once a list has succeeded: before that, the node set is unknown, not empty. */
  synced = false;
  /** Why the last list or watch failed; cleared when one gets through. */
  lastError: string | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly onChange: () => void,
    private readonly log: Logger,
    events: WatchEvents = NO_EVENTS,
  ) {
    const api = kubeConfig.makeApiClient(CoreV1Api);
    this.informer = makeInformer(kubeConfig, '/api/v1/nodes', async () => {
      events.listing();
      const list = await api.listNode();
      this.log.debug('listed nodes', { count: list.items.length, resourceVersion: list.metadata?.resourceVersion });
      this.synced = true;
      this.lastError = undefined;
      this.retryMs = FIRST_RETRY_MS;
      // The informer fills its cache right after this resolves; a timer runs after that.
      setTimeout(this.onChange, 0);
      return list;
    });
    const changed = (): void => {
      this.retryMs = FIRST_RETRY_MS;
      this.onChange();
    };
    for (const verb of ['add', 'update', 'delete'] as const) this.informer.on(verb, changed);
    this.informer.on('error', (error: unknown) => this.retry(error));
    // The informer says "connect" each time it (re)starts a watch, the first time included.
    let connected = false;
    this.informer.on('connect', () => {
      if (connected) events.restarted();
      connected = true;
    });
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  nodes(): readonly V1Node[] {
    return this.informer.list();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.informer.stop();
  }

  private retry(error: unknown): void {
    if (this.stopped) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.lastError = describeApiError(error);
    const fields = { error: this.lastError, retryInMs: delay };
    // Refused credentials do not fix themselves: an error, not a warning.
    if (/^(forbidden|unauthorized):/.test(this.lastError)) this.log.error('node watch refused; retrying', fields);
    else this.log.warn('node watch failed; retrying', fields);
    this.retryTimer = setTimeout(() => {
      this.informer.start().catch((startError: unknown) => this.retry(startError));
    }, delay);
  }
}

/**
 * What a person needs from a failed list or watch. A refusal names what
 * to fix: 403 means the agent's RBAC is missing a grant (deploy/rbac.yaml
 * binds get, list and watch on each resource it watches).
 */
export function describeApiError(error: unknown, resource = 'nodes'): string {
  const code = (error as { code?: unknown })?.code;
  const message = String((error as Error)?.message ?? error);
  if (code === 403) return `forbidden: the API server refused to list or watch ${resource} (RBAC: this agent's ServiceAccount needs get, list and watch on ${resource}, as deploy/rbac.yaml binds): ${message}`;
  if (code === 401) return `unauthorized: the API server did not accept the agent's credentials: ${message}`;
  return message;
}

/** A kubeconfig file when named, the pod's service account inside a pod, else the usual defaults. */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const config = new KubeConfig();
  if (path) config.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST) config.loadFromCluster();
  else config.loadFromDefault();
  return config;
}
