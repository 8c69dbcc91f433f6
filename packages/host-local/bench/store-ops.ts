import { Allocator } from '../src/allocator.js';
import { DiskStore } from '../src/disk-store.js';
import { parseRangeSet } from '../src/range-config.js';

/**
 * The store's share of one ADD and one DEL, in process (no Node start-up,
 * no flock child): what grows with the number of allocations, if anything.
 */
export async function timeStoreOps(dataDir: string, samples: number): Promise<{ rebuild: number; add: number[]; del: number[] }> {
  const sets = [parseRangeSet([{ subnet: '10.250.0.0/16' }], 'ranges[0]')];
  const timed = async (fn: (store: DiskStore) => unknown): Promise<number> => {
    const start = performance.now();
    await DiskStore.locked(dataDir, 'bench', 1, fn);
    return performance.now() - start;
  };
  const owner = (i: number) => ({ containerId: `inproc-${i}`, ifName: 'eth0' });
  const rebuild = await timed(() => undefined);
  const add: number[] = [];
  const del: number[] = [];
  for (let i = 0; i < samples; i++) add.push(await timed((store) => new Allocator(store, sets).allocate(owner(i), [])));
  for (let i = 0; i < samples; i++) del.push(await timed((store) => store.releaseByOwner(owner(i))));
  return { rebuild, add, del };
}
