import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readText, replaceAtomically, removeIfPresent, scratchPath } from './disk-files.js';
import type { Allocation, Owner } from './store.js';

/** Entries are spread over this many shard files: small enough to rewrite whole, few enough to rebuild fast. */
const SHARDS = 256;

/**
 * containerID + ifname -> addresses, so that DEL and the duplicate check of
 * ADD need not read every allocation file (the reference's O(n) walk).
 *
 * It is a cache of the reference-format directory, never the truth. Beside
 * it we keep the directory's fingerprint as we left it; when the lock is next
 * taken and the fingerprint differs, something else (the reference plugin,
 * an operator, a crash of ours) changed the directory, and the index is
 * rebuilt from a full scan. Entries are still checked against the files they
 * name on every use (see DiskStore.findByOwner).
 *
 * Each shard file holds lines `<containerID> <ifname> <ip>[,<ip>]` (names
 * URI-encoded), for the owners whose hash picks it.
 */
export class OwnerIndex {
  private readonly shardsDir: string;
  private readonly fingerprintFile: string;

  constructor(private readonly dir: string) {
    this.shardsDir = join(dir, 'shards');
    this.fingerprintFile = join(dir, 'fingerprint');
  }

  /** True when the index describes the directory whose fingerprint is `current`. */
  isCurrent(current: string): boolean {
    return readText(this.fingerprintFile) === current && existsSync(this.shardsDir);
  }

  /** Records the fingerprint the directory has after our own changes. */
  seal(fingerprint: string): void {
    replaceAtomically(scratchPath(this.dir), this.fingerprintFile, fingerprint);
  }

  get(owner: Owner): string[] | undefined {
    return this.readShard(owner).get(keyOf(owner));
  }

  set(owner: Owner, ips: readonly string[]): void {
    const entries = this.readShard(owner);
    if (ips.length > 0) entries.set(keyOf(owner), [...ips]);
    else if (!entries.delete(keyOf(owner))) return;
    const path = join(this.shardsDir, shardOf(keyOf(owner)));
    if (entries.size === 0) return removeIfPresent(path);
    replaceAtomically(scratchPath(this.dir), path, formatShard(entries));
  }

  /**
   * Replaces every entry with what a full scan found. The shards are written
   * into a fresh directory and swapped in; plain writes suffice there because
   * a crash before the new fingerprint is sealed makes the next operation
   * rebuild again.
   */
  rebuild(allocations: readonly Allocation[]): void {
    const next = join(this.dir, 'shards.next');
    const stale = join(this.dir, 'shards.stale');
    for (const leftover of [next, stale]) rmSync(leftover, { recursive: true, force: true });
    mkdirSync(next, { recursive: true });
    const shards = new Map<string, Map<string, string[]>>();
    for (const { ip, owner } of allocations) {
      const key = keyOf(owner);
      const shard = shards.get(shardOf(key)) ?? new Map<string, string[]>();
      shard.set(key, [...(shard.get(key) ?? []), ip]);
      shards.set(shardOf(key), shard);
    }
    for (const [name, entries] of shards) writeFileSync(join(next, name), formatShard(entries));
    if (existsSync(this.shardsDir)) renameSync(this.shardsDir, stale);
    renameSync(next, this.shardsDir);
    rmSync(stale, { recursive: true, force: true });
  }

  private readShard(owner: Owner): Map<string, string[]> {
    const entries = new Map<string, string[]>();
    const text = readText(join(this.shardsDir, shardOf(keyOf(owner)))) ?? '';
    for (const line of text.split('\n')) {
      const [id, ifName, ips] = line.split(' ');
      if (id !== undefined && ifName !== undefined && ips) entries.set(`${id} ${ifName}`, ips.split(','));
    }
    return entries;
  }
}

/** Owners come from files anyone may write: encoded so that no name can contain a space or newline. */
function keyOf(owner: Owner): string {
  return `${encodeURIComponent(owner.containerId)} ${encodeURIComponent(owner.ifName)}`;
}

function formatShard(entries: Map<string, string[]>): string {
  return [...entries].map(([key, ips]) => `${key} ${ips.join(',')}\n`).join('');
}

/** FNV-1a: a cheap, stable spread of keys over the shards. */
function shardOf(key: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return (hash % SHARDS).toString(16).padStart(2, '0');
}
