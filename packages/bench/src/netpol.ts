import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execPlugin } from '@tscni/core';
import { execIn, type Sandbox, type TestNamespace } from '@tscni/core/testing';
import { API_IP, SEED, kubeNode, makeSegment, stopAgent, type TestNode } from '@tscni/testbed';
import { buildToolchain, DEPLOY_DIR } from '@tscni/testbed/kind';
import { RealControlPlane } from '@tscni/testbed/control-plane';
import { inNode } from './cni.js';
import { TSCNI_BIN_DIR } from './executables.js';
import { spread, type Table } from './format.js';
import { AdminApi } from '@tscni/testbed/control-plane';
import { inParallel } from './parallel.js';
import { processUsage } from './usage.js';
import { agentGet } from './scrape.js';
import {
  MEASURED_NODE, OPEN_NAMESPACE, namespaceCount, namespaceLabels, namespaceName, podObject, podStatus, podsOf, policyObject, probePolicy, ruleComment,
} from './netpol-cluster.js';
import type { BenchOptions } from './options.js';
import { RuleWatch } from './rule-watch.js';
import { summarize, type Summary } from './stats.js';

/** Requests in flight while the set-up fills the API. */
const CONCURRENCY = 16;
/** The namespace of policy-0 (app-0, ingress from clients): a pod labelled app-0 there is selected at every level. */
const SELECTED_NAMESPACE = namespaceName(0);

/** One level: `policies` NetworkPolicies in the API before the samples. */
export interface NetpolLevel {
  policies: number;
  /** From a policy's create (the API's answer) to its rule in the node's table. */
  policyToRule: Summary;
  /** tscni-netpol's ADD of a pod a policy selects, right after the Pod's create: exec to exit, the agent's "covered" included. */
  addSelected: Summary;
  /** The same ADD in a namespace without policies. */
  addOpen: Summary;
  /** ADDs that failed, or returned with the pod's address missing from the node's ingress map. */
  failures: string[];
  rules: number;
  setElements: number;
  tableBytes: number;
  /** Mean of the agent's passes that changed the table (tscni_netpol_apply_duration_seconds) during the samples: compile, render and nft. */
  agentApplyMs: number;
  /** `nft -f` replacing a copy of the node's table in a namespace of its own: nft's share of a pass. */
  nftApplyMs: number;
  agent: AgentUsage;
  /** Samples the rule monitor missed, settled by listing the table instead. */
  polled: number;
}

export interface NetpolResults {
  pods: number;
  namespaces: number;
  localPods: number;
  samples: number;
  /** Creating the namespaces, pods (and their status), records and the agent's start, until it was ready. */
  setupMs: number;
  levels: NetpolLevel[];
}

interface AgentUsage {
  rssMb: number;
  peakRssMb: number;
  /** CPU time used during the level's samples. */
  cpuMs: number;
}

/**
 * Table 7: NetworkPolicy enforcement against a real kube-apiserver and
 * etcd (the offline toolchain) and one agent with --network-policy enforce
 * in a node namespace, at growing numbers of policies: how long a new
 * policy takes to reach the node's nft table, how long a new pod's
 * tscni-netpol ADD waits for the agent, and what the rule set and the
 * agent cost.
 */
export async function measureNetpol(sandbox: Sandbox, options: BenchOptions): Promise<NetpolResults> {
  const bin = await buildToolchain();
  const { api: apiNs, nodes } = await makeSegment(sandbox);
  const node = nodes[0]!;
  const dir = await sandbox.dir();
  const plane = await RealControlPlane.start(bin, apiNs, API_IP, dir);
  let kube: AdminApi | undefined;
  let watch: RuleWatch | undefined;
  try {
    const setupStart = performance.now();
    await plane.kubectl(['apply', '-f', join(DEPLOY_DIR, 'rbac.yaml')]);
    kube = await AdminApi.start(plane, bin('kubectl'), apiNs, dir, 'bench-admin');
    const cluster = await fillCluster(kube, options.netpolPods);
    const runDir = join(dir, 'netpol');
    await writeRecords(runDir, cluster.localPods);
    await startNetpolAgent(node, await plane.serviceAccountKubeconfig('kube-system', 'tscni', join(dir, 'agent.kubeconfig')), dir, runDir);
    await waitReady(node);
    const setupMs = performance.now() - setupStart;
    watch = await RuleWatch.start(node.ns);
    const scratch = await sandbox.namespace('npscratch');
    const podNs = await sandbox.namespace('nppod');
    const samples = Math.max(3, Math.ceil(options.samples / 2));
    const context: LevelContext = { kube, node, watch, runDir, scratch, podNs, samples, namespaces: cluster.namespaces };
    const levels: NetpolLevel[] = [];
    let created = 0;
    for (const policies of options.netpolPolicies) {
      const added = Array.from({ length: Math.max(0, policies - created) }, (_, i) => created + i);
      await inParallel(added, CONCURRENCY, (p) => createPolicy(kube!, policyObject(p, cluster.namespaces)));
      created = Math.max(created, policies);
      levels.push(await measureLevel(context, policies));
    }
    return { pods: options.netpolPods, namespaces: cluster.namespaces, localPods: cluster.localPods.length, samples, setupMs, levels };
  } finally {
    await stopAgent(node);
    watch?.stop();
    kube?.stop();
    await plane.stop();
  }
}

/** The Nodes, the namespaces (and their default ServiceAccount, which Pod admission wants), the Pods and their addresses. */
async function fillCluster(kube: AdminApi, count: number) {
  for (const seed of SEED) {
    const object = kubeNode(seed.name, [seed.ip], [seed.podCidr]);
    await kube.call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: object.metadata, spec: object.spec });
    await kube.call('PATCH', `/api/v1/nodes/${seed.name}/status`, { status: object.status }, 'application/merge-patch+json');
  }
  const namespaces = namespaceCount(count);
  const names = [...Array.from({ length: namespaces }, (_, i) => ({ name: namespaceName(i), labels: namespaceLabels(i) })), { name: OPEN_NAMESPACE, labels: {} }];
  await inParallel(names, CONCURRENCY, async ({ name, labels }) => {
    await kube.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    await kube.call('POST', `/api/v1/namespaces/${name}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  });
  const pods = podsOf(count);
  await inParallel(pods, CONCURRENCY, async (pod) => {
    await kube.call('POST', `/api/v1/namespaces/${pod.namespace}/pods`, podObject(pod));
    await kube.call('PATCH', `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/status`, podStatus(pod.ip), 'application/merge-patch+json');
  });
  return { namespaces, localPods: pods.filter((pod) => pod.node === MEASURED_NODE) };
}

function createPolicy(kube: AdminApi, policy: Record<string, unknown>) {
  const namespace = (policy.metadata as { namespace: string }).namespace;
  return kube.call('POST', `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`, policy);
}

/** The node's pods' records, as tscni-netpol's ADD leaves them (handoff/records: pods/<containerId>, written through a rename). */
async function writeRecords(runDir: string, pods: ReadonlyArray<{ namespace: string; name: string; ip: string }>): Promise<void> {
  await mkdir(join(runDir, 'pods'), { recursive: true });
  for (const pod of pods) {
    const path = join(runDir, 'pods', containerId());
    await writeFile(`${path}.tmp`, JSON.stringify({ namespace: pod.namespace, name: pod.name, ips: [pod.ip] }));
    await rename(`${path}.tmp`, path);
  }
}

function containerId(): string {
  return randomBytes(32).toString('hex');
}

/** The measured build's agent in the node's namespace, enforcing NetworkPolicy; node.agent is set so testbed's stopAgent stops it. */
async function startNetpolAgent(node: TestNode, kubeconfig: string, dir: string, runDir: string): Promise<void> {
  const log = await open(node.logFile, 'a');
  const args = [
    ...['--node-name', node.name, '--kubeconfig', kubeconfig, '--cluster-cidr', '10.244.0.0/16'],
    ...['--cni-conf-dir', node.confDir, '--cni-bin-dir', join(dir, 'bin'), '--state-dir', node.stateDir, '--ipam-data-dir', join(dir, 'ipam')],
    ...['--portmap-plugin=', '--health-addr', '127.0.0.1:9440', '--network-policy', 'enforce', '--netpol-run-dir', runDir],
  ];
  node.agent = spawn('ip', ['netns', 'exec', node.ns.name, join(TSCNI_BIN_DIR, 'tscni-agent'), ...args], { stdio: ['ignore', 'ignore', log.fd] });
  await log.close();
}

/** Until /readyz says 200: the Node known, the conflist written, the NetworkPolicy rules applied. */
async function waitReady(node: TestNode, timeoutMs = 180_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (node.agent?.exitCode !== null) throw new Error(`the agent exited (${node.agent?.exitCode}); its log: ${node.logFile}`);
    const answer = await agentGet(node, '/readyz').catch(() => '');
    if (answer.endsWith('\n200')) return;
    if (performance.now() > deadline) throw new Error(`the agent was not ready within ${timeoutMs} ms: ${answer}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The agent's /metrics, each sample line by its name and labels. */
async function metrics(node: TestNode): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (const line of (await agentGet(node, '/metrics')).split('\n')) {
    const match = /^(tscni_netpol_\S+) (\S+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

const passesOf = (values: Map<string, number>) => [...values].filter(([key]) => key.startsWith('tscni_netpol_applies_total')).reduce((sum, [, value]) => sum + value, 0);

/** Until the agent has run no pass for `quietMs`: what a change started is over. */
async function settle(node: TestNode, quietMs: number, timeoutMs = 300_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let passes = passesOf(await metrics(node));
  let since = performance.now();
  while (performance.now() - since < quietMs) {
    if (performance.now() > deadline) throw new Error(`the agent did not settle within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = passesOf(await metrics(node));
    if (now !== passes) [passes, since] = [now, performance.now()];
  }
}

interface LevelContext {
  kube: AdminApi;
  node: TestNode;
  watch: RuleWatch;
  runDir: string;
  /** Where a copy of the node's table is applied alone. */
  scratch: TestNamespace;
  /** CNI_NETNS of the measured ADDs (tscni-netpol does not enter it). */
  podNs: TestNamespace;
  samples: number;
  namespaces: number;
}

async function measureLevel(context: LevelContext, policies: number): Promise<NetpolLevel> {
  const { kube, node, watch, samples } = context;
  await settle(node, 2_000);
  const [before, metricsBefore, polledBefore] = [await processUsage(node.agent!.pid!), await metrics(node), watch.polled];
  const policyTimes: number[] = [];
  for (let s = 0; s < samples; s++) {
    const [namespace, name] = [namespaceName(s % context.namespaces), `probe-${policies}-${s}`];
    const comment = ruleComment(namespace, name);
    const appeared = watch.until(comment, true);
    await createPolicy(kube, probePolicy(namespace, name));
    const acknowledged = performance.now();
    policyTimes.push((await appeared) - acknowledged);
    const gone = watch.until(comment, false);
    await kube.call('DELETE', `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/${name}`);
    await gone;
  }
  const failures: string[] = [];
  const adds = async (namespace: string, kind: string, subnet: number) => {
    const times: number[] = [];
    for (let s = 0; s < samples; s++) {
      await settle(node, 500);
      const pod = { namespace, name: `${kind}-${policies}-${s}`, node: MEASURED_NODE, labels: { app: 'app-0', role: 'web' } };
      const ip = `10.244.${subnet}.${1 + (s % 250)}`;
      await kube.call('POST', `/api/v1/namespaces/${namespace}/pods`, podObject(pod));
      const outcome = await timedAdd(context, pod, ip);
      if (outcome.error) failures.push(`${pod.namespace}/${pod.name}: ${outcome.error}`);
      else times.push(outcome.ms);
      if (kind === 'selected' && !outcome.error && !(await inIngressMap(node, ip))) failures.push(`${pod.namespace}/${pod.name}: ADD returned, ${ip} not in the ingress map`);
      await kube.call('DELETE', `/api/v1/namespaces/${namespace}/pods/${pod.name}?gracePeriodSeconds=0`);
    }
    return summarize(times);
  };
  const addSelected = await adds(SELECTED_NAMESPACE, 'selected', 3);
  const addOpen = await adds(OPEN_NAMESPACE, 'open', 2);
  const [after, metricsAfter] = [await processUsage(node.agent!.pid!), await metrics(node)];
  const table = await execIn(node.ns, 'nft', ['list', 'table', 'inet', 'tscni_netpol']);
  const delta = (name: string) => (metricsAfter.get(name) ?? 0) - (metricsBefore.get(name) ?? 0);
  return {
    policies,
    policyToRule: summarize(policyTimes),
    addSelected,
    addOpen,
    failures,
    rules: metricsAfter.get('tscni_netpol_rules') ?? NaN,
    setElements: metricsAfter.get('tscni_netpol_set_elements') ?? NaN,
    tableBytes: Buffer.byteLength(table),
    agentApplyMs: (delta('tscni_netpol_apply_duration_seconds_sum') / delta('tscni_netpol_apply_duration_seconds_count')) * 1000,
    nftApplyMs: await nftApplyAlone(context.scratch, table),
    agent: { rssMb: after.rssMb, peakRssMb: after.peakRssMb, cpuMs: after.cpuMs - before.cpuMs },
    polled: watch.polled - polledBefore,
  };
}

/**
 * tscni-netpol's ADD as a runtime runs it, last in the chain: CNI_* in the
 * environment, the bridge's result as prevResult, the pod in CNI_ARGS.
 * Then its DEL, as the pod goes.
 */
async function timedAdd(context: LevelContext, pod: { namespace: string; name: string }, ip: string): Promise<{ ms: number; error?: string }> {
  const id = containerId();
  const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: context.podNs.path }], ips: [{ address: `${ip}/24`, interface: 0 }] };
  const config = (extra: Record<string, unknown>) => JSON.stringify({ cniVersion: '1.0.0', name: 'tscni', type: 'tscni-netpol', runDir: context.runDir, ...extra });
  const env = {
    PATH: process.env.PATH,
    CNI_CONTAINERID: id,
    CNI_NETNS: context.podNs.path,
    CNI_IFNAME: 'eth0',
    CNI_PATH: TSCNI_BIN_DIR,
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${pod.namespace};K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=${id}`,
  };
  const plugin = join(TSCNI_BIN_DIR, 'tscni-netpol');
  const runner = inNode(context.node.ns);
  const start = performance.now();
  let error: string | undefined;
  try {
    await execPlugin(runner, plugin, 'ADD', config({ prevResult }), env);
  } catch (failure) {
    error = (failure as Error).message;
  }
  const ms = performance.now() - start;
  await execPlugin(runner, plugin, 'DEL', config({ prevResult }), env);
  return { ms, ...(error && { error }) };
}

async function inIngressMap(node: TestNode, ip: string): Promise<boolean> {
  const map = await execIn(node.ns, 'nft', ['list', 'map', 'inet', 'tscni_netpol', 'ingress_4']).catch(() => '');
  return new RegExp(`\\b${ip.replaceAll('.', '\\.')} : goto `).test(map);
}

/** The agent's transaction replayed alone: the listed table replacing itself, median of three, ms (NaN if nft refuses the listing). */
async function nftApplyAlone(scratch: TestNamespace, table: string): Promise<number> {
  const script = `table inet tscni_netpol\ndelete table inet tscni_netpol\n${table}`;
  const times: number[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const start = performance.now();
      await execIn(scratch, 'nft', ['-f', '-'], script);
      if (i > 0) times.push(performance.now() - start);
    }
  } catch {
    return NaN;
  }
  return summarize(times).median;
}

export function netpolTable(results: NetpolResults): Table {
  const { levels } = results;
  const row = (what: string, cell: (level: NetpolLevel) => string, target = '') => [what, ...levels.map(cell), target];
  const fixed = (digits: number) => (value: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
  const polled = levels.reduce((sum, level) => sum + level.polled, 0);
  const failures = levels.flatMap((level) => level.failures);
  return {
    title: `7. NetworkPolicy: from the API to the rules in the node (ms, one agent, real kube-apiserver + etcd, ${results.pods} pods)`,
    header: ['what', ...levels.map((level) => `${level.policies} policies`), 'target'],
    rows: [
      row('policy created -> its rule in the node', (level) => spread(level.policyToRule), 'p90 <= 1000 at 100'),
      row('pod ADD (tscni-netpol), a policy selects it', (level) => spread(level.addSelected), 'p90 <= 1000 at 100'),
      row('pod ADD (tscni-netpol), namespace without policies', (level) => spread(level.addOpen)),
      row('rules (tscni_netpol_rules)', (level) => String(level.rules)),
      row('set and map elements (tscni_netpol_set_elements)', (level) => String(level.setElements)),
      row('nft list table inet tscni_netpol (KB)', (level) => fixed(1)(level.tableBytes / 1024)),
      row('agent pass that changed the table, mean (ms)', (level) => fixed(0)(level.agentApplyMs)),
      row('nft -f of that table alone (ms)', (level) => fixed(0)(level.nftApplyMs)),
      row('agent RSS / peak (MB)', (level) => `${level.agent.rssMb} / ${level.agent.peakRssMb}`),
      row('agent CPU during the samples (s)', (level) => fixed(1)(level.agent.cpuMs / 1000)),
    ],
    notes: [
      `${results.pods} Pods in ${results.namespaces} namespaces, ${results.localPods} of them on the node (records as tscni-netpol writes them; the others' podIPs set through the status subresource); policies of four kinds, a third selecting the node's pods; ${results.samples} samples per row and level`,
      'policy: from the create\'s response to `nft -a monitor rules` in the node announcing the rule commented "<ns>/<name> ingress[0]" (no polling)' +
        (polled > 0 ? `; ${polled} samples the monitor missed were taken by listing the table (3 s resolution)` : ''),
      'pod ADD: the built tscni-netpol as a runtime runs it, right after the Pod\'s create returned: exec to exit, its wait for the agent\'s "covered" included',
      'targets (the issue): p90 <= 1 s at 100 policies and 1,000 pods; ClusterLoader2\'s thresholds: P50 < 1 s, P90 < 5 s',
      `the API server runs without its watch cache (--watch-cache=false: each watch reads etcd); set-up (${results.pods} Pods and their status, the agent ready) took ${(results.setupMs / 1000).toFixed(0)} s`,
      ...(failures.length > 0 ? [`failed: ${failures.length}: ${failures.slice(0, 3).join('; ')}`] : []),
    ],
  };
}
