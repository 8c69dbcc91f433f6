import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Runner, RunResult } from '@tscni/core';

/** One plugin process's memory, read at its exit_group (MB). */
export interface ProcessMemory {
  /** VmHWM: the peak resident set, file pages (the binary) included. */
  peak: number;
  /** RssAnon: resident anonymous memory, what 100 processes at once do not share. */
  unique: number;
}

const STRACE = ['/usr/bin/strace', '/bin/strace'].find((path) => existsSync(path));
/** How long strace holds a process at its exit_group, for the reader below to find it there. */
const HOLD_US = 300_000;
const POLL_MS = 5;

const kb = (status: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);

/**
 * A runner that reads each plugin's /proc/PID/status at its exit: strace
 * stops the process on entering exit_group and holds it there (everything
 * still mapped) while this one reads it. Its file pages are shared between
 * processes of the same binary; its anonymous pages are its own, the figure
 * that adds up when many run at once. Undefined without strace.
 */
export function memoryRunner(netns: () => string, memory: Map<string, ProcessMemory[]>): Runner | undefined {
  if (!STRACE) return undefined;
  return {
    run(file, args, options = {}) {
      const argv = ['-qq', '-o', '/dev/null', '-e', 'trace=exit_group', '-e', `inject=exit_group:delay_enter=${HOLD_US}`];
      const child = spawn(STRACE, [...argv, '--', 'nsenter', `--net=${netns()}`, '--', file, ...args], {
        env: options.env ?? process.env,
        stdio: 'pipe',
      });
      let last: ProcessMemory | undefined;
      const poll = setInterval(() => void readAtExit(child.pid).then((read) => (last = read ?? last)), POLL_MS);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
      return new Promise<RunResult>((resolve) => {
        child.on('error', (error) => {
          clearInterval(poll);
          resolve({ stdout: '', stderr: error.message, exitCode: 127 });
        });
        child.on('close', (code) => {
          clearInterval(poll);
          if (last) memory.set(basename(file), [...(memory.get(basename(file)) ?? []), last]);
          resolve({ stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), exitCode: code ?? 1 });
        });
      });
    },
  };
}

/** The traced process's memory while strace holds it stopped ("t (tracing stop)"), else undefined. */
async function readAtExit(stracePid: number | undefined): Promise<ProcessMemory | undefined> {
  try {
    const [pid] = (await readFile(`/proc/${stracePid}/task/${stracePid}/children`, 'utf8')).split(' ');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    if (!/^State:\s+t/m.test(status)) return undefined;
    return { peak: kb(status, 'VmHWM') / 1024, unique: kb(status, 'RssAnon') / 1024 };
  } catch {
    return undefined; // not started yet, or gone
  }
}
