import { ChainRunner, CRASH_AT_ENV, CRASH_STEPS, type RuntimeConf } from '@tscni/core';
import { BIN_DIR, ChainNode, execIn, type Leftovers, type Sandbox } from '@tscni/core/testing';
import { rng } from '@tscni/core/testing';
import { calibrateBusyboxTime, measuringRunner } from '@tscni/testbed/peak-memory';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Every crash point a pod's ADD through the node's chain can reach. */
const STEPS = [...CRASH_STEPS['tscni-bridge'], ...CRASH_STEPS['tscni-host-local'], ...CRASH_STEPS['tscni-masq']];
/** What a runtime does after an ADD that died: kubelet DELs (with or without the netns) or retries; a GC sweeps. */
const FOLLOW_UPS = ['del', 'del-no-netns', 'next-add', 'gc'] as const;
const KEEPER = 'crash-keeper';

export interface SoakOptions {
  cycles: number;
  seed: number;
  /** The share of ADDs killed at a random crash point. */
  crashRate: number;
}

export interface SoakFigures {
  cycles: number;
  crashed: Record<string, number>;
  followUps: Record<string, number>;
  /** Operations that failed without a crash being asked for. */
  failures: string[];
  /** What the node held at the end beyond the keeper pod. */
  leaks: string[];
  /** Median ADD+DEL wall of a clean cycle, in the first and the last tenth of the run (ms). */
  latency: { first: number; last: number };
  /** Mean peak resident memory per plugin process, first and last tenth (MB). */
  memory: Record<string, { first: number; last: number }>;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/**
 * Pod after pod through a node's chain (tscni-bridge with tscni-host-local,
 * tscni-masq) at spec 1.1.0, each ADD then DEL, with a share of the ADDs
 * killed at a random crash point and followed by what a runtime would do.
 * At the end the node must hold the keeper pod and nothing else.
 */
export async function soak(sandbox: Sandbox, options: SoakOptions): Promise<SoakFigures> {
  const random = rng(options.seed);
  const plugins = (dataDir: string) => [
    { type: 'tscni-bridge', bridge: 'soak0', isGateway: true, hairpinMode: true, ipam: { type: 'tscni-host-local', ranges: [[{ subnet: '10.251.0.0/24' }]], dataDir } },
    { type: 'tscni-masq', nonMasqueradeCIDRs: ['10.251.0.0/16'], lockFile: `${dataDir}/masq.lock` },
  ];
  const node = await ChainNode.create(sandbox, { version: '1.1.0', network: 'soaknet', plugins });
  const peaks = new Map<string, number[]>();
  const kbPerUnit = await calibrateBusyboxTime(await sandbox.dir());
  const [cacheDir, reports] = await Promise.all([sandbox.dir(), sandbox.dir()]);
  const runner = measuringRunner(() => node.ns, reports, peaks, kbPerUnit);
  const chain = (env: Record<string, string> = {}) => new ChainRunner({ cniPath: [BIN_DIR], cacheDir, runner, env });
  const figures: SoakFigures = { cycles: options.cycles, crashed: {}, followUps: {}, failures: [], leaks: [], latency: { first: NaN, last: NaN }, memory: {} };
  const latencies: Array<{ cycle: number; ms: number }> = [];
  const peaksAt: Array<{ cycle: number; peaks: Map<string, number> }> = [];

  for (let cycle = 0; cycle < options.cycles; cycle++) {
    const rt: RuntimeConf = node.attachment(`soak-${cycle}`);
    const before = new Map([...peaks].map(([name, values]) => [name, values.length]));
    try {
      if (random() < options.crashRate) {
        const step = STEPS[Math.floor(random() * STEPS.length)]!;
        const followUp = FOLLOW_UPS[Math.floor(random() * FOLLOW_UPS.length)]!;
        figures.crashed[step] = (figures.crashed[step] ?? 0) + 1;
        figures.followUps[followUp] = (figures.followUps[followUp] ?? 0) + 1;
        // tscni-masq commits only when the node's rules differ from its config: flushed (as by a restart of the
        // firewall), the next ADD puts them back, and its crash points are reached.
        if (step.startsWith('masq-add:')) await flushMasquerade(node);
        const killed = await chain({ [CRASH_AT_ENV]: step }).add(node.conf, rt).then(() => false, () => true);
        if (!killed) figures.failures.push(`cycle ${cycle}: the ADD armed to crash at ${step} succeeded`);
        if (followUp === 'del') await chain().del(node.conf, rt);
        if (followUp === 'del-no-netns') await chain().del(node.conf, { ...rt, netns: '' });
        if (followUp === 'gc') await chain().gc(node.conf, [{ containerID: KEEPER, ifname: 'eth0' }]);
        if (followUp === 'next-add') {
          await chain().add(node.conf, rt);
          await chain().del(node.conf, rt);
        }
      } else {
        const started = performance.now();
        await chain().add(node.conf, rt);
        await chain().del(node.conf, rt);
        latencies.push({ cycle, ms: performance.now() - started });
        peaksAt.push({ cycle, peaks: new Map([...peaks].flatMap(([name, values]) => values.slice(before.get(name) ?? 0).map((mb) => [name, mb] as [string, number]))) });
      }
    } catch (error) {
      figures.failures.push(`cycle ${cycle}: ${(error as Error).message.slice(0, 200)}`);
      await node.forget(rt);
    }
  }

  figures.leaks = differences(node.clean, await node.leftovers());
  const tenth = Math.max(1, Math.floor(options.cycles / 10));
  const early = (entry: { cycle: number }) => entry.cycle < tenth;
  const late = (entry: { cycle: number }) => entry.cycle >= options.cycles - tenth;
  figures.latency = { first: median(latencies.filter(early).map((l) => l.ms)), last: median(latencies.filter(late).map((l) => l.ms)) };
  for (const name of peaks.keys()) {
    const of = (keep: (entry: { cycle: number }) => boolean) =>
      mean(peaksAt.filter(keep).flatMap((entry) => (entry.peaks.has(name) ? [entry.peaks.get(name)!] : [])));
    figures.memory[name] = { first: of(early), last: of(late) };
  }
  return figures;
}

async function flushMasquerade(node: ChainNode): Promise<void> {
  for (const args of [['-F', 'POSTROUTING'], ['-F', 'TSCNI-MASQ'], ['-X', 'TSCNI-MASQ']]) {
    await execIn(node.ns, 'iptables-nft', ['-w', '5', '-t', 'nat', ...args]);
  }
  // ADDs believe tscni-masq's stamp (next to its lock, stampFileFor in @tscni/masq) for a while: a flush by hand is not seen.
  await rm(join(node.dataDir, 'masq.stamp'), { force: true });
}

/** What `now` holds that `clean` did not, field by field. */
function differences(clean: Leftovers, now: Leftovers): string[] {
  const extra = (what: string, was: string[], is: string[]) => is.filter((item) => !was.includes(item)).map((item) => `${what} ${item}`);
  return [
    ...extra('address', clean.store.allocated, now.store.allocated),
    ...extra('staged file', clean.store.staged, now.store.staged),
    ...extra('veth', clean.veths, now.veths),
    ...extra('pod link', clean.podLinks, now.podLinks),
    ...extra('route', clean.routes.split('\n'), now.routes.split('\n')),
    ...(now.lockFree ? [] : ['the store lock held']),
  ];
}

export function soakReport(figures: SoakFigures, options: SoakOptions): string {
  const crashes = Object.values(figures.crashed).reduce((sum, n) => sum + n, 0);
  const drift = (first: number, last: number) => `${first.toFixed(1)} -> ${last.toFixed(1)} (${(((last - first) / first) * 100).toFixed(1)}%)`;
  return [
    `soak (seed ${options.seed}): ${figures.cycles} pod ADD/DEL cycles through tscni-bridge + tscni-host-local + tscni-masq, ${crashes} ADDs killed (${(options.crashRate * 100).toFixed(0)}%)`,
    `  killed at: ${JSON.stringify(figures.crashed)}`,
    `  then: ${JSON.stringify(figures.followUps)}`,
    `  failures: ${figures.failures.length}, leaks at the end: ${figures.leaks.length}`,
    `  cycle latency, median of the first and last tenth (ms): ${drift(figures.latency.first, figures.latency.last)}`,
    ...Object.entries(figures.memory).map(([name, m]) => `  ${name} peak memory per process, mean of the first and last tenth (MB): ${drift(m.first, m.last)}`),
  ].join('\n');
}
