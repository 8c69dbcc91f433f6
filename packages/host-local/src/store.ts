import { interfaceNameProblem, validateContainerId } from '@tscni/core';

/** Who holds an address: the reference's key, `<containerID>\r\n<ifname>`. */
export interface Owner {
  containerId: string;
  ifName: string;
}

export interface Allocation {
  ip: string;
  owner: Owner;
}

/**
 * What the allocator needs from storage. The disk store keeps the reference
 * host-local's format; tests use an in-memory one. Callers hold the store's
 * lock around a whole operation.
 */
export interface Store {
  /** The last address reserved in range set `setIndex` (round-robin cursor). */
  lastReserved(setIndex: number): string | undefined;
  /** Takes `ip` for `owner`; false when someone already holds it. */
  reserve(ip: string, owner: Owner, setIndex: number): boolean;
  /** The addresses `owner` holds. */
  findByOwner(owner: Owner): string[];
  /** Releases everything `owner` holds; returns what was released. */
  releaseByOwner(owner: Owner): string[];
  /** Every allocation (GC, STATUS): a full scan is acceptable there. */
  allocations(): Allocation[];
}

export function sameOwner(a: Owner, b: Owner): boolean {
  return a.containerId === b.containerId && a.ifName === b.ifName;
}

/**
 * False for an allocation file whose owner cannot be read: empty, or cut or
 * filled with zeros by a crash or a power loss (the reference host-local
 * creates the file, then writes it, and never syncs). Such an address
 * stays taken: DEL cannot match it to anyone, and GC keeps it too, as it
 * might be a valid attachment's. The store logs it; an operator removes it.
 */
export function isReadableOwner(owner: Owner): boolean {
  try {
    validateContainerId(owner.containerId);
  } catch {
    return false;
  }
  return owner.ifName === '' || interfaceNameProblem(owner.ifName) === undefined;
}
