import { closeSync, fsyncSync, linkSync, openSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
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
 * Writes and syncs `content` under `staged`, ready to be linked into place
 * by `linkExclusive`. It needs no lock: the content of an allocation file
 * does not depend on the address, and nobody else uses the name.
 */
export function stageFile(staged: string, content: string): void {
  writeScratch(staged, content, true);
}

/**
 * Creates `target` as a hard link to the complete, synced `staged` file: a
 * crash cannot leave a partial allocation, and the link fails with EEXIST
 * exactly as the reference's O_EXCL create does. One staged file may be
 * linked to several addresses (one per range set): each name is a whole
 * allocation file, and nobody ever writes into one.
 */
export function linkExclusive(staged: string, target: string): boolean {
  try {
    linkSync(staged, target);
    return true;
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw error;
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
  // Removed first: a crash may have left it hard-linked to an allocation (never write through such a link).
  rmSync(scratch, { force: true });
  const fd = openSync(scratch, 'wx', 0o644);
  try {
    writeSync(fd, content);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The scratch file of writes made under the lock. */
export function scratchPath(dir: string): string {
  return join(dir, 'scratch');
}

let stagedCount = 0;

/**
 * A name for a file staged before the lock is taken, which concurrent
 * processes must not share: `staged.<pid namespace>.<pid>.<count>` (the
 * count for several operations in one process). The pid says whose it is,
 * so that a file left by a process that was killed can be told from one
 * whose process is waiting for the lock (see staleStagedFiles).
 */
export function stagedPath(dir: string): string {
  return join(dir, `staged.${pidNamespace()}.${process.pid}.${stagedCount++}`);
}

/**
 * How old a staged file must be before it counts as left by a crash when
 * its pid cannot be looked up (another pid namespace, or a name without
 * one): far longer than anyone waits for the lock (60 s) and then works.
 */
const UNKNOWN_STAGED_MAX_AGE_MS = 10 * 60_000;
const UNKNOWN_NAMESPACE = '0';

/**
 * The staged files in `dir` that no live process will link: those of
 * processes of our pid namespace that are gone, and any other older than
 * UNKNOWN_STAGED_MAX_AGE_MS. A process killed between staging and linking
 * leaves one behind; without this they would pile up, one per crash.
 */
export function staleStagedFiles(dir: string): string[] {
  const ours = pidNamespace();
  const oldest = Date.now() - UNKNOWN_STAGED_MAX_AGE_MS;
  return readdirSync(dir)
    .filter((name) => name.startsWith('staged.'))
    .filter((name) => {
      const [, namespace, pid] = /^staged\.(\d+)\.(\d+)\.\d+$/.exec(name) ?? [];
      if (namespace === ours && ours !== UNKNOWN_NAMESPACE) return !processExists(Number(pid));
      return modifiedBefore(join(dir, name), oldest);
    })
    .map((name) => join(dir, name));
}

let ownPidNamespace: string | undefined;

/** The inode number of this process's pid namespace, UNKNOWN_NAMESPACE when /proc cannot say. */
function pidNamespace(): string {
  if (ownPidNamespace === undefined) {
    try {
      ownPidNamespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? UNKNOWN_NAMESPACE;
    } catch {
      ownPidNamespace = UNKNOWN_NAMESPACE;
    }
  }
  return ownPidNamespace;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, 'EPERM');
  }
}

function modifiedBefore(path: string, time: number): boolean {
  try {
    return statSync(path).mtimeMs < time;
  } catch {
    return false; // gone already
  }
}
