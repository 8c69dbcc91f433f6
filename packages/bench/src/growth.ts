import type { Sandbox, TestNamespace } from '@tscni/core/testing';
import { attachment, conflist, leftovers, makeNode, makePods, SIDES, type BenchNode, type SideName } from './cni.js';
import { ratio, spread, type Table } from './format.js';
import type { BenchOptions } from './options.js';
import { alternate, compare, timed, type Comparison } from './stats.js';

export interface GrowthResults {
  pods: number;
  first: Comparison;
  last: Comparison;
  /** last/first per side, round by round. */
  growth: Comparison;
  leftovers: Record<SideName, string[]>;
}

/** Runs `task` over `items`, `width` at a time. */
async function inGroups<T>(items: T[], width: number, task: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(task));
}

/**
 * Table 3: the ADD latency of a pod on an empty node (the 1st) and on a node
 * with N-1 pods (the Nth), the full chain on each side. The reference's
 * ipMasq adds a chain and rules per pod; tscni-masq keeps one set per node.
 */
export async function measureGrowth(sandbox: Sandbox, options: BenchOptions): Promise<GrowthResults> {
  const nodes = { tscni: await makeNode(sandbox, 'g', 'tscni'), reference: await makeNode(sandbox, 'g', 'reference') };
  const probes = await makePods(sandbox, 'gp', 2);
  const probe = { tscni: probes[0]!, reference: probes[1]! };
  let id = 0;
  /** ADD of the probe pod, timed; its DEL, not. */
  const probeAdd = (side: SideName) => async () => {
    const node = nodes[side];
    const conf = conflist(side, node.dirs);
    const rt = attachment(probe[side], `probe-${id++}`);
    const ms = await timed(() => node.chain.add(conf, rt));
    await node.chain.del(conf, rt);
    return ms;
  };
  // The first pod ever also creates the bridge and the node's rules: measured from the second on.
  for (const side of SIDES) await probeAdd(side)();
  const first = await alternate(options.samples, probeAdd('tscni'), probeAdd('reference'));

  const filler = { tscni: await makePods(sandbox, 'gt', options.growth - 1), reference: await makePods(sandbox, 'gr', options.growth - 1) };
  const everyPod = async (side: SideName, op: 'add' | 'del') => {
    const node: BenchNode = nodes[side];
    const conf = conflist(side, node.dirs);
    await inGroups(filler[side], 4, (pod: TestNamespace) => node.chain[op](conf, attachment(pod, `fill-${pod.name}`)));
  };
  await Promise.all(SIDES.map((side) => everyPod(side, 'add')));
  const last = await alternate(options.samples, probeAdd('tscni'), probeAdd('reference'));
  await Promise.all(SIDES.map((side) => everyPod(side, 'del')));

  const perRound = (side: SideName) => {
    const [a, b] = side === 'tscni' ? [last.tscni, first.tscni] : [last.reference, first.reference];
    return [a.median / b.median];
  };
  return {
    pods: options.growth,
    first,
    last,
    growth: compare(perRound('tscni'), perRound('reference')),
    leftovers: { tscni: await leftovers(sandbox, nodes.tscni), reference: await leftovers(sandbox, nodes.reference) },
  };
}

export function growthTable(results: GrowthResults): Table {
  return {
    title: `3. Growth: ADD latency of the ${results.pods}th pod on a node against the 1st (ms, full chain)`,
    header: ['what', 'tscni', 'reference', 'tscni/ref', 'target'],
    rows: [
      ['ADD of the 1st pod', spread(results.first.tscni), spread(results.first.reference), ratio(results.first.ratio), ''],
      [`ADD of the ${results.pods}th pod`, spread(results.last.tscni), spread(results.last.reference), ratio(results.last.ratio), ''],
      [`${results.pods}th / 1st`, results.growth.tscni.median.toFixed(2), results.growth.reference.median.toFixed(2), '', '<= 1.1'],
    ],
    notes: [
      `leftovers after the ${results.pods - 1} other pods' DEL: tscni ${results.leftovers.tscni.join(', ') || '0'}, reference ${results.leftovers.reference.join(', ') || '0'}`,
    ],
  };
}
