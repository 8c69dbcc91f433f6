import { parseOptions } from '../src/options.js';
import { alternate, compare, summarize } from '../src/stats.js';

describe('bench statistics', () => {
  it('summarises with the median and the 10th and 90th percentiles', () => {
    expect(summarize([5, 1, 4, 2, 3])).toEqual({ median: 3, p10: 1.4, p90: 4.6, n: 5 });
    expect(summarize([]).median).toBeNaN();
  });

  it('takes ratios pair by pair', () => {
    expect(compare([2, 4, 6], [1, 2, 2]).ratio.median).toBe(2);
  });

  it('alternates the sides, swapping which goes first every round', async () => {
    const order: string[] = [];
    const side = (name: string) => async () => (order.push(name), 1);
    await alternate(3, side('a'), side('b'));
    expect(order).toEqual(['a', 'b', 'b', 'a', 'a', 'b']);
  });
});

describe('bench options', () => {
  it('has full sizes by default and small ones with --quick', () => {
    expect(parseOptions([])).toMatchObject({ burst: 100, growth: 500, nodeBursts: [1, 100, 1000, 5000], netpolPolicies: [10, 100, 1000], netpolPods: 1000, scaleNodes: 5000, churnNodes: 1000, churnSeconds: 30, tables: [1, 2, 3, 4, 5, 6, 7, 8] });
    expect(parseOptions(['--quick', '--n', '7', '--tables', '2,6'])).toMatchObject({ quick: true, burst: 7, tables: [2, 6] });
    expect(parseOptions(['--quick'])).toMatchObject({ netpolPolicies: [10], netpolPods: 100, scaleNodes: 200, churnNodes: 50, churnSeconds: 5 });
    expect(parseOptions(['--scale-nodes', '20000', '--churn-nodes', '10', '--churn-seconds', '3'])).toMatchObject({ scaleNodes: 8000, churnNodes: 10, churnSeconds: 3 });
    expect(parseOptions(['--policies', '100,10', '--netpol-pods', '500'])).toMatchObject({ netpolPolicies: [10, 100], netpolPods: 500 });
  });

  it('refuses what it does not know', () => {
    expect(() => parseOptions(['--n', 'many'])).toThrow('positive whole number');
    expect(() => parseOptions(['--tables', '9'])).toThrow('1-8');
    expect(() => parseOptions(['--policies', '10,x'])).toThrow('--policies');
    expect(() => parseOptions(['--fast'])).toThrow('unknown option');
  });
});
