import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Namespaces and temp dirs still carrying the run's prefix: what teardown missed. */
export async function leftovers(prefix: string): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  const namespaces = stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(prefix))
    .map((name) => `netns ${name}`);
  const dirs = (await readdir(tmpdir())).filter((name) => name.startsWith(prefix)).map((name) => `dir ${name}`);
  return [...namespaces, ...dirs];
}
