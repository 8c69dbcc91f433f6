import { chmod, copyFile, mkdir, rename, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '@tscni/core';

/**
 * What a node needs in its CNI bin dir: the plugins, the Node runtime they
 * exec, and the `tscni` CLI for a person on the node (`tscni ipam ls`).
 */
export const PLUGIN_EXECUTABLES = ['tscni-bridge', 'tscni-host-local', 'tscni-masq', 'tscni-route-sync', 'tscni-node', 'tscni'];

/**
 * Copies the executables that sit beside this one into `binDir`, each
 * through a temporary file and a rename (a runtime may be executing the old
 * one). Files whose size and modification time already match are skipped.
 */
export async function installPlugins(binDir: string, log: Logger, sourceDir = dirname(process.argv[1] ?? '')): Promise<void> {
  await mkdir(binDir, { recursive: true });
  for (const name of PLUGIN_EXECUTABLES) {
    const source = join(sourceDir, name);
    const target = join(binDir, name);
    const from = await stat(source).catch(() => undefined);
    if (!from) throw new Error(`cannot install plugins: ${source} does not exist`);
    const to = await stat(target).catch(() => undefined);
    // Within a millisecond: utimes rounds the source's finer time stamp.
    if (to && to.size === from.size && Math.abs(to.mtimeMs - from.mtimeMs) < 1) continue;
    const temporary = `${target}.${process.pid}.tmp`;
    await copyFile(source, temporary);
    await chmod(temporary, 0o755);
    await utimes(temporary, from.atime, from.mtime);
    await rename(temporary, target);
    log.info('installed plugin executable', { path: target });
  }
}
