import { requestFileLock, withFileLock } from '@tscni/core';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether another process could take the flock right now (flock -n fails if not). */
async function lockIsFree(path: string): Promise<boolean> {
  return run('flock', ['-n', path, 'true']).then(
    () => true,
    () => false,
  );
}

describe('withFileLock', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'tscni-lock-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('holds an exclusive flock that other processes see, and releases it', async () => {
    const path = join(dir, 'net', 'lock');
    await withFileLock(path, async () => {
      expect(await lockIsFree(path)).toBe(false);
    });
    expect(await lockIsFree(path)).toBe(true);
  });

  it('releases the lock when the work throws', async () => {
    const path = join(dir, 'lock2');
    await expect(withFileLock(path, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lockIsFree(path)).toBe(true);
  });

  it('serialises concurrent holders in one process', async () => {
    const path = join(dir, 'lock3');
    let inside = 0;
    let overlap = false;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        withFileLock(path, async () => {
          inside++;
          if (inside > 1) overlap = true;
          await new Promise((r) => setTimeout(r, 5));
          inside--;
        }),
      ),
    );
    expect(overlap).toBe(false);
  });

  it('gives up with code 11 when the lock stays taken', async () => {
    const path = join(dir, 'lock4');
    await withFileLock(path, async () => {
      await expect(withFileLock(path, async () => undefined, { timeoutSeconds: 1 })).rejects.toMatchObject({ code: 11 });
    });
  });

  it('takes the lock in the background: held once `held` settles, free after release', async () => {
    const path = join(dir, 'lock5');
    const lock = requestFileLock(path);
    await lock.held;
    expect(await lockIsFree(path)).toBe(false);
    lock.release();
    expect(await lockIsFree(path)).toBe(true);
  });

  it('gives up a lock it is still waiting for, leaving it free', async () => {
    const path = join(dir, 'lock6');
    await withFileLock(path, async () => {
      const waiting = requestFileLock(path);
      waiting.release();
      await expect(waiting.held).rejects.toBeDefined();
    });
    expect(await lockIsFree(path)).toBe(true);
  });
});
