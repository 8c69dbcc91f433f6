import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { CniError, ErrorCode } from '../spec/errors.js';
import { tryLockExclusive } from './flock-syscall.js';

/**
 * An exclusive flock(2) on a file, held for the duration of `fn`.
 *
 * The lock is the same kind the reference host-local takes on
 * `<dataDir>/<net>/lock`, so the two plugins exclude each other. It belongs
 * to the *open file description*: we open the file here and lock our
 * descriptor, and the lock stays held until we close it (or die).
 *
 * Free (nearly always: a pod's ADD holds it for a millisecond or two), it
 * is taken in-process with flock(fd, LOCK_EX|LOCK_NB) where the runtime can
 * call it (Bun, through bun:ffi: see flock-syscall.ts): no process. Taken,
 * or on Node.js (no FFI), util-linux `flock -x -w N 3` locks our descriptor,
 * passed as its fd 3, and exits. That wait is not a blocking flock(2) on
 * our own thread: it would stall what runs while the lock is being taken
 * (host-local stages its allocation file then), and could honour neither
 * the timeout nor release(). Nor is it LOCK_NB polled with a backoff: every
 * waiter of a burst would wake every few milliseconds, and lose to the
 * waiters the kernel queues (the reference's, and ours through flock).
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: { timeoutSeconds?: number } = {},
): Promise<T> {
  const lock = requestFileLock(path, options);
  try {
    await lock.held;
    return await fn();
  } finally {
    lock.release();
  }
}

/** A lock asked for and not yet given back: `held` settles when it is ours (or cannot be). */
export interface FileLockRequest {
  readonly held: Promise<void>;
  /** Gives the lock back, or gives up waiting for it. Call it exactly once, whatever happened. */
  release(): void;
}

/**
 * Starts taking the lock and returns at once, so that work which needs no
 * lock runs before the lock is ours or while it is waited for: the attempt
 * is made when the caller first yields (host-local syncs its staged
 * allocation file first, outside the lock), and a taken lock is then waited
 * for through the flock child (whose start costs milliseconds, more on a
 * busy node).
 */
export function requestFileLock(path: string, options: { timeoutSeconds?: number } = {}): FileLockRequest {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a', 0o644);
  let child: ChildProcess | undefined;
  let released = false;
  const held = Promise.resolve().then(() => {
    // Given up before the attempt: the descriptor is closed (its number may already be another file's).
    if (released) throw new CniError(ErrorCode.Internal, `gave up waiting for the lock ${path}`);
    if (tryLockExclusive(fd)) return;
    const waiting = lockDescriptor(fd, path, options.timeoutSeconds ?? 60);
    child = waiting.child;
    return waiting.held;
  });
  held.catch(() => undefined); // a caller that gives up early never awaits it
  return {
    held,
    release() {
      released = true;
      // A flock still waiting would otherwise keep this process alive, and take the lock for nobody.
      if (child && child.exitCode === null && child.signalCode === null) child.kill();
      closeSync(fd); // releases the lock
    },
  };
}

function lockDescriptor(fd: number, path: string, timeoutSeconds: number): { child: ChildProcess; held: Promise<void> } {
  const { spawn } = process.getBuiltinModule('node:child_process'); // loaded when first needed, as in spawnRunner
  const child = spawn('flock', ['-x', '-w', String(timeoutSeconds), '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
  });
  const held = new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) =>
      reject(new CniError(ErrorCode.Internal, `cannot lock ${path}: flock: ${error.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve();
      // flock exits 1 when -w expires: another process holds the lock too long.
      reject(
        new CniError(
          ErrorCode.TryAgainLater,
          `timed out after ${timeoutSeconds}s waiting for the lock ${path}`,
          stderr.trim() || undefined,
        ),
      );
    });
  });
  return { child, held };
}
