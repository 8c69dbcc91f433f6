import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ChainRunner, spawnRunner, type Runner } from '@tscni/core';
import { attachment, cniPath, conflist, inNode, type BenchNode } from './cni.js';
import type { TestNamespace } from '@tscni/core/testing';

/** The processes one pod's ADD+DEL started, the plugins included, by program. */
export interface ProcessCount {
  total: number;
  byProgram: Record<string, number>;
}

const STRACE = ['/usr/bin/strace', '/bin/strace'].find((path) => existsSync(path));

/**
 * One pod's ADD+DEL through the side's chain on a node already in use (its
 * bridge, rules and stamp in place), every plugin run under
 * `strace -f -e trace=execve`: each execve that succeeded is a process
 * started. Undefined without strace.
 */
export async function countProcesses(node: BenchNode, pod: TestNamespace, dir: string, containerId: string): Promise<ProcessCount | undefined> {
  if (!STRACE) return undefined;
  const traces: string[] = [];
  const tracing: Runner = {
    run(file, args, options) {
      const trace = join(dir, `trace.${traces.length}`);
      traces.push(trace);
      return spawnRunner.run(STRACE, ['-f', '-qq', '-e', 'trace=execve', '-o', trace, '--', file, ...args], options);
    },
  };
  const chain = new ChainRunner({ cniPath: cniPath(node.side), cacheDir: node.dirs.cacheDir, runner: inNode(node.ns, tracing) });
  const conf = conflist(node.side, node.dirs);
  const rt = attachment(pod, containerId);
  await chain.add(conf, rt);
  await chain.del(conf, rt);
  const byProgram: Record<string, number> = {};
  for (const trace of traces) {
    for (const program of startedPrograms(await readFile(trace, 'utf8'))) byProgram[program] = (byProgram[program] ?? 0) + 1;
  }
  return { total: Object.values(byProgram).reduce((a, b) => a + b, 0), byProgram };
}

/** The programs of the execve calls that succeeded in `strace -f` output (a call may be split by another process's line). */
export function startedPrograms(trace: string): string[] {
  const started: string[] = [];
  const pending = new Map<string, string>();
  for (const line of trace.split('\n')) {
    const [, pid = '', call = ''] = /^(\d+)\s+(.*)$/.exec(line) ?? [];
    const succeeded = /= 0$/.test(call);
    const path = /^execve\("([^"]+)"/.exec(call)?.[1];
    if (path && call.includes('<unfinished ...>')) pending.set(pid, path);
    else if (path && succeeded) started.push(basename(path));
    else if (call.startsWith('<... execve resumed>') && pending.has(pid)) {
      if (succeeded) started.push(basename(pending.get(pid)!));
      pending.delete(pid);
    }
  }
  return started;
}
