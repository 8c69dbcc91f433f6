import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Sandbox, TestNamespace } from '@tscni/core/testing';
import { calibrateBusyboxTime, measuringRunner } from '@tscni/testbed/peak-memory';
import { ChainRunner, execPlugin } from '@tscni/core';
import { attachment, cniPath, conflist, executable, ipam, leftovers, makeNode, makePods, NETWORK, SIDES, type BenchNode, type SideName } from './cni.js';
import { ratio, spread, type Table } from './format.js';
import type { BenchOptions } from './options.js';
import { memoryRunner, type ProcessMemory } from './process-memory.js';
import { compare, summarize, timed, type Comparison, type Summary } from './stats.js';

let clockTick: number | undefined;

/** CPU time of every child process this one has waited for, all their descendants included (ms). */
async function childrenCpu(): Promise<number> {
  clockTick ??= 1000 / Number((await promisify(execFile)('getconf', ['CLK_TCK'])).stdout.trim() || 100);
  // /proc/self/stat fields 16 and 17 (cutime, cstime), counted after the ")" that ends the command name.
  const fields = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) * clockTick;
}

interface BurstRound {
  addWall: number;
  delWall: number;
  cpu: number;
  failures: number;
  duplicates: number;
  leftovers: string[];
}

export interface BurstResults {
  pods: number;
  addWall: Comparison;
  delWall: Comparison;
  cpu: Comparison;
  /** Peak resident memory per plugin process in the burst, by executable (MB). */
  peakMb: Record<string, Summary>;
  /** Peak and unique (anonymous) memory per plugin process, one pod at a time, by executable (MB). */
  memoryMb: Record<string, { peak: Summary; unique: Summary }>;
  rounds: Record<SideName, BurstRound[]>;
}

async function burstRound(sandbox: Sandbox, node: BenchNode, pods: TestNamespace[], round: number): Promise<BurstRound> {
  const conf = conflist(node.side, node.dirs);
  const rts = pods.map((pod, i) => attachment(pod, `burst-${round}-${i}`));
  const cpuBefore = await childrenCpu();
  let added: PromiseSettledResult<Record<string, unknown>>[] = [];
  const addWall = await timed(async () => (added = await Promise.allSettled(rts.map((rt) => node.chain.add(conf, rt)))));
  let deleted: PromiseSettledResult<void>[] = [];
  const delWall = await timed(async () => (deleted = await Promise.allSettled(rts.map((rt) => node.chain.del(conf, rt)))));
  const cpu = (await childrenCpu()) - cpuBefore;
  const addresses = added.flatMap((r) =>
    r.status === 'fulfilled' ? ((r.value.ips ?? []) as Array<{ address: string }>).map((ip) => ip.address) : [],
  );
  return {
    addWall,
    delWall,
    cpu,
    failures: [...added, ...deleted].filter((r) => r.status === 'rejected').length,
    duplicates: addresses.length - new Set(addresses).size,
    leftovers: await leftovers(sandbox, node),
  };
}

/** Table 2: N pods ADDed at once on one node, then DELed at once; rounds alternate between the sides. */
export async function measureBurst(sandbox: Sandbox, options: BenchOptions): Promise<BurstResults> {
  const peaks = new Map<string, number[]>();
  const kbPerUnit = await calibrateBusyboxTime(await sandbox.dir());
  const nodes = {} as Record<SideName, BenchNode>;
  for (const side of SIDES) {
    const runner = measuringRunner(() => nodes[side].ns, await sandbox.dir(), peaks, kbPerUnit);
    nodes[side] = await makeNode(sandbox, 'b', side, runner);
  }
  const pods = { tscni: await makePods(sandbox, 'bt', options.burst), reference: await makePods(sandbox, 'br', options.burst) };
  const rounds: Record<SideName, BurstRound[]> = { tscni: [], reference: [] };
  for (let round = 0; round < options.rounds; round++) {
    const order: SideName[] = round % 2 === 0 ? ['tscni', 'reference'] : ['reference', 'tscni'];
    for (const side of order) rounds[side].push(await burstRound(sandbox, nodes[side], pods[side], round));
  }
  const of = (key: 'addWall' | 'delWall' | 'cpu') => compare(rounds.tscni.map((r) => r[key]), rounds.reference.map((r) => r[key]));
  const peakMb = Object.fromEntries([...peaks].map(([name, values]) => [name, summarize(values)]));
  const memory = await measureMemory(nodes, { tscni: pods.tscni[0]!, reference: pods.reference[0]! }, options.rounds * 2);
  const memoryMb = Object.fromEntries(
    [...memory].map(([name, values]) => [name, { peak: summarize(values.map((v) => v.peak)), unique: summarize(values.map((v) => v.unique)) }]),
  );
  return { pods: options.burst, addWall: of('addWall'), delWall: of('delWall'), cpu: of('cpu'), peakMb, memoryMb, rounds };
}

/**
 * After the burst, one pod at a time: each side's chain ADD+DEL and its
 * host-local alone, every plugin read at its exit (process-memory.ts).
 * Apart from the burst, whose timing the reading would change.
 */
async function measureMemory(nodes: Record<SideName, BenchNode>, pods: Record<SideName, TestNamespace>, samples: number): Promise<Map<string, ProcessMemory[]>> {
  const memory = new Map<string, ProcessMemory[]>();
  for (const side of SIDES) {
    const [node, pod] = [nodes[side], pods[side]];
    const runner = memoryRunner(() => node.ns.path, memory);
    if (!runner) return memory;
    const chain = new ChainRunner({ cniPath: cniPath(side), cacheDir: node.dirs.cacheDir, runner });
    const hostLocal = executable(side, 'tscni-host-local', 'host-local');
    const stdin = JSON.stringify({ cniVersion: '1.0.0', name: NETWORK, type: 'bridge', ipam: ipam(side, node.dirs) });
    for (let i = 0; i < samples; i++) {
      const rt = attachment(pod, `memory-${i}`);
      await chain.add(conflist(side, node.dirs), rt);
      await chain.del(conflist(side, node.dirs), rt);
      const env = { PATH: process.env.PATH, CNI_CONTAINERID: `memory-ipam-${i}`, CNI_NETNS: pod.path, CNI_IFNAME: 'eth0', CNI_PATH: cniPath(side).join(':') };
      for (const command of ['ADD', 'DEL'] as const) await execPlugin(runner, hostLocal, command, stdin, env);
    }
  }
  return memory;
}

export function burstTable(results: BurstResults): Table {
  const count = (side: SideName, key: 'failures' | 'duplicates') => String(results.rounds[side].reduce((sum, r) => sum + r[key], 0));
  const left = (side: SideName) => results.rounds[side].flatMap((r) => r.leftovers).join(', ') || '0';
  const peak = (names: string[]) =>
    names.filter((n) => results.peakMb[n]).map((n) => `${n} ${results.peakMb[n]!.median.toFixed(0)} (p90 ${results.peakMb[n]!.p90.toFixed(0)})`).join(', ');
  return {
    title: `2. Burst: ${results.pods} pods ADDed at once on one node, then DELed at once`,
    header: ['what', 'tscni', 'reference', 'tscni/ref', 'target'],
    rows: [
      ['ADD wall (ms)', spread(results.addWall.tscni), spread(results.addWall.reference), ratio(results.addWall.ratio), '<= 2 (goal 1)'],
      ['DEL wall (ms)', spread(results.delWall.tscni), spread(results.delWall.reference), ratio(results.delWall.ratio), '<= 2'],
      ['CPU time, all processes (ms)', spread(results.cpu.tscni), spread(results.cpu.reference), ratio(results.cpu.ratio), '<= 2'],
      ['failed operations', count('tscni', 'failures'), count('reference', 'failures'), '', '0'],
      ['duplicate addresses', count('tscni', 'duplicates'), count('reference', 'duplicates'), '', '0'],
      ['leftovers after DEL', left('tscni'), left('reference'), '', '0'],
      ...memoryRows(results),
    ],
    notes: [
      `peak memory per plugin process, MB, median (p90): ${peak(['tscni-bridge', 'tscni-masq'])}; reference ${peak(['bridge'])} (target <= 30 MB)`,
      `${results.rounds.tscni.length} rounds per side; memory (MB) read at each process's exit, one pod at a time after the burst; unique = resident anonymous pages (VmHWM and RssAnon)`,
    ],
  };
}

/** Peak and unique memory of each plugin process beside the reference's, bridge and host-local ADD+DEL, masq alone. */
function memoryRows(results: BurstResults): string[][] {
  const plugins: Array<[string, string | undefined]> = [['tscni-bridge', 'bridge'], ['tscni-host-local', 'host-local'], ['tscni-masq', undefined]];
  const of = (name: string | undefined, key: 'peak' | 'unique') => (name && results.memoryMb[name] ? spread(results.memoryMb[name][key], 1) : '-');
  return plugins.flatMap(([tscni, reference]) => [
    [`${tscni}: peak RSS per process (MB)`, of(tscni, 'peak'), of(reference, 'peak'), '', '<= 30'],
    [`${tscni}: unique memory per process (MB)`, of(tscni, 'unique'), of(reference, 'unique'), '', ''],
  ]);
}
