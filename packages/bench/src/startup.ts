import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REFERENCE_BIN_DIR } from '@tscni/core/testing';
import { BUN, TSCNI_BIN_DIR } from './executables.js';
import { ratio, spread, type Table } from './format.js';
import type { BenchOptions } from './options.js';
import { summarize, type Summary } from './stats.js';

/** A program started as a runtime starts a plugin for VERSION. */
interface Starter {
  name: string;
  file: string;
  args: string[];
}

const VERSION_INPUT = '{"cniVersion":"1.0.0"}';

const STARTERS: Starter[] = [
  { name: 'node -e 0 (tscni-node, bare)', file: join(TSCNI_BIN_DIR, 'tscni-node'), args: ['-e', '0'] },
  { name: 'bun -e 0 (bare)', file: BUN, args: ['-e', '0'] },
  ...['tscni-bridge', 'tscni-host-local', 'tscni-masq', 'tscni-route-sync'].map((name) => ({ name, file: join(TSCNI_BIN_DIR, name), args: [] })),
  { name: 'tscni version', file: join(TSCNI_BIN_DIR, 'tscni'), args: ['version'] },
  { name: 'reference bridge', file: join(REFERENCE_BIN_DIR, 'bridge'), args: [] },
  { name: 'reference host-local', file: join(REFERENCE_BIN_DIR, 'host-local'), args: [] },
];

/** Exec to the first byte on stdout (to the exit for a program that prints nothing), and to the exit. */
function start(starter: Starter): Promise<{ firstByte: number; exit: number }> {
  return new Promise((resolve, reject) => {
    const begin = performance.now();
    let firstByte: number | undefined;
    const child = spawn(starter.file, starter.args, { env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION' } });
    child.stdout.once('data', () => (firstByte = performance.now() - begin));
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // a program that exits without reading its input
    child.on('close', (code) => {
      const exit = performance.now() - begin;
      if (code !== 0) reject(new Error(`${starter.name} exited with ${code}`));
      else resolve({ firstByte: firstByte ?? exit, exit });
    });
    child.stdin.end(VERSION_INPUT);
  });
}

export interface StartupRow {
  name: string;
  firstByte: Summary;
  exit: Summary;
  /** First byte against bare Node's exit, round by round. */
  vsNode: Summary;
  /** First byte against the reference bridge's, round by round. */
  vsReference: Summary;
}

/**
 * Table 6: every starter once per round, the order rotating, so all see the
 * same load. One unmeasured round first fills the compile cache.
 */
export async function measureStartup(options: BenchOptions): Promise<StartupRow[]> {
  const samples = STARTERS.map(() => ({ firstByte: [] as number[], exit: [] as number[] }));
  for (let round = -1; round < options.samples * 2; round++) {
    for (let k = 0; k < STARTERS.length; k++) {
      const i = (k + Math.max(round, 0)) % STARTERS.length;
      const { firstByte, exit } = await start(STARTERS[i]!);
      if (round < 0) continue;
      samples[i]!.firstByte.push(firstByte);
      samples[i]!.exit.push(exit);
    }
  }
  const node = samples[0]!.exit;
  const reference = samples[STARTERS.findIndex((s) => s.name === 'reference bridge')]!.firstByte;
  return STARTERS.map((starter, i) => ({
    name: starter.name,
    firstByte: summarize(samples[i]!.firstByte),
    exit: summarize(samples[i]!.exit),
    vsNode: summarize(samples[i]!.firstByte.map((v, r) => v / node[r]!)),
    vsReference: summarize(samples[i]!.firstByte.map((v, r) => v / reference[r]!)),
  }));
}

export function startupTable(rows: StartupRow[]): Table {
  return {
    title: '6. Start-up: exec to the first byte of VERSION (ms)',
    header: ['program', 'first byte', 'exit', 'vs bare node', 'vs ref bridge'],
    rows: rows.map((row) => [row.name, spread(row.firstByte, 1), spread(row.exit, 1), ratio(row.vsNode), ratio(row.vsReference)]),
    notes: ['bare node and bun print nothing: their figures are exec to exit; target: first byte within 3x the reference bridge'],
  };
}
