import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `content` to `path` only when it differs, through a temporary file
 * in the same directory and a rename: a reader (the container runtime, the
 * plugin) sees the old file or the new one, never a half-written one.
 * Returns whether the file changed.
 */
export async function writeFileAtomically(path: string, content: string): Promise<boolean> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === content) return false;
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o644 });
  await rename(temporary, path);
  return true;
}
