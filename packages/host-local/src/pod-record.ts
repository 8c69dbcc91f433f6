import type { CmdArgs } from '@tscni/core';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readText, removeIfPresent, replaceAtomically, scratchPath } from './disk-files.js';
import type { Allocation, Owner } from './store.js';

/**
 * Who asked for an address, as ADD knew it: the container, its network
 * namespace, and the pod that kubelet names in CNI_ARGS. The reference's
 * allocation file holds only `<containerID>\r\n<ifname>` (it compares whole
 * file contents), so this lives beside it, in our own directory, one file per
 * address: `<dataDir>/.tscni-host-local/<network>/pods/<ip>`.
 *
 * It lets a person see which pod holds an address (`tscni ipam ls`) and lets
 * the node agent release the addresses of pods that no longer exist. It is
 * only ever a hint next to the allocation file: a record whose owner is not
 * the allocation file's (the reference released and reallocated the address)
 * is stale and ignored.
 */
export interface PodRecord {
  containerId: string;
  ifName: string;
  /** CNI_NETNS at ADD. */
  netns: string;
  /** K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_UID when the runtime is kubelet's. */
  namespace?: string;
  name?: string;
  uid?: string;
  /** When the address was taken (ISO 8601). */
  allocatedAt: string;
}

export function podRecordOf(args: Pick<CmdArgs, 'containerId' | 'ifName' | 'netns' | 'args'>, now = new Date()): PodRecord {
  const record: PodRecord = { containerId: args.containerId, ifName: args.ifName, netns: args.netns, allocatedAt: now.toISOString() };
  const namespace = args.args.get('K8S_POD_NAMESPACE');
  const name = args.args.get('K8S_POD_NAME');
  const uid = args.args.get('K8S_POD_UID');
  if (namespace) record.namespace = namespace;
  if (name) record.name = name;
  if (uid) record.uid = uid;
  return record;
}

/** The records of one network's addresses, in `<sideDir>/pods`. Callers hold the store's lock. */
export class PodRecords {
  private readonly dir: string;

  constructor(private readonly sideDir: string) {
    this.dir = join(sideDir, 'pods');
  }

  write(ip: string, record: PodRecord): void {
    mkdirSync(this.dir, { recursive: true });
    replaceAtomically(scratchPath(this.sideDir), join(this.dir, ip), JSON.stringify(record) + '\n');
  }

  /** The record of `ip` if it is `owner`'s; undefined when there is none, it is unreadable or stale. */
  read(ip: string, owner: Owner): PodRecord | undefined {
    const record = parseRecord(readText(join(this.dir, ip)));
    return record && record.containerId === owner.containerId && record.ifName === owner.ifName ? record : undefined;
  }

  remove(ip: string): void {
    removeIfPresent(join(this.dir, ip));
  }

  /** Removes the records that no allocation confirms: released or reallocated by another plugin (the reference knows nothing of them). */
  prune(allocations: readonly Allocation[]): void {
    const owners = new Map(allocations.map((allocation) => [allocation.ip, allocation.owner]));
    for (const ip of this.ips()) {
      const owner = owners.get(ip);
      if (!owner || !this.read(ip, owner)) this.remove(ip);
    }
  }

  private ips(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }
}

function parseRecord(text: string | undefined): PodRecord | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<PodRecord> | null;
    if (typeof value?.containerId !== 'string' || typeof value.ifName !== 'string') return undefined;
    return value as PodRecord;
  } catch {
    return undefined; // cut short by a crash: no record, the address itself is unaffected
  }
}
