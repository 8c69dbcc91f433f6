import { withFileLock } from '@tscni/core';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { lockIsFree } from '@tscni/core/testing';

/** The Bun the plugins are compiled with: jest runs on Node, which has no FFI, so the in-process path is run here. */
const BUN = resolve(import.meta.dirname, '../../../node_modules/@oven/bun-linux-x64/bin/bun');
const SYS = resolve(import.meta.dirname, '../src/sys');

/**
 * `try PATH`: flock(fd, LOCK_EX|LOCK_NB) through bun:ffi, prints whether it
 * is ours; `request PATH`: requestFileLock, prints "held" once it is;
 * `defer PATH`: the same, printing whether the lock was still free until it
 * first yielded. Each holds what it got until its stdin ends.
 */
const SCRIPT = `
import { spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { requestFileLock } from '${SYS}/lock.ts';
import { tryLockExclusive } from '${SYS}/flock-syscall.ts';
const [mode, path] = process.argv.slice(2);
let release = () => {};
if (mode === 'try') console.log(String(tryLockExclusive(openSync(path, 'a'))));
else {
  const lock = requestFileLock(path);
  release = lock.release;
  // What the caller does before it first yields runs outside the lock.
  const freeBeforeYielding = spawnSync('flock', ['-n', path, 'true']).status === 0;
  await lock.held;
  console.log(mode === 'request' ? 'held' : String(freeBeforeYielding));
}
process.stdin.resume();
process.stdin.on('end', () => { release(); process.exit(0); });
`;

describe('the lock on Bun (the compiled plugins)', () => {
  let dir: string;
  let script: string;
  const children: ChildProcessWithoutNullStreams[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tscni-lock-bun-'));
    script = join(dir, 'holder.ts');
    await writeFile(script, SCRIPT);
  });
  afterAll(async () => {
    for (const child of children) child.kill();
    await rm(dir, { recursive: true, force: true });
  });

  function start(mode: 'try' | 'request' | 'defer', path: string) {
    const child = spawn(BUN, [script, mode, path]);
    children.push(child);
    let out = '';
    const line = new Promise<string>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) done(out.trim());
      });
      child.on('exit', (code) => fail(new Error(`bun exited ${code} before printing`)));
    });
    const exited = new Promise((done) => child.on('exit', done));
    return { line, stop: async () => (child.stdin.end(), await exited) };
  }

  it('takes a free lock in-process (flock(2) through bun:ffi), one that the flock program sees taken, until it exits', async () => {
    const path = join(dir, 'free.lock');
    await writeFile(path, '');
    const holder = start('try', path);
    expect(await holder.line).toBe('true');
    expect(await lockIsFree(path)).toBe(false);
    await holder.stop();
    expect(await lockIsFree(path)).toBe(true);
  });

  it('takes it when the caller first yields, not before: host-local syncs its staged file outside the lock', async () => {
    const path = join(dir, 'defer.lock');
    const holder = start('defer', path);
    expect(await holder.line).toBe('true');
    expect(await lockIsFree(path)).toBe(false);
    await holder.stop();
  });

  it('does not take a lock another process holds', async () => {
    const path = join(dir, 'taken.lock');
    await withFileLock(path, async () => {
      const other = start('try', path);
      expect(await other.line).toBe('false');
      await other.stop();
    });
  });

  it('waits for a taken lock (through the flock program) and gets it once it is given back', async () => {
    const path = join(dir, 'wait.lock');
    let waiter: ReturnType<typeof start> | undefined;
    let got = false;
    await withFileLock(path, async () => {
      waiter = start('request', path);
      void waiter.line.then(() => (got = true));
      await new Promise((done) => setTimeout(done, 300));
      expect(got).toBe(false);
    });
    expect(await waiter!.line).toBe('held');
    expect(await lockIsFree(path)).toBe(false);
    await waiter!.stop();
    expect(await lockIsFree(path)).toBe(true);
  });
});
