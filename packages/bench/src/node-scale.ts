import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '@tscni/core/testing';
import { API_IP, SEED, makeSegment, stopAgent, type TestNode } from '@tscni/testbed';
import { buildToolchain, DEPLOY_DIR } from '@tscni/testbed/kind';
import { AdminApi, RealControlPlane } from '@tscni/testbed/control-plane';
import type { Table } from './format.js';
import { kubeletNode } from './kubelet-node.js';
import type { BenchOptions } from './options.js';
import { inParallel } from './parallel.js';
import { peer, startAgent } from './route-sync.js';
import { RouteWatch } from './route-watch.js';
import { agentGet, parseSamples, total, type Sample } from './scrape.js';
import { processUsage, type ProcessUsage } from './usage.js';

/** Creates in flight: kubelets register on their own, so the API server sees them side by side. */
const CONCURRENCY = 16;
/** The agent's list page (TrimmedWatch's PAGE_SIZE): the pages a paginated first list takes. */
const PAGE_SIZE = 500;
const GROUP = 'tscni-bench/group';

export interface NodeScaleResults {
  nodes: number;
  /** Bytes of one Node as the bench sends it (the API server adds managedFields). */
  nodeBytes: number;
  /** The agent running while the Nodes are created, one request each. */
  burst: {
    createMs: number;
    /** From the last create answered to the last route in the kernel (0 when the routes were there first). */
    convergeMs: number;
    agent: ProcessUsage & { burstCpuMs: number };
    /** Watches the agent holds open on each resource: the API server's `apiserver_longrunning_requests` (verb WATCH) beyond its own. */
    watches: Record<string, number>;
    relists: number;
  };
  /** A new agent started with the Nodes in the API and no routes on the node. */
  start: { routesMs: number; listRequests: number; agent: ProcessUsage; watches: Record<string, number> };
  /** One Node changed each second among `nodes`: the agent's CPU per second of wall time. */
  churn: { nodes: number; seconds: number; rows: ChurnRow[] };
  load: { start: number[]; end: number[] };
}

export interface ChurnRow {
  what: string;
  cpuMsPerS: number;
  passes: number;
  changes: number;
}

/**
 * Table 8: the agent among Nodes the size kubelet makes them (about 11 KB
 * of JSON each), in a real kube-apiserver and etcd: how soon its routes
 * follow a burst of creates, what it holds in memory, how many watches it
 * keeps open and whether its first list comes in pages; then, among fewer
 * Nodes, what one change a second costs it.
 */
export async function measureNodeScale(sandbox: Sandbox, options: BenchOptions): Promise<NodeScaleResults> {
  const bin = await buildToolchain();
  const { api: apiNs, nodes } = await makeSegment(sandbox);
  const node = nodes[0]!;
  const dir = await sandbox.dir();
  await mkdir(join(dir, 'bin'));
  const plane = await RealControlPlane.start(bin, apiNs, API_IP, dir);
  const load = { start: loadavg(), end: [] as number[] };
  let kube: AdminApi | undefined;
  let agent: ChildProcess | undefined;
  let watch: RouteWatch | undefined;
  try {
    await plane.kubectl(['apply', '-f', join(DEPLOY_DIR, 'rbac.yaml')]);
    kube = await AdminApi.start(plane, bin('kubectl'), apiNs, dir, 'bench-scale-admin');
    const api = kube;
    const kubeconfig = await plane.serviceAccountKubeconfig('kube-system', 'tscni', join(dir, 'agent.kubeconfig'));
    const apiMetrics = async () => parseSamples(String((await api.call('GET', '/metrics')).text));
    const create = (name: string, ip: string, podCidr: string, group: string) =>
      api.call('POST', '/api/v1/nodes', kubeletNode(name, ip, podCidr, { [GROUP]: group }));
    for (const seed of SEED) await create(seed.name, seed.ip, seed.podCidr, 'seed');
    // The API server's own informers watch too (the Node authorizer watches nodes): what the agent adds is the difference.
    const ownWatches = watchesOf(await apiMetrics());
    const agentWatches = (samples: readonly Sample[]) => minus(watchesOf(samples), ownWatches);
    watch = await RouteWatch.start(node.ns);
    agent = node.agent = await startAgent(node, kubeconfig, join(dir, 'bin'));
    await watch.until(SEED.slice(1).map((seed) => seed.podCidr), true);

    // The burst: every Node created while the agent runs; the churn's Nodes are group "churn", the others "rest".
    const peers = Array.from({ length: options.scaleNodes }, (_, i) => ({ ...peer(i), group: i < options.churnNodes ? 'churn' : 'rest' }));
    const before = { usage: await processUsage(agent.pid!), lists: listsOf(await apiMetrics()) };
    const start = performance.now();
    const added = watch.until(peers.map((p) => p.podCidr), true, 900_000);
    await inParallel(peers, CONCURRENCY, (p) => create(p.name, p.ip, p.podCidr, p.group));
    const lastCreate = performance.now();
    const convergedAt = await added;
    const afterBurst = await apiMetrics();
    const burstUsage = await processUsage(agent.pid!);
    const burst = {
      createMs: lastCreate - start,
      convergeMs: Math.max(0, convergedAt - lastCreate),
      agent: { ...burstUsage, burstCpuMs: burstUsage.cpuMs - before.usage.cpuMs },
      watches: agentWatches(afterBurst),
      relists: listsOf(afterBurst) - before.lists,
    };

    // A new agent with every Node in the API: its first list, and every route to put back.
    await stopAgent(node);
    await sandbox.exec(node.ns, 'ip', ['route', 'flush', 'proto', '243']);
    const listsBefore = listsOf(await apiMetrics());
    const restart = performance.now();
    const routed = watch.until([...SEED.slice(1), ...peers].map((p) => p.podCidr), true, 900_000);
    agent = node.agent = await startAgent(node, kubeconfig, join(dir, 'bin'));
    const routesMs = (await routed) - restart;
    const afterStart = await apiMetrics();
    const startResult = { routesMs, listRequests: listsOf(afterStart) - listsBefore, agent: await processUsage(agent.pid!), watches: agentWatches(afterStart) };

    // Down to the churn's Nodes, then one change a second. One DELETE each: a collection delete of thousands outlasts the API server's request timeout on a busy machine.
    const rest = peers.filter((p) => p.group === 'rest');
    const gone = watch.until(rest.map((p) => p.podCidr), false, 900_000);
    await inParallel(rest, CONCURRENCY, (p) => api.call('DELETE', `/api/v1/nodes/${p.name}`));
    await gone;
    const churnPeers = peers.filter((p) => p.group === 'churn');
    const running = agent;
    const churn = (what: string, change?: (p: (typeof churnPeers)[number], tick: number) => Promise<unknown>): Promise<ChurnRow> =>
      measureChurn(running, node, what, options.churnSeconds, change && churnPeers.length ? (tick) => change(churnPeers[tick % churnPeers.length]!, tick) : undefined);
    await settle(node);
    const rows = [
      await churn('no change (the 30 s full pass alone)'),
      await churn("a condition's heartbeat (kubelet's status update)", (p) =>
        api.call('PATCH', `/api/v1/nodes/${p.name}/status`, { status: { conditions: [{ type: 'Ready', lastHeartbeatTime: new Date().toISOString() }] } }, 'application/strategic-merge-patch+json')),
      await churn('a label', (p, tick) => api.call('PATCH', `/api/v1/nodes/${p.name}`, { metadata: { labels: { 'tscni-bench/tick': String(tick) } } }, 'application/merge-patch+json')),
      await churn('an InternalIP (its route re-pointed)', async (p, tick) => {
        const ip = tick % (2 * churnPeers.length) < churnPeers.length ? movedIp(p.ip) : p.ip;
        await api.call('PATCH', `/api/v1/nodes/${p.name}/status`, { status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: p.name }] } }, 'application/merge-patch+json');
      }),
    ];
    load.end = loadavg();
    return {
      nodes: options.scaleNodes,
      nodeBytes: Buffer.byteLength(JSON.stringify(kubeletNode(peers[0]?.name ?? 'peer-0', peers[0]?.ip ?? '', peers[0]?.podCidr ?? '', { [GROUP]: 'churn' }))),
      burst,
      start: startResult,
      churn: { nodes: churnPeers.length, seconds: options.churnSeconds, rows },
      load,
    };
  } finally {
    await stopAgent(node);
    watch?.child.kill();
    kube?.stop();
    await plane.stop();
  }
}

/** Another address on the segment for peer `ip` (172.17.100-131.x moves to 172.17.140-171.x). */
function movedIp(ip: string): string {
  const [a, b, c, d] = ip.split('.');
  return `${a}.${b}.${Number(c) + 40}.${d}`;
}

/** Runs `change(tick)` once a second for `seconds` (or only waits); the agent's CPU over that time, and the passes it ran. */
async function measureChurn(agent: ChildProcess, node: TestNode, what: string, seconds: number, change?: (tick: number) => Promise<unknown>): Promise<ChurnRow> {
  const passes = async () => total(parseSamples(await agentGet(node, '/metrics')), 'tscni_sync_passes_total');
  const [cpuBefore, passesBefore] = [(await processUsage(agent.pid!)).cpuMs, await passes()];
  const start = performance.now();
  let changes = 0;
  for (let tick = 0; tick < seconds; tick++) {
    if (change) {
      await change(tick);
      changes++;
    }
    const next = start + (tick + 1) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  const wallS = (performance.now() - start) / 1000;
  const [cpuAfter, passesAfter] = [(await processUsage(agent.pid!)).cpuMs, await passes()];
  return { what, cpuMsPerS: (cpuAfter - cpuBefore) / wallS, passes: passesAfter - passesBefore, changes };
}

/** Until the agent has run no pass for 3 s: the deletion's passes are over. */
async function settle(node: TestNode): Promise<void> {
  const passes = async () => total(parseSamples(await agentGet(node, '/metrics')), 'tscni_sync_passes_total');
  let [last, since] = [await passes(), performance.now()];
  while (performance.now() - since < 3000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await passes();
    if (now !== last) [last, since] = [now, performance.now()];
  }
}

/** Open watches by resource, as the API server counts its long-running requests. */
function watchesOf(samples: readonly Sample[]): Record<string, number> {
  const watches: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name === 'apiserver_longrunning_requests' && sample.labels.verb === 'WATCH' && sample.value > 0) {
      watches[sample.labels.resource ?? '?'] = (watches[sample.labels.resource ?? '?'] ?? 0) + sample.value;
    }
  }
  return watches;
}

/** The watches of `all` beyond those of `base`, by resource. */
function minus(all: Record<string, number>, base: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(all).flatMap(([resource, n]) => (n > (base[resource] ?? 0) ? [[resource, n - (base[resource] ?? 0)]] : [])));
}

/** LIST requests for Nodes the API server has answered: one per page. */
const listsOf = (samples: readonly Sample[]) => total(samples, 'apiserver_request_total', { verb: 'LIST', resource: 'nodes' });

export function nodeScaleTable(results: NodeScaleResults): Table {
  const { burst, start, churn } = results;
  const watches = (w: Record<string, number>) => Object.entries(w).map(([resource, n]) => `${resource} ${n}`).join(', ') || 'none';
  const pages = Math.ceil((results.nodes + SEED.length) / PAGE_SIZE);
  return {
    title: `8. The agent among ${results.nodes} Nodes the size kubelet makes them (${(results.nodeBytes / 1024).toFixed(1)} KB each), real kube-apiserver + etcd`,
    header: ['what', 'measured', 'target'],
    rows: [
      [`create ${results.nodes} Nodes, ${CONCURRENCY} requests in flight (ms)`, burst.createMs.toFixed(0), ''],
      ['last create answered to last route in the kernel (ms)', burst.convergeMs.toFixed(0), '<= 2000'],
      ['agent peak RSS through the burst (MB)', String(burst.agent.peakRssMb), '<= 100'],
      ['agent RSS after the burst (MB)', String(burst.agent.rssMb), ''],
      ['agent CPU through the burst (ms)', String(burst.agent.burstCpuMs), ''],
      ['watches the agent holds, by resource', watches(burst.watches), '1 per resource'],
      ['LIST requests during the burst (relists)', String(burst.relists), '0'],
      [`new agent: start to all ${results.nodes + SEED.length - 1} routes (ms)`, start.routesMs.toFixed(0), ''],
      ['new agent: LIST requests of its first list (pages)', String(start.listRequests), `${pages} (pages of ${PAGE_SIZE})`],
      ['new agent: peak RSS (MB)', String(start.agent.peakRssMb), '<= 100'],
      ['new agent: watches it holds, by resource', watches(start.watches), '1 per resource'],
      ...churn.rows.map((row) => [`among ${churn.nodes}, one Node a second: ${row.what}: agent CPU (ms/s)`, row.cpuMsPerS.toFixed(1), '']),
    ],
    notes: [
      `churn: ${churn.seconds} s per row; sync passes run: ${churn.rows.map((row) => `${row.what.split(' (')[0]} ${row.passes} for ${row.changes} changes`).join('; ')}`,
      'RSS from /proc/<pid>/status (VmRSS, VmHWM); watches: the API server\'s apiserver_longrunning_requests{verb="WATCH"} less those open before the agent started (its own informers); LISTs from apiserver_request_total{verb="LIST",resource="nodes"}',
      `load average at the table's start ${results.load.start.map((v) => v.toFixed(2)).join(' ')}, at its end ${results.load.end.map((v) => v.toFixed(2)).join(' ')}`,
    ],
  };
}
