import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execPlugin, spawnRunner } from '@tscni/core';
import type { Sandbox } from '@tscni/core/testing';
import { executable, NETWORK, type SideName } from './cni.js';
import { spread, ratio, type Table } from './format.js';
import type { BenchOptions } from './options.js';
import { alternate, summarize, timed, type Comparison, type Summary } from './stats.js';

const SUBNET = '10.250.0.0/16';
/** A /16 without network, broadcast and gateway. */
const ASSIGNABLE = 65534 - 1;
const FILLS = [0.01, 0.95];

const ipOf = (n: number) => `10.250.${n >> 8}.${n & 255}`;

/** The same random allocations for both sides, written in the reference's on-disk format. */
function randomHosts(count: number): number[] {
  const hosts = Array.from({ length: ASSIGNABLE }, (_, i) => i + 2);
  for (let i = hosts.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [hosts[i], hosts[j]] = [hosts[j]!, hosts[i]!];
  }
  return hosts.slice(0, count);
}

async function prepopulate(dataDir: string, hosts: number[]): Promise<void> {
  const dir = join(dataDir, NETWORK);
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < hosts.length; i += 512) {
    await Promise.all(hosts.slice(i, i + 512).map((host) => writeFile(join(dir, ipOf(host)), `existing-${host}\r\neth0`)));
  }
  await writeFile(join(dir, 'last_reserved_ip.0'), ipOf(hosts[0]!));
}

function run(side: SideName, dataDir: string, command: 'ADD' | 'DEL', containerId: string): Promise<number> {
  const config = { cniVersion: '1.0.0', name: NETWORK, type: 'bridge', ipam: { type: 'host-local', subnet: SUBNET, dataDir } };
  const env = { PATH: process.env.PATH, CNI_CONTAINERID: containerId, CNI_NETNS: '/nonexistent', CNI_IFNAME: 'eth0', CNI_PATH: '/nonexistent' };
  return timed(() => execPlugin(spawnRunner, executable(side, 'tscni-host-local', 'host-local'), command, JSON.stringify(config), env));
}

export interface HostLocalLevel {
  fill: number;
  allocated: number;
  add: Comparison;
  del: Comparison;
  /** The first operation on a store this plugin did not write (tscni rebuilds its index then). */
  firstOp: Record<SideName, number>;
}

/** Table 4: ADD and DEL latency of tscni-host-local and host-local in a /16 at 1% and 95% full. */
export async function measureHostLocal(sandbox: Sandbox, options: BenchOptions): Promise<HostLocalLevel[]> {
  const levels: HostLocalLevel[] = [];
  for (const fill of FILLS) {
    const hosts = randomHosts(Math.round(ASSIGNABLE * fill));
    const dirs = { tscni: join(await sandbox.dir(), 'ipam'), reference: join(await sandbox.dir(), 'ipam') };
    await Promise.all([prepopulate(dirs.tscni, hosts), prepopulate(dirs.reference, hosts)]);
    const firstOp = { tscni: await run('tscni', dirs.tscni, 'DEL', 'nobody'), reference: await run('reference', dirs.reference, 'DEL', 'nobody') };
    const add = await alternate(options.samples, (i) => run('tscni', dirs.tscni, 'ADD', `bench-${i}`), (i) => run('reference', dirs.reference, 'ADD', `bench-${i}`));
    const del = await alternate(options.samples, (i) => run('tscni', dirs.tscni, 'DEL', `bench-${i}`), (i) => run('reference', dirs.reference, 'DEL', `bench-${i}`));
    levels.push({ fill, allocated: hosts.length, add, del, firstOp });
  }
  return levels;
}

export function hostLocalTable(levels: HostLocalLevel[]): Table {
  const rows = levels.flatMap((level) =>
    (['add', 'del'] as const).map((op) => [
      `${op.toUpperCase()} at ${Math.round(level.fill * 100)}% (${level.allocated} taken)`,
      spread(level[op].tscni, 1),
      spread(level[op].reference, 1),
      ratio(level[op].ratio),
    ]),
  );
  const [low, high] = [levels[0], levels.at(-1)];
  const growth = (side: 'tscni' | 'reference', op: 'add' | 'del'): Summary | undefined =>
    low && high ? { ...summarize([high[op][side].median / low[op][side].median]), p10: NaN, p90: NaN } : undefined;
  const growthRow = (op: 'add' | 'del') => {
    const [t, r] = [growth('tscni', op), growth('reference', op)];
    return [`${op.toUpperCase()} 95% / 1% (target <= 1.2)`, t ? ratio(t) : '-', r ? ratio(r) : '-', ''];
  };
  return {
    title: '4. host-local in a /16 (ms per operation, the executable as a runtime runs it)',
    header: ['what', 'tscni', 'reference', 'tscni/ref'],
    rows: [...rows, growthRow('add'), growthRow('del')],
    notes: levels.map(
      (l) => `first operation on a store it did not write, ${Math.round(l.fill * 100)}%: tscni ${l.firstOp.tscni.toFixed(0)} ms, reference ${l.firstOp.reference.toFixed(0)} ms`,
    ),
  };
}
