import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { BackendKind } from '../options.js';
import type { RuleSet } from './rule-set.js';

/**
 * How long an ADD believes a stamp. The node agent re-reads the rules every
 * 30 s (RESYNC_MS) and rewrites the stamp, so on an agent-run node the stamp
 * never ages past this and no ADD runs iptables; the margin covers a slow
 * pass. Without an agent, the first ADD this long after the last
 * verification reads the rules again: that bounds how long a flushed nat
 * table (which no file records) goes unrepaired.
 */
export const STAMP_TRUST_MS = 45_000;

/** Which backend holds a set: iptables in its flavour, or nftables. */
export type StampedBackend = 'iptables-nft' | 'iptables-legacy' | 'nftables';

interface StampEntry {
  backend: StampedBackend;
  digest: string;
  /** When a writer, holding the lock, last saw exactly this set in place (ms since the epoch). */
  at: number;
}

interface StampContent {
  /** The boot and the network namespace the rules live in: a stamp says nothing about another. */
  boot: string;
  netns: string;
  /** By `<iptables|nftables>/<chain>/<family>`. */
  sets: Record<string, StampEntry>;
}

/** The stamp lives next to the lock its writers hold: `/run/tscni/masq.lock` -> `/run/tscni/masq.stamp`. */
export function stampFileFor(lockFile: string): string {
  return `${lockFile.replace(/\.lock$/, '')}.stamp`;
}

const key = (kind: 'iptables' | 'nftables', set: RuleSet) => `${kind}/${set.chain}/${set.family}`;
const kindOf = (backend: BackendKind | StampedBackend) => (backend === 'nftables' ? 'nftables' : 'iptables');
const digestOf = (set: RuleSet) => createHash('sha256').update(JSON.stringify([set.family, set.chain, set.nonMasqueradeCidrs])).digest('hex');

/**
 * What the last writer saw in place, so that an ADD whose set is already
 * there needs no iptables process at all. Written only by a writer holding
 * the lock, after its transactions committed; removed before a writer
 * commits, so a crash in between leaves no stamp (one full read the next
 * time), never a stamp naming a set that is not in place. It cannot see a
 * flush by hand: hence STAMP_TRUST_MS, and CHECK, which always reads the
 * rules, removes it when they differ.
 */
export class RuleStamp {
  private where: { boot: string; netns: string } | null | undefined;

  constructor(
    readonly path: string,
    private readonly netns?: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a fresh stamp of this boot and namespace names every set, in the backend the config asks for. */
  covers(kind: BackendKind, sets: readonly RuleSet[]): boolean {
    const stamp = this.read();
    if (!stamp) return false;
    const now = this.now();
    return sets.every((set) => {
      const entry = stamp.sets[key(kindOf(kind), set)];
      return entry !== undefined && entry.digest === digestOf(set) && entry.at <= now && now - entry.at < STAMP_TRUST_MS;
    });
  }

  /** Records that `sets` are in place in `backend` now, keeping the other sets the stamp holds. Call with the lock held. */
  record(backend: StampedBackend, sets: readonly RuleSet[]): void {
    const where = this.identity();
    if (!where) return;
    const previous = this.read();
    const content: StampContent = { ...where, sets: { ...previous?.sets } };
    const at = this.now();
    for (const set of sets) content.sets[key(kindOf(backend), set)] = { backend, digest: digestOf(set), at };
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, JSON.stringify(content) + '\n');
      renameSync(temporary, this.path); // readers see the old stamp or the new one, never half of one
    } catch {
      // The rules are in place: a stamp not written only costs the next ADD a read.
      rmSync(temporary, { force: true });
    }
  }

  /** Forgets every set: before a commit, or once the rules were seen to differ. */
  remove(): void {
    try {
      unlinkSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** The stamp when it is readable and of this boot and namespace; anything else is no stamp. */
  private read(): StampContent | undefined {
    try {
      const where = this.identity();
      const stamp = JSON.parse(readFileSync(this.path, 'utf8')) as StampContent;
      if (!where || stamp.boot !== where.boot || stamp.netns !== where.netns) return undefined;
      return typeof stamp.sets === 'object' && stamp.sets !== null ? stamp : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The boot, and the namespace by its nsfs device and inode (the same from
   * inside it and through a path to it). The kernel reuses the inode of a
   * namespace that is gone: a new namespace could then be taken for a dead
   * one, if it shares the lock file and within STAMP_TRUST_MS only. A node's
   * own namespace lives as long as the boot.
   */
  private identity(): { boot: string; netns: string } | undefined {
    if (this.where === undefined) {
      try {
        const ns = statSync(this.netns ?? '/proc/self/ns/net');
        this.where = { boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), netns: `${ns.dev}:${ns.ino}` };
      } catch {
        this.where = null;
      }
    }
    return this.where ?? undefined;
  }
}
