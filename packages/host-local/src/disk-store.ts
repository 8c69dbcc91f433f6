import { crashPoint, parseIp, requestFileLock, silentLogger, type Logger } from '@tscni/core';
import { existsSync, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  LAST_RESERVED_PREFIX,
  LOCK_FILE,
  isCode,
  linkExclusive,
  ownerMatches,
  ownerText,
  parseOwner,
  readText,
  removeIfPresent,
  replaceAtomically,
  scratchPath,
  stageFile,
  stagedPath,
  staleStagedFiles,
} from './disk-files.js';
import { OwnerIndex } from './owner-index.js';
import { PodRecords, type PodRecord } from './pod-record.js';
import { isReadableOwner, sameOwner, type Allocation, type Owner, type Store } from './store.js';

/**
 * The reference host-local's store: `<dataDir>/<network>/<ip>` files holding
 * the owner, `last_reserved_ip.<set>` cursors, and an exclusive flock on
 * `<dataDir>/<network>/lock` around every operation, so this plugin and the
 * reference can share a directory. Our owner index and scratch files live in
 * `<dataDir>/.tscni-host-local/<network>`, which the reference never reads
 * (a network name cannot start with a dot).
 */
export class DiskStore implements Store {
  private readonly index: OwnerIndex;
  private readonly pods: PodRecords;
  private readonly sideDir: string;
  /** The allocation file written ahead for an owner, which `reserve` links into place. */
  private staged: { owner: Owner; path: string } | undefined;

  private constructor(
    readonly dir: string,
    dataDir: string,
    network: string,
    private readonly setCount: number,
    private readonly log: Logger,
  ) {
    this.sideDir = join(dataDir, '.tscni-host-local', network);
    this.index = new OwnerIndex(this.sideDir);
    this.pods = new PodRecords(this.sideDir);
  }

  /**
   * Runs `fn` with the network's store under its lock. Other plugins wait for
   * as long as we hold it, so what needs no lock happens while the lock is
   * being taken: with `stageFor`, the allocation file for that owner is
   * written and synced then, leaving `reserve` a link() under the lock.
   * What a crash left behind is repaired under the lock and logged to `log`.
   */
  static async locked<T>(
    dataDir: string,
    network: string,
    setCount: number,
    fn: (store: DiskStore) => T,
    options: { stageFor?: Owner; log?: Logger } = {},
  ): Promise<T> {
    const dir = join(dataDir, network);
    mkdirSync(dir, { recursive: true });
    const lock = requestFileLock(join(dir, LOCK_FILE));
    const store = new DiskStore(dir, dataDir, network, setCount, options.log ?? silentLogger);
    try {
      mkdirSync(store.sideDir, { recursive: true });
      if (options.stageFor) store.stage(options.stageFor);
      await lock.held;
      if (options.stageFor) crashPoint('host-local-add:staged');
      store.removeStaleStagedFiles();
      if (!store.index.isCurrent(store.fingerprint())) store.rebuildIndex();
      try {
        return fn(store);
      } finally {
        store.index.seal(store.fingerprint());
      }
    } finally {
      lock.release();
      store.unstage(); // only the name: the links made from it are allocations now
    }
  }

  /**
   * The round-robin cursor. One that holds no address (cut short or zeroed
   * by a power loss: the reference writes it in place) is logged and read
   * as none, so allocation starts over at the range start, skipping what is
   * taken as always; the next reservation rewrites it.
   */
  lastReserved(setIndex: number): string | undefined {
    const file = join(this.dir, LAST_RESERVED_PREFIX + setIndex);
    const text = readText(file)?.trim();
    if (text === undefined || parseIp(text)) return text;
    this.log.warn('the round-robin cursor is unreadable (emptied or cut short by a crash?): allocation starts over at the range start', {
      file,
      content: JSON.stringify(text.slice(0, 64)),
    });
    return undefined;
  }

  reserve(ip: string, owner: Owner, setIndex: number): boolean {
    const target = join(this.dir, ip);
    // Cheap test first: in a full range most candidates are taken.
    if (existsSync(target)) return false;
    if (!linkExclusive(this.stagedFileFor(owner), target)) return false;
    crashPoint('host-local-add:linked');
    this.index.set(owner, [...(this.index.get(owner) ?? []), ip]);
    replaceAtomically(scratchPath(this.sideDir), join(this.dir, LAST_RESERVED_PREFIX + setIndex), ip);
    return true;
  }

  /**
   * The index's answer when every address it names is still held by the
   * owner; otherwise the directory changed behind our back, and a scan
   * gives the answer (and repairs the entry).
   */
  findByOwner(owner: Owner): string[] {
    // Old reference versions wrote the container ID alone, indexed with an empty ifname.
    const legacy = { containerId: owner.containerId, ifName: '' };
    const indexed = [...(this.index.get(owner) ?? []), ...(this.index.get(legacy) ?? [])];
    if (indexed.every((ip) => this.holds(ip, owner))) return indexed;
    const found = this.allocations().filter((allocation) => ownerMatches(allocation.owner, owner));
    this.index.set(owner, found.filter((allocation) => allocation.owner.ifName !== '').map((allocation) => allocation.ip));
    this.index.set(legacy, found.filter((allocation) => allocation.owner.ifName === '').map((allocation) => allocation.ip));
    return found.map((allocation) => allocation.ip);
  }

  /** Notes who took `ips` (see PodRecord); the allocation files stay the reference's format. */
  recordPod(ips: readonly string[], record: PodRecord): void {
    for (const ip of ips) this.pods.write(ip, record);
  }

  /** The record of the pod holding `ip`, when ADD made one and it still describes the allocation. */
  podRecord(ip: string, owner: Owner): PodRecord | undefined {
    return this.pods.read(ip, owner);
  }

  /**
   * Releases `ip` alone, and only while `owner` (exactly) holds it: what a
   * person or the agent saw when they decided may have changed since.
   */
  releaseAddress(ip: string, owner: Owner): boolean {
    const text = readText(join(this.dir, ip));
    if (text === undefined || !sameOwner(parseOwner(text), owner)) return false;
    this.release(ip);
    this.index.set(owner, (this.index.get(owner) ?? []).filter((held) => held !== ip));
    return true;
  }

  releaseByOwner(owner: Owner): string[] {
    const ips = this.findByOwner(owner);
    for (const ip of ips) this.release(ip);
    this.index.set(owner, []);
    this.index.set({ containerId: owner.containerId, ifName: '' }, []);
    return ips;
  }

  /** Every `<ip>` file of the directory and its owner: the reference's walk, top level only. */
  allocations(): Allocation[] {
    const allocations: Allocation[] = [];
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      if (!entry.isFile() || !parseIp(entry.name)) continue;
      const text = readText(join(this.dir, entry.name));
      if (text !== undefined) allocations.push({ ip: entry.name, owner: parseOwner(text) });
    }
    return allocations;
  }

  /** The allocated addresses, from the file names alone (no file is read). */
  allocatedIps(): string[] {
    return readdirSync(this.dir).filter((name) => parseIp(name));
  }

  /** Rebuilds the owner index from a scan, and says which allocations have no owner anyone can match. */
  private rebuildIndex(): void {
    const allocations = this.allocations();
    this.index.rebuild(allocations);
    this.pods.prune(allocations);
    const unreadable = allocations.filter((allocation) => !isReadableOwner(allocation.owner)).map((allocation) => allocation.ip);
    if (unreadable.length > 0) {
      this.log.warn('allocation files with no readable owner (emptied or cut short by a crash?) stay taken: remove them by hand once nothing uses their address', {
        dir: this.dir,
        addresses: unreadable,
      });
    }
  }

  /** Removes the files staged by processes that were killed before they linked them (see staleStagedFiles). */
  private removeStaleStagedFiles(): void {
    const stale = staleStagedFiles(this.sideDir);
    for (const path of stale) removeIfPresent(path);
    if (stale.length > 0) this.log.info('removed allocation files staged by processes that died before linking them', { files: stale });
  }

  private cursorText(setIndex: number): string | undefined {
    return readText(join(this.dir, LAST_RESERVED_PREFIX + setIndex))?.trim() || undefined;
  }

  private stage(owner: Owner): void {
    this.unstage();
    const path = stagedPath(this.sideDir);
    stageFile(path, ownerText(owner));
    this.staged = { owner, path };
  }

  private unstage(): void {
    if (this.staged) removeIfPresent(this.staged.path);
    this.staged = undefined;
  }

  /** The staged file for `owner`, written now (under the lock) if the caller did not stage it. */
  private stagedFileFor(owner: Owner): string {
    if (!this.staged || !sameOwner(this.staged.owner, owner)) this.stage(owner);
    return this.staged!.path;
  }

  private release(ip: string): void {
    try {
      unlinkSync(join(this.dir, ip));
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
    }
    this.pods.remove(ip);
  }

  private holds(ip: string, owner: Owner): boolean {
    const text = readText(join(this.dir, ip));
    return text !== undefined && ownerMatches(parseOwner(text), owner);
  }

  /**
   * Changes if any file is added to or removed from the directory (its inode
   * and mtime), or the reference moved a round-robin cursor (it rewrites
   * `last_reserved_ip.<set>` on every ADD, which also covers an ADD landing
   * within the same timestamp tick as our last change).
   */
  private fingerprint(): string {
    const stat = statSync(this.dir, { bigint: true });
    const cursors = Array.from({ length: this.setCount }, (_, i) => this.cursorText(i) ?? '-');
    return [stat.ino, stat.mtimeNs, ...cursors].join(' ');
  }
}
