import { sameOwner, type Allocation, type Owner, type Store } from '../src/store.js';

/** An in-memory Store for allocator tests: no disk, no lock, no root. */
export class FakeStore implements Store {
  readonly held = new Map<string, Owner>();
  readonly cursors = new Map<number, string>();

  lastReserved(setIndex: number): string | undefined {
    return this.cursors.get(setIndex);
  }

  reserve(ip: string, owner: Owner, setIndex: number): boolean {
    if (this.held.has(ip)) return false;
    this.held.set(ip, owner);
    this.cursors.set(setIndex, ip);
    return true;
  }

  findByOwner(owner: Owner): string[] {
    return [...this.held].filter(([, holder]) => sameOwner(holder, owner)).map(([ip]) => ip);
  }

  releaseByOwner(owner: Owner): string[] {
    const ips = this.findByOwner(owner);
    for (const ip of ips) this.held.delete(ip);
    return ips;
  }

  allocations(): Allocation[] {
    return [...this.held].map(([ip, owner]) => ({ ip, owner }));
  }
}
