import { isDeepStrictEqual } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger, silentLogger } from '@tscni/core';
import type { NodeInfo } from '@tscni/core/node-agent';
import { nodeInfoOf } from '../src/node-info.js';
import { PAGE_SIZE, TrimmedWatch, type ListPage, type Watcher } from '../src/trimmed-watch.js';

type Callback = (phase: string, object: unknown) => void;

/** A watch request the test answers: it sends events, then ends it as the server or the network would. */
interface FakeRequest {
  resourceVersion: string | undefined;
  send: Callback;
  end(error?: unknown): void;
  aborted: boolean;
}

/** The API server's side: pages of a list, and the watch requests made, in order. */
class FakeApi {
  nodes: unknown[] = [];
  resourceVersion = '10';
  readonly pages: Array<{ limit: number; _continue?: string }> = [];
  readonly requests: FakeRequest[] = [];
  listError: unknown;
  private waiting: Array<() => void> = [];

  readonly list = async (page: { limit: number; _continue?: string }): Promise<ListPage> => {
    this.pages.push(page);
    if (this.listError) throw this.listError;
    const from = Number(page._continue ?? 0);
    const next = from + page.limit;
    return { items: this.nodes.slice(from, next), metadata: { resourceVersion: this.resourceVersion, _continue: next < this.nodes.length ? String(next) : undefined } };
  };

  readonly watcher: Watcher = {
    watch: async (_path, params, callback, done) => {
      const abort = new AbortController();
      const request: FakeRequest = {
        resourceVersion: (params as { resourceVersion?: string }).resourceVersion,
        send: (phase, object) => callback(phase, object, {}),
        end: (error) => done(error ?? null),
        get aborted() {
          return abort.signal.aborted;
        },
      };
      this.requests.push(request);
      this.waiting.splice(0).forEach((resolve) => resolve());
      return abort;
    },
  };

  /** Resolves once `count` watch requests have been made. */
  async watches(count: number): Promise<FakeRequest> {
    while (this.requests.length < count) await new Promise<void>((resolve) => this.waiting.push(resolve));
    await tick();
    return this.requests[count - 1]!;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A Node the way kubelet posts it: most of it is what the agent never reads. */
function kubeletNode(name: string, ip: string, podCidr: string, heartbeat = '2026-12-07T10:00:00Z') {
  return {
    metadata: { name, resourceVersion: '1', labels: { 'kubernetes.io/hostname': name }, annotations: { 'node.alpha.kubernetes.io/ttl': '0' }, managedFields: [{ manager: 'kubelet' }] },
    spec: { podCIDR: podCidr, podCIDRs: [podCidr] },
    status: {
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat }],
      images: [{ names: ['registry.k8s.io/pause:3.10'], sizeBytes: 320368 }],
      nodeInfo: { kubeletVersion: 'v1.34.0' },
    },
  };
}

function nodeWatchOn(api: FakeApi, log = silentLogger) {
  const counted = { lists: 0, restarts: 0, changes: 0 };
  const watch = new TrimmedWatch<NodeInfo>(
    new KubeConfig(),
    {
      resource: 'nodes',
      kind: 'node',
      path: '/api/v1/nodes',
      list: api.list,
      trim: (node) => nodeInfoOf(node as never),
      unchanged: isDeepStrictEqual,
      onChange: () => counted.changes++,
      events: { listing: () => counted.lists++, restarted: () => counted.restarts++ },
    },
    log,
    { watcher: api.watcher, firstRetryMs: 5 },
  );
  return { watch, counted };
}

describe('TrimmedWatch', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  test('lists in pages, keeps only the trimmed objects, then watches from the list', async () => {
    const api = new FakeApi();
    api.nodes = Array.from({ length: PAGE_SIZE * 2 + 1 }, (_, i) => kubeletNode(`n${i}`, `172.17.${i >> 8}.${i & 255}`, `10.244.${i % 250}.0/24`));
    const { watch, counted } = nodeWatchOn(api);
    stop = () => watch.stop();
    watch.start();
    const request = await api.watches(1);
    expect(api.pages).toEqual([{ limit: PAGE_SIZE }, { limit: PAGE_SIZE, _continue: '500' }, { limit: PAGE_SIZE, _continue: '1000' }]);
    expect(request.resourceVersion).toBe('10');
    expect(watch.synced).toBe(true);
    expect(watch.values()).toHaveLength(PAGE_SIZE * 2 + 1);
    expect(watch.values()[1]).toEqual({ name: 'n1', podCidrs: ['10.244.1.0/24'], internalIps: ['172.17.0.1'] });
    expect(counted).toEqual({ lists: 1, restarts: 0, changes: 1 });
  });

  test('a change the trim does not see keeps the held object and announces nothing; one it sees replaces it', async () => {
    const api = new FakeApi();
    api.nodes = [kubeletNode('a', '172.17.0.2', '10.244.0.0/24')];
    const { watch, counted } = nodeWatchOn(api);
    stop = () => watch.stop();
    watch.start();
    const request = await api.watches(1);
    const held = watch.values()[0];
    request.send('MODIFIED', { ...kubeletNode('a', '172.17.0.2', '10.244.0.0/24', '2026-12-07T10:00:10Z'), metadata: { name: 'a', resourceVersion: '11' } });
    expect(watch.values()[0]).toBe(held);
    expect(counted.changes).toBe(1);
    request.send('MODIFIED', { ...kubeletNode('a', '172.17.0.9', '10.244.0.0/24'), metadata: { name: 'a', resourceVersion: '12' } });
    expect(watch.values()).toEqual([{ name: 'a', podCidrs: ['10.244.0.0/24'], internalIps: ['172.17.0.9'] }]);
    request.send('ADDED', { ...kubeletNode('b', '172.17.0.3', '10.244.1.0/24'), metadata: { name: 'b', resourceVersion: '13' } });
    request.send('DELETED', { metadata: { name: 'a', resourceVersion: '14' } });
    expect(watch.values().map((node) => node.name)).toEqual(['b']);
    expect(counted.changes).toBe(4);
  });

  test('a watch the server closes, or that times out, resumes from the last resourceVersion (a bookmark included) without a list', async () => {
    const api = new FakeApi();
    const { watch, counted } = nodeWatchOn(api);
    stop = () => watch.stop();
    watch.start();
    const first = await api.watches(1);
    first.send('BOOKMARK', { metadata: { resourceVersion: '15' } });
    first.end();
    const second = await api.watches(2);
    expect(second.resourceVersion).toBe('15');
    second.end(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    const third = await api.watches(3);
    expect(third.resourceVersion).toBe('15');
    expect(counted).toEqual({ lists: 1, restarts: 2, changes: 1 });
    expect(watch.lastError).toBeUndefined();
  });

  test('410 Gone, as an ERROR event or as the status of the request, relists and drops what the list no longer has', async () => {
    const api = new FakeApi();
    api.nodes = [kubeletNode('a', '172.17.0.2', '10.244.0.0/24'), kubeletNode('b', '172.17.0.3', '10.244.1.0/24')];
    const { watch, counted } = nodeWatchOn(api);
    stop = () => watch.stop();
    watch.start();
    const first = await api.watches(1);
    api.nodes = [api.nodes[0]!];
    api.resourceVersion = '30';
    first.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    expect(first.aborted).toBe(true);
    // The ended stream's close, after the ERROR, starts nothing more.
    first.end();
    const second = await api.watches(2);
    expect(second.resourceVersion).toBe('30');
    expect(watch.values().map((node) => node.name)).toEqual(['a']);
    api.resourceVersion = '40';
    second.end(Object.assign(new Error('Gone'), { statusCode: 410 }));
    const third = await api.watches(3);
    expect(third.resourceVersion).toBe('40');
    expect(counted).toEqual({ lists: 3, restarts: 2, changes: 3 });
    expect(api.requests).toHaveLength(3);
  });

  test('a refused list is an error naming the grant, retried with backoff until it gets through; a broken watch resumes', async () => {
    const api = new FakeApi();
    const lines: string[] = [];
    const log = createLogger({ sink: (line) => lines.push(line), level: 'debug' });
    api.listError = Object.assign(new Error('nodes is forbidden'), { code: 403 });
    const { watch, counted } = nodeWatchOn(api, log);
    stop = () => watch.stop();
    watch.start();
    while (api.pages.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(watch.synced).toBe(false);
    expect(watch.lastError).toMatch(/^forbidden: .*get, list and watch on nodes/);
    const refusal = JSON.parse(lines.find((line) => line.includes('node watch refused'))!);
    expect(refusal).toMatchObject({ level: 'error', error: expect.stringContaining('deploy/rbac.yaml') });
    api.listError = undefined;
    const first = await api.watches(1);
    expect(watch.synced).toBe(true);
    expect(watch.lastError).toBeUndefined();
    first.end(new Error('other side closed'));
    expect(watch.lastError).toBe('other side closed');
    expect(lines.some((line) => line.includes('"level":"warn"') && line.includes('node watch failed'))).toBe(true);
    const second = await api.watches(2);
    expect(second.resourceVersion).toBe('10');
    expect(watch.lastError).toBeUndefined();
    expect(counted.restarts).toBe(1);
    expect(counted.lists).toBeGreaterThanOrEqual(4);
  });

  test('stop aborts the watch and starts nothing after', async () => {
    const api = new FakeApi();
    const { watch } = nodeWatchOn(api);
    watch.start();
    const first = await api.watches(1);
    watch.stop();
    expect(first.aborted).toBe(true);
    first.end();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(api.requests).toHaveLength(1);
  });
});
