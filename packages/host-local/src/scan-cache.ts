import { closeSync, fstatSync, lstatSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseIp } from '@tscni/core';
import { isCode, parseOwner, readText, replaceAtomically, scratchPath } from './disk-files.js';
import type { Allocation, Owner } from './store.js';

/** What a scan read from one allocation file, and the file's identity when it was read. */
export interface KnownFile {
  ino: bigint;
  ctimeNs: bigint;
  owner: Owner;
}

/**
 * A file is remembered only if its ctime is at least this much older than
 * the scan. Any later change to it, or a file that replaces it (delete, then
 * create under the same name, perhaps on the same inode number), gets a later
 * ctime, even with the kernel's coarse timestamps; and unlike mtime, no
 * program can set a ctime. So same inode + same ctime means same content.
 */
const SETTLED_NS = 2_000_000_000n;

/**
 * Reads the owner of every allocation file of `dir` (the reference's walk,
 * top level only), except where `known` holds it for a file that still has
 * the same inode and ctime: after another plugin's change, only what it
 * wrote is read. `nowNs` is the wall clock when the scan starts, under the
 * lock. Returns the allocations and what to remember for the next scan.
 */
export function scanAllocations(
  dir: string,
  known: ReadonlyMap<string, KnownFile>,
  nowNs: bigint,
): { allocations: Allocation[]; remember: Map<string, KnownFile> } {
  const allocations: Allocation[] = [];
  const remember = new Map<string, KnownFile>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !parseIp(entry.name)) continue;
    const path = join(dir, entry.name);
    const file = stillTheSame(known.get(entry.name), path) ?? readAllocationFile(path);
    if (!file) continue; // removed by hand meanwhile: writers that play by the rules hold the lock
    allocations.push({ ip: entry.name, owner: file.owner });
    if (file.ctimeNs < nowNs - SETTLED_NS) remember.set(entry.name, file);
  }
  return { allocations, remember };
}

/** `before`, if `path` is still the file it describes (one lstat instead of a read). */
function stillTheSame(before: KnownFile | undefined, path: string): KnownFile | undefined {
  if (!before) return undefined;
  const stat = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  return stat?.ino === before.ino && stat.ctimeNs === before.ctimeNs ? before : undefined;
}

/** The owner and identity of an allocation file, from one open descriptor (no more system calls than a plain read). */
function readAllocationFile(path: string): KnownFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  try {
    const stat = fstatSync(fd, { bigint: true });
    return { ino: stat.ino, ctimeNs: stat.ctimeNs, owner: parseOwner(readFileSync(fd, 'utf8')) };
  } finally {
    closeSync(fd);
  }
}

/** The last line of a complete cache file: a file cut short by a crash is ignored whole. */
const END = 'end';

/**
 * `scanAllocations`' memory between processes, one line per file:
 * `<ip> <inode> <ctime in ns> <containerID> <ifname>` (names URI-encoded).
 */
export class ScanCache {
  constructor(private readonly dir: string) {}

  load(): Map<string, KnownFile> {
    const known = new Map<string, KnownFile>();
    const lines = (readText(this.path()) ?? '').split('\n');
    if (lines.at(-2) !== END) return known;
    for (const line of lines.slice(0, -2)) {
      const [ip, ino, ctimeNs, containerId, ifName] = line.split(' ');
      if (ip === undefined || ino === undefined || ctimeNs === undefined || containerId === undefined || ifName === undefined) continue;
      known.set(ip, {
        ino: BigInt(ino),
        ctimeNs: BigInt(ctimeNs),
        owner: { containerId: decodeURIComponent(containerId), ifName: decodeURIComponent(ifName) },
      });
    }
    return known;
  }

  save(known: ReadonlyMap<string, KnownFile>): void {
    const lines = [...known].map(
      ([ip, { ino, ctimeNs, owner }]) => `${ip} ${ino} ${ctimeNs} ${encodeURIComponent(owner.containerId)} ${encodeURIComponent(owner.ifName)}\n`,
    );
    replaceAtomically(scratchPath(this.dir), this.path(), lines.join('') + END + '\n');
  }

  private path(): string {
    return join(this.dir, 'scan-cache');
  }
}
