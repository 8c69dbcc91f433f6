import { join } from 'node:path';
import type { Sandbox } from '@tscni/core/testing';
import { attachment, conflist, execInNode, executable, ipam, makeNode, makePods, SIDES, type BenchNode, type SideName } from './cni.js';
import { countProcesses, type ProcessCount } from './processes.js';
import { TSCNI_BIN_DIR } from './executables.js';
import { ratio, spread, type Table } from './format.js';
import type { BenchOptions } from './options.js';
import { alternate, summarize, timed, type Comparison } from './stats.js';

export interface CycleResults {
  chain: Comparison;
  bridge: Comparison;
  hostLocal: Comparison;
  masq: Comparison;
  /** Processes one pod's ADD+DEL started, plugins included (undefined without strace). */
  processes: Record<SideName, ProcessCount | undefined>;
}

/**
 * Table 1: one pod's ADD+DEL, through the chain runner (as a runtime does)
 * and plugin by plugin. Each side has its own node namespace and reuses one
 * pod namespace, which DEL leaves empty again.
 */
export async function measureCycle(sandbox: Sandbox, options: BenchOptions): Promise<CycleResults> {
  const nodes = { tscni: await makeNode(sandbox, 'c', 'tscni'), reference: await makeNode(sandbox, 'c', 'reference') };
  const [tPod, rPod] = await makePods(sandbox, 'c', 2);
  const pods = { tscni: tPod!, reference: rPod! };
  let id = 0;
  const chainCycle = (masquerade: boolean) => (side: SideName) => () =>
    timed(async () => {
      const node = nodes[side];
      const conf = conflist(side, node.dirs, masquerade);
      const rt = attachment(pods[side], `cycle-${id++}`);
      await node.chain.add(conf, rt);
      await node.chain.del(conf, rt);
    });
  const pluginCycle = (run: (node: BenchNode, containerId: string, command: 'ADD' | 'DEL') => Promise<unknown>) => (side: SideName) => () =>
    timed(async () => {
      const containerId = `cycle-${id++}`;
      await run(nodes[side], containerId, 'ADD');
      await run(nodes[side], containerId, 'DEL');
    });
  const hostLocal = pluginCycle((node, containerId, command) =>
    execInNode(node, executable(node.side, 'tscni-host-local', 'host-local'), command, { type: 'bridge', ipam: ipam(node.side, node.dirs) }, attachment(pods[node.side], containerId)),
  );
  // tscni-masq after a bridge: its prevResult is a pod address in the node's subnet.
  const prevResult = { cniVersion: '1.0.0', ips: [{ address: '10.88.0.2/16', gateway: '10.88.0.1' }] };
  const masqCycle = pluginCycle((node, containerId, command) =>
    execInNode(node, join(TSCNI_BIN_DIR, 'tscni-masq'), command, { type: 'tscni-masq', lockFile: node.dirs.lockFile, prevResult }, attachment(pods[node.side], containerId)),
  )('tscni');
  const both = async (cycle: (side: SideName) => () => Promise<number>) => {
    // One unmeasured cycle each: the bridge, the chains and the compile cache exist from then on, as on a node in use.
    await cycle('tscni')();
    await cycle('reference')();
    return alternate(options.samples, cycle('tscni'), cycle('reference'));
  };
  const chain = await both(chainCycle(true));
  const bridge = await both(chainCycle(false));
  const hostLocalResult = await both(hostLocal);
  // The reference has no masquerade plugin: the counterpart of tscni-masq is
  // what ipMasq adds to the reference bridge, a difference of two medians.
  await masqCycle();
  const masqSamples: number[] = [];
  for (let i = 0; i < options.samples; i++) masqSamples.push(await masqCycle());
  const tscniMasq = summarize(masqSamples);
  const ipMasqShare = chain.reference.median - bridge.reference.median;
  const masqResult: Comparison = {
    tscni: tscniMasq,
    reference: { median: ipMasqShare, p10: NaN, p90: NaN, n: options.samples },
    ratio: { median: tscniMasq.median / ipMasqShare, p10: NaN, p90: NaN, n: 1 },
  };
  const traceDir = await sandbox.dir();
  const processes = {
    tscni: await countProcesses(nodes.tscni, pods.tscni, traceDir, `cycle-${id++}`),
    reference: await countProcesses(nodes.reference, pods.reference, traceDir, `cycle-${id++}`),
  };
  return { chain, bridge, hostLocal: hostLocalResult, masq: masqResult, processes };
}

function processesRow({ tscni, reference }: CycleResults['processes']): string[] {
  const total = (count: ProcessCount | undefined) => (count ? String(count.total) : '-');
  const ratioOf = tscni && reference ? (tscni.total / reference.total).toFixed(2) : '-';
  return ['processes started per pod ADD+DEL (count)', total(tscni), total(reference), ratioOf, ''];
}

function processNote(processes: CycleResults['processes']): string {
  return SIDES.map((side) => {
    const count = processes[side];
    const programs = count ? Object.entries(count.byProgram).map(([program, n]) => `${n} ${program}`).join(', ') : 'no strace';
    return `${side}: ${programs}`;
  }).join('; ');
}

export function cycleTable(results: CycleResults): Table {
  const row = (what: string, c: Comparison, target: string) => [what, spread(c.tscni), spread(c.reference), ratio(c.ratio), target];
  return {
    title: '1. ADD+DEL cycle of one pod (ms)',
    header: ['what', 'tscni', 'reference', 'tscni/ref', 'target'],
    rows: [
      row('chain: bridge + host-local + masq vs bridge ipMasq', results.chain, '<= 1.5 (goal 1)'),
      row('bridge + its IPAM, through the chain runner', results.bridge, ''),
      row('host-local alone', results.hostLocal, ''),
      row('masq alone vs the ipMasq share of the ref bridge', results.masq, ''),
      processesRow(results.processes),
    ],
    notes: [
      'median (p10-p90); ratios pair the rounds, which alternate between the sides',
      'the ipMasq share is the difference of two reference medians (no spread)',
      `processes: one ADD+DEL of the chain, counted with strace -f (execve); ${processNote(results.processes)}`,
    ],
  };
}
