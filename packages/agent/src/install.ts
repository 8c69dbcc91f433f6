import { chmod, copyFile, link, mkdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '@tscni/core';

/**
 * What a node needs in its CNI bin dir: `tscni`, the one binary behind every
 * plugin (and the CLI for a person on the node, `tscni ipam ls`), and the
 * plugins' names as hard links to it (it runs the plugin it is named).
 */
export const MULTI_CALL_BINARY = 'tscni';
export const PLUGIN_NAMES = ['tscni-bridge', 'tscni-host-local', 'tscni-masq', 'tscni-route-sync', 'tscni-netpol'];
/** What earlier versions installed and this one no longer needs: the Node.js runtime the plugins ran on. */
const RETIRED = ['tscni-node'];

/**
 * Installs the binary that sits beside this agent into `binDir` through a
 * temporary file and a rename (a runtime may be executing the old one), then
 * points each plugin name at it the same way. Nothing is rewritten when the
 * binary's size and modification time already match and the names are
 * already links to it.
 */
export async function installPlugins(binDir: string, log: Logger, sourceDir = dirname(process.argv[1] ?? '')): Promise<void> {
  await mkdir(binDir, { recursive: true });
  const source = join(sourceDir, MULTI_CALL_BINARY);
  const target = join(binDir, MULTI_CALL_BINARY);
  const from = await stat(source).catch(() => undefined);
  if (!from) throw new Error(`cannot install plugins: ${source} does not exist`);
  const to = await stat(target).catch(() => undefined);
  // Within a millisecond: utimes rounds the source's finer time stamp.
  if (!to || to.size !== from.size || Math.abs(to.mtimeMs - from.mtimeMs) >= 1) {
    const temporary = `${target}.${process.pid}.tmp`;
    await copyFile(source, temporary);
    await chmod(temporary, 0o755);
    await utimes(temporary, from.atime, from.mtime);
    await rename(temporary, target);
    log.info('installed plugin executable', { path: target });
  }
  const installed = await stat(target);
  for (const name of PLUGIN_NAMES) {
    const path = join(binDir, name);
    if ((await stat(path).catch(() => undefined))?.ino === installed.ino) continue;
    const temporary = `${path}.${process.pid}.tmp`;
    await rm(temporary, { force: true });
    await link(target, temporary);
    await rename(temporary, path);
    log.info('installed plugin executable', { path, linkTo: target });
  }
  for (const name of RETIRED) await rm(join(binDir, name), { force: true });
}
