import { netnsExists, silentLogger, type Logger } from '@tscni/core';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LAST_RESERVED_PREFIX } from '../disk-files.js';
import { DiskStore } from '../disk-store.js';
import type { PodRecord } from '../pod-record.js';
import { isReadableOwner, type Owner } from '../store.js';

/** One allocated address of a store, with what is known of its holder. */
export interface HeldAddress {
  network: string;
  ip: string;
  owner: Owner;
  /** False for a file emptied or cut short by a crash: nobody can be matched to it. */
  readable: boolean;
  /** What ADD recorded (tscni-host-local only; the reference records nothing). */
  pod: PodRecord | undefined;
}

/** The networks of a data directory: `<dataDir>/<network>` (our own side directory starts with a dot, no network can). */
export function networksIn(dataDir: string): string[] {
  if (!existsSync(dataDir)) return [];
  return readdirSync(dataDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

/** Every address held in `network`, read under the store's lock so no half-done operation shows. */
export async function listHeld(dataDir: string, network: string, log: Logger = silentLogger): Promise<HeldAddress[]> {
  if (!existsSync(join(dataDir, network))) return [];
  return withStore(dataDir, network, log, (store) =>
    store
      .allocations()
      .map(({ ip, owner }) => ({ network, ip, owner, readable: isReadableOwner(owner), pod: store.podRecord(ip, owner) }))
      .sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true })),
  );
}

/** Releases `held.ip` if `held.owner` still holds it (an address released and taken again since is left alone). */
export async function releaseHeld(dataDir: string, held: Pick<HeldAddress, 'network' | 'ip' | 'owner'>, log: Logger = silentLogger): Promise<boolean> {
  if (!existsSync(join(dataDir, held.network))) return false;
  return withStore(dataDir, held.network, log, (store) => store.releaseAddress(held.ip, held.owner));
}

/**
 * Why an address looks leaked, seen from the node alone, or undefined when
 * nothing says so: the network namespace ADD was given is gone (the
 * container is, so a DEL went missing), or the file names no owner.
 */
export async function leakSign(held: HeldAddress): Promise<string | undefined> {
  if (!held.readable) return 'the allocation file names no owner (emptied or cut short by a crash)';
  const netns = held.pod?.netns;
  if (netns && !(await netnsExists(netns))) return `its network namespace ${netns} is gone`;
  return undefined;
}

/**
 * The store under its lock. The number of range sets only shapes the
 * store's fingerprint: counted from the cursors on disk; a plugin that
 * counts differently rebuilds its index once, which is always safe.
 */
function withStore<T>(dataDir: string, network: string, log: Logger, fn: (store: DiskStore) => T): Promise<T> {
  const cursors = readdirSync(join(dataDir, network))
    .filter((name) => name.startsWith(LAST_RESERVED_PREFIX))
    .map((name) => Number(name.slice(LAST_RESERVED_PREFIX.length)))
    .filter(Number.isInteger);
  return DiskStore.locked(dataDir, network, Math.max(0, ...cursors.map((n) => n + 1)), fn, { log });
}
