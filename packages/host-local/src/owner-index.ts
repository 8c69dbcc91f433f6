import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
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

  /** Replaces every entry with what a full scan found. */
  rebuild(allocations: readonly Allocation[]): void {
    mkdirSync(this.dir, { recursive: true });
    const stale = join(this.dir, 'owners.stale');
    rmSync(stale, { recursive: true, force: true });
    if (readdirSync(this.dir).includes('owners')) renameSync(this.ownersDir, stale);
    mkdirSync(this.ownersDir);
    const byOwner = new Map<string, { owner: Owner; ips: string[] }>();
    for (const { ip, owner } of allocations) {
      const key = this.entryPath(owner);
      const entry = byOwner.get(key) ?? { owner, ips: [] };
      entry.ips.push(ip);
      byOwner.set(key, entry);
    }
    for (const { owner, ips } of byOwner.values()) this.set(owner, ips);
    rmSync(stale, { recursive: true, force: true });
  }

  private entryPath(owner: Owner): string {
    // Names come from files anyone may write: encoded so none can leave the directory.
    return join(this.ownersDir, `${encodeURIComponent(owner.containerId)}:${encodeURIComponent(owner.ifName)}`);
  }
}
