import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Leftovers {
  namespaces: string[];
  dirs: string[];
}

/** Namespaces and temp dirs still carrying the run's prefix: what teardown missed. */
export async function leftovers(prefix: string): Promise<Leftovers> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return {
    namespaces: stdout
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name.startsWith(prefix)),
    dirs: (await readdir(tmpdir())).filter((name) => name.startsWith(prefix)).map((name) => join(tmpdir(), name)),
  };
}

/**
 * Removes what carries the prefix. Ctrl-C can land while a namespace or dir
 * is being made, after the sandbox's cleanup has taken its list.
 */
export async function removeLeftovers(prefix: string): Promise<void> {
  const { namespaces, dirs } = await leftovers(prefix);
  for (const name of namespaces) await run('ip', ['netns', 'del', name]).catch(() => undefined);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
