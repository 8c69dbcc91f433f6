import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Owner } from './store.js';

/**
 * The reference host-local's file format, and writes that a crash cannot
 * leave half-done. Temporary files live in a directory of our own, outside
 * `<dataDir>/<network>`, because the reference reads every file under that
 * directory (recursively) when it looks an owner up.
 */
export const LINE_BREAK = '\r\n';
export const LOCK_FILE = 'lock';
export const LAST_RESERVED_PREFIX = 'last_reserved_ip.';

export function ownerText(owner: Owner): string {
  return owner.containerId.trim() + LINE_BREAK + owner.ifName;
}

/** `<containerID>\r\n<ifname>`; files from old reference versions hold only the ID. */
export function parseOwner(text: string): Owner {
  const [containerId = '', ifName = ''] = text.trim().split(LINE_BREAK);
  return { containerId: containerId.trim(), ifName };
}

/** An old-format file (no ifname) belongs to every interface of its container, as the reference reads it. */
export function ownerMatches(onDisk: Owner, owner: Owner): boolean {
  return onDisk.containerId === owner.containerId && (onDisk.ifName === owner.ifName || onDisk.ifName === '');
}

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/**
 * Creates `target` holding `content` only if it does not exist, all at once:
 * the content is written (and synced) under `scratch`, then hard-linked into
 * place, which fails with EEXIST exactly as the reference's O_EXCL create.
 */
export function createExclusive(scratch: string, target: string, content: string): boolean {
  writeScratch(scratch, content, true);
  try {
    linkSync(scratch, target);
    return true;
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw error;
  } finally {
    unlinkSync(scratch); // the scratch name must never alias a live allocation file
  }
}

/** Replaces `target` with `content` atomically (write aside, rename). */
export function replaceAtomically(scratch: string, target: string, content: string): void {
  writeScratch(scratch, content, false);
  renameSync(scratch, target);
}

export function removeIfPresent(path: string): void {
  rmSync(path, { force: true });
}

export function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

function writeScratch(scratch: string, content: string, durable: boolean): void {
  // Removed first: a crash may have left it hard-linked to an allocation.
  rmSync(scratch, { force: true });
  const fd = openSync(scratch, 'wx', 0o644);
  try {
    writeSync(fd, content);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function scratchPath(dir: string): string {
  return join(dir, 'scratch');
}
