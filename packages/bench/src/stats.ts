/** A sample's centre and spread: the median with the 10th and 90th percentiles. */
export interface Summary {
  median: number;
  p10: number;
  p90: number;
  n: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  // Linear interpolation between the closest ranks.
  const rank = (sorted.length - 1) * p;
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 0.5), p10: percentile(sorted, 0.1), p90: percentile(sorted, 0.9), n: sorted.length };
}

/** Two sides measured in one run, and their ratio taken pair by pair (A/B of the same round). */
export interface Comparison {
  tscni: Summary;
  reference: Summary;
  ratio: Summary;
}

export function compare(tscni: readonly number[], reference: readonly number[]): Comparison {
  const pairs = Math.min(tscni.length, reference.length);
  const ratios = Array.from({ length: pairs }, (_, i) => tscni[i]! / reference[i]!);
  return { tscni: summarize(tscni), reference: summarize(reference), ratio: summarize(ratios) };
}

/**
 * Measures two sides alternately, swapping which goes first every round
 * (ABBA...), so a drift in the machine's load falls on both alike.
 */
export async function alternate(
  rounds: number,
  tscni: (round: number) => Promise<number>,
  reference: (round: number) => Promise<number>,
): Promise<Comparison> {
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      a.push(await tscni(round));
      b.push(await reference(round));
    } else {
      b.push(await reference(round));
      a.push(await tscni(round));
    }
  }
  return compare(a, b);
}

/** Milliseconds that `fn` takes. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
