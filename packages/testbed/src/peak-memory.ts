import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { spawnRunner, type Runner } from '@tscni/core';
import type { TestNamespace } from '@tscni/core/testing';

/**
 * Wraps every plugin in `busybox time -v` (busybox-static is installed with
 * the test packages): its wait4 gives the process's peak resident memory,
 * which Node cannot read for a child once it has exited.
 */
export function measuringRunner(node: () => TestNamespace, dir: string, peaks: Map<string, number[]>, kbPerUnit: number): Runner {
  let count = 0;
  return {
    async run(file, args, options) {
      const report = join(dir, `${count++}.time`);
      const result = await spawnRunner.run('busybox', ['time', '-v', '-o', report, 'nsenter', `--net=${node().path}`, '--', file, ...args], options);
      const reported = maxRss(await readFile(report, 'utf8').catch(() => ''));
      await rm(report, { force: true });
      if (reported) peaks.set(basename(file), [...(peaks.get(basename(file)) ?? []), (reported * kbPerUnit) / 1024]);
      return result;
    },
  };
}

const maxRss = (report: string) => Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(report)?.[1] ?? 0);

/**
 * Some busybox releases (1.35 among them) print ru_maxrss as if it counted
 * pages, four times too much: compare with what a Node process says of
 * itself and keep the factor, a power of two.
 */
export async function calibrateBusyboxTime(dir: string): Promise<number> {
  const report = join(dir, 'calibration.time');
  const script = 'process.stdout.write(String(process.resourceUsage().maxRSS))';
  const { stdout } = await promisify(execFile)('busybox', ['time', '-v', '-o', report, process.execPath, '-e', script]);
  const ratio = Number(stdout) / maxRss(await readFile(report, 'utf8'));
  return 2 ** Math.round(Math.log2(ratio));
}
