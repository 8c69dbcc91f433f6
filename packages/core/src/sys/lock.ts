import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
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
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a', 0o644);
  try {
    await lockDescriptor(fd, path, options.timeoutSeconds ?? 60);
    return await fn();
  } finally {
    closeSync(fd); // releases the lock
  }
}

function lockDescriptor(fd: number, path: string, timeoutSeconds: number): Promise<void> {
  const { spawn } = process.getBuiltinModule('node:child_process'); // loaded when first needed, as in spawnRunner
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['-x', '-w', String(timeoutSeconds), '3'], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
    });
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
}
