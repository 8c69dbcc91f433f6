import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { CniError, ErrorCode } from '../spec/errors.js';

/**
 * An exclusive flock(2) on a file, held for the duration of `fn`.
 *
 * Node.js has no flock binding. flock(2) locks belong to the *open file
 * description*, which a child inherits, so we open the file here, let
 * util-linux `flock -x 3` lock our descriptor (passed as its fd 3) and exit:
 * the lock stays held by our descriptor until we close it. The lock is the
 * same kind the reference host-local takes on `<dataDir>/<net>/lock`, so the
 * two plugins exclude each other.
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
 * lock can run while the flock child starts and waits (the child's start
 * costs milliseconds, more on a busy node).
 */
export function requestFileLock(path: string, options: { timeoutSeconds?: number } = {}): FileLockRequest {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a', 0o644);
  let child: ChildProcess | undefined;
  let held: Promise<void>;
  try {
    ({ child, held } = lockDescriptor(fd, path, options.timeoutSeconds ?? 60));
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  held.catch(() => undefined); // a caller that gives up early never awaits it
  return {
    held,
    release() {
      // A flock still waiting would otherwise keep this process alive, and take the lock for nobody.
      if (child.exitCode === null && child.signalCode === null) child.kill();
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
