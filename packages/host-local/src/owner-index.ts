import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readText, removeIfPresent, replaceAtomically, scratchPath } from './disk-files.js';
import type { Allocation, Owner } from './store.js';

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
 */
export class OwnerIndex {
  private readonly ownersDir: string;
  private readonly fingerprintFile: string;

  constructor(private readonly dir: string) {
    this.ownersDir = join(dir, 'owners');
    this.fingerprintFile = join(dir, 'fingerprint');
  }

  /** True when the index describes the directory whose fingerprint is `current`. */
  isCurrent(current: string): boolean {
    return readText(this.fingerprintFile) === current;
  }

  /** Records the fingerprint the directory has after our own changes. */
  seal(fingerprint: string): void {
    replaceAtomically(scratchPath(this.dir), this.fingerprintFile, fingerprint);
  }

  get(owner: Owner): string[] | undefined {
    const text = readText(this.entryPath(owner));
    return text === undefined ? undefined : text.split('\n').filter(Boolean);
  }

  set(owner: Owner, ips: readonly string[]): void {
    if (ips.length === 0) return removeIfPresent(this.entryPath(owner));
    replaceAtomically(scratchPath(this.dir), this.entryPath(owner), ips.join('\n'));
  }

  /**
   * Replaces every entry with what a full scan found. The new entries are
   * written into a fresh directory and swapped in; plain writes suffice
   * there because a crash before the new fingerprint is sealed makes the
   * next operation rebuild again.
   */
  rebuild(allocations: readonly Allocation[]): void {
    const next = join(this.dir, 'owners.next');
    const stale = join(this.dir, 'owners.stale');
    for (const leftover of [next, stale]) rmSync(leftover, { recursive: true, force: true });
    mkdirSync(next, { recursive: true });
    const byOwner = new Map<string, string[]>();
    for (const { ip, owner } of allocations) {
      const name = entryName(owner);
      byOwner.set(name, [...(byOwner.get(name) ?? []), ip]);
    }
    for (const [name, ips] of byOwner) writeFileSync(join(next, name), ips.join('\n'));
    if (existsSync(this.ownersDir)) renameSync(this.ownersDir, stale);
    renameSync(next, this.ownersDir);
    rmSync(stale, { recursive: true, force: true });
  }

  private entryPath(owner: Owner): string {
    return join(this.ownersDir, entryName(owner));
  }
}

/** Owners come from files anyone may write: encoded so that no name can leave the directory. */
function entryName(owner: Owner): string {
  return `${encodeURIComponent(owner.containerId)}:${encodeURIComponent(owner.ifName)}`;
}
