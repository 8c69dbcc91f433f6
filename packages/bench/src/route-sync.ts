import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox, TestNamespace } from '@tscni/core/testing';
import { TSCNI_BIN_DIR } from './executables.js';
import { RouteWatch } from './route-watch.js';
import { spread, type Table } from './format.js';
import type { BenchOptions } from './options.js';
import { summarize, type Summary } from './stats.js';
import { processUsage } from './usage.js';
import {
  FakeApiServer, kubeNode, API_IP, API_PORT, SEED, makeSegment, writeKubeconfig, type TestNode,
} from '@tscni/testbed';
import { buildToolchain, DEPLOY_DIR } from '@tscni/testbed/kind';
import { RealControlPlane } from '@tscni/testbed/control-plane';

/** The built agent in the node's namespace, with the node's own directories (nothing of the machine's). */
export async function startAgent(node: TestNode, kubeconfig: string, binDir: string): Promise<ChildProcess> {
  const log = await open(node.logFile, 'a');
  const args = [
    ...['--node-name', node.name, '--kubeconfig', kubeconfig, '--cluster-cidr', '10.244.0.0/16'],
    ...['--cni-conf-dir', node.confDir, '--cni-bin-dir', binDir, '--state-dir', node.stateDir, '--health-addr', '127.0.0.1:9440'],
  ];
  const child = spawn('ip', ['netns', 'exec', node.ns.name, join(TSCNI_BIN_DIR, 'tscni-agent'), ...args], {
    stdio: ['ignore', 'ignore', log.fd],
    env: agentEnv(),
  });
  await log.close();
  return child;
}

/**
 * TSCNI_AGENT_NODE_OPTIONS=FLAGS runs the measured agents with
 * NODE_OPTIONS=FLAGS (V8's heap sizes, say), and nothing else of the
 * bench: the agent's launcher line passes no flags of its own.
 */
function agentEnv(): NodeJS.ProcessEnv {
  const flags = process.env.TSCNI_AGENT_NODE_OPTIONS;
  return flags === undefined ? process.env : { ...process.env, NODE_OPTIONS: flags };
}

/** Peer i of a burst: a node address on the segment and a /29 pod CIDR, both unique up to 8,000 peers. */
export function peer(i: number): { name: string; ip: string; podCidr: string } {
  return { name: `peer-${i}`, ip: `172.17.${100 + (i >> 8)}.${i & 255}`, podCidr: `10.244.${16 + (i >> 5)}.${(i & 31) << 3}/29` };
}

export interface RouteSyncResults {
  /** Nodes added at once -> ms from the first change sent to the last route in the kernel. */
  bursts: Array<{ nodes: number; add: Summary; del: Summary }>;
  amid: number;
  oneAdd: Summary;
  oneDelete: Summary;
  realApi: RealApiResult;
}

/** One burst through a real kube-apiserver and etcd, and what it cost the agent. */
export interface RealApiResult {
  nodes: number;
  /** From the first create sent to the last route in the kernel. */
  addMs: number;
  /** How long kubectl took to create them all: the API's share of addMs. */
  createMs: number;
  /** From the collection delete sent to the last route gone. */
  delMs: number;
  agentPeakRssMb: number;
  agentCpuMs: number;
}

/**
 * Table 5: route-sync's agent against the fake API server: time from the
 * API's change to the route in the node's kernel, for bursts of Nodes and
 * for one change among the largest burst.
 */
export async function measureRouteSync(sandbox: Sandbox, options: BenchOptions): Promise<RouteSyncResults> {
  const { api, nodes } = await makeSegment(sandbox);
  const node = nodes[0]!;
  const dir = await sandbox.dir();
  const server = await FakeApiServer.start(api, API_PORT, dir);
  let agent: ChildProcess | undefined;
  let watch: RouteWatch | undefined;
  try {
    for (const seed of SEED) await server.put(kubeNode(seed.name, [seed.ip], [seed.podCidr]));
    watch = await RouteWatch.start(node.ns);
    await mkdir(join(dir, 'bin'));
    agent = await startAgent(node, await writeKubeconfig(dir), join(dir, 'bin'));
    await watch.until(SEED.slice(1).map((seed) => seed.podCidr), true);

    const change = async (peers: number[], present: boolean) => {
      const start = performance.now();
      const done = watch!.until(peers.map((i) => peer(i).podCidr), present);
      await Promise.all(peers.map((i) => (present ? server.put(kubeNode(peer(i).name, [peer(i).ip], [peer(i).podCidr])) : server.delete(peer(i).name))));
      return (await done) - start;
    };
    const bursts: RouteSyncResults['bursts'] = [];
    const largest = Math.max(...options.nodeBursts);
    let amid = { add: [] as number[], del: [] as number[] };
    for (const size of options.nodeBursts) {
      const peers = Array.from({ length: size }, (_, i) => i);
      const times = { add: [] as number[], del: [] as number[] };
      for (let round = 0; round < (size <= 100 ? 3 : 1); round++) {
        times.add.push(await change(peers, true));
        if (size === largest && round === 0) amid = await oneChanges(change, size, options);
        times.del.push(await change(peers, false));
      }
      bursts.push({ nodes: size, add: summarize(times.add), del: summarize(times.del) });
    }
    const fake = { bursts, amid: largest, oneAdd: summarize(amid.add), oneDelete: summarize(amid.del) };
    agent.kill('SIGTERM');
    watch.child.kill();
    await server.kill();
    // The same segment and node, the real API server where the fake one was.
    return { ...fake, realApi: await measureRealApi(sandbox, api, node, largest) };
  } finally {
    agent?.kill('SIGTERM');
    watch?.child.kill();
    await server.kill();
  }
}

/**
 * The largest burst again, through a real etcd and kube-apiserver (the
 * offline toolchain; its first build takes about 17 minutes), the agent
 * authenticated by deploy/rbac.yaml's ServiceAccount.
 */
async function measureRealApi(sandbox: Sandbox, api: TestNamespace, node: TestNode, size: number): Promise<RealApiResult> {
  const bin = await buildToolchain();
  const dir = await sandbox.dir();
  const plane = await RealControlPlane.start(bin, api, API_IP, dir);
  let agent: ChildProcess | undefined;
  let watch: RouteWatch | undefined;
  try {
    await plane.kubectl(['apply', '-f', join(DEPLOY_DIR, 'rbac.yaml')]);
    const nodeList = async (name: string, members: Array<{ name: string; ip: string; podCidr: string }>) => {
      const file = join(dir, `${name}.json`);
      const items = members.map((m) => ({ apiVersion: 'v1', kind: 'Node', ...kubeNode(m.name, [m.ip], [m.podCidr]), metadata: { name: m.name, labels: { bench: name } } }));
      await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
      return file;
    };
    // A Node's status is kept on create (kubelet registers that way): one request per Node.
    await plane.kubectl(['create', '-f', await nodeList('seed', [...SEED])]);
    watch = await RouteWatch.start(node.ns);
    await mkdir(join(dir, 'bin'));
    agent = await startAgent(node, await plane.serviceAccountKubeconfig('kube-system', 'tscni', join(dir, 'agent.kubeconfig')), join(dir, 'bin'));
    await watch.until(SEED.slice(1).map((seed) => seed.podCidr), true);

    const peers = Array.from({ length: size }, (_, i) => peer(i));
    const file = await nodeList('burst', peers);
    const start = performance.now();
    const added = watch.until(peers.map((p) => p.podCidr), true, 600_000);
    await plane.kubectl(['create', '-f', file]);
    const createMs = performance.now() - start;
    const addMs = (await added) - start;
    const deleteStart = performance.now();
    const deleted = watch.until(peers.map((p) => p.podCidr), false, 600_000);
    await plane.kubectl(['delete', 'nodes', '-l', 'bench=burst', '--wait=false']);
    const delMs = (await deleted) - deleteStart;
    const usage = await processUsage(agent.pid!);
    return { nodes: size, addMs, createMs, delMs, agentPeakRssMb: usage.peakRssMb, agentCpuMs: usage.cpuMs };
  } finally {
    agent?.kill('SIGTERM');
    watch?.child.kill();
    await plane.stop();
  }
}

/** One Node added, then deleted, while `size` others are in the API and the kernel. */
async function oneChanges(change: (peers: number[], present: boolean) => Promise<number>, size: number, options: BenchOptions) {
  const times = { add: [] as number[], del: [] as number[] };
  for (let i = 0; i < Math.max(3, options.samples / 2); i++) {
    times.add.push(await change([size], true));
    times.del.push(await change([size], false));
  }
  return times;
}

export function routeSyncTable(results: RouteSyncResults): Table {
  return {
    title: '5. route-sync: from the API change to the route in the kernel (ms, one agent)',
    header: ['what', 'routes in', 'routes out', 'target'],
    rows: [
      ...results.bursts.map((b) => [`burst of ${b.nodes} Nodes added, then deleted`, spread(b.add), spread(b.del), b.nodes === 5000 ? '<= 1000' : '']),
      [`one Node amid ${results.amid}`, spread(results.oneAdd), spread(results.oneDelete), '<= 50'],
      [`burst of ${results.realApi.nodes} Nodes, real kube-apiserver + etcd`, results.realApi.addMs.toFixed(0), results.realApi.delMs.toFixed(0), ''],
    ],
    notes: [
      'changes sent to the fake API server at once; times end when `ip monitor` reports the last route',
      `real API server: kubectl create of the ${results.realApi.nodes} Nodes (one request each) took ${results.realApi.createMs.toFixed(0)} ms of the routes-in time; ` +
        `the agent's peak RSS ${results.realApi.agentPeakRssMb} MB, CPU ${results.realApi.agentCpuMs} ms from its start through the burst and its deletion`,
    ],
  };
}
