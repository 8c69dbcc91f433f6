import type { RouteInfo } from '@tscni/core';
import { planRoutes } from '../src/route-plan.js';

const peer = (dst: string, via: string) => ({ dst, via, node: `n-${via}` });
const ours = (dst: string, gateway: string): RouteInfo => ({ dst, gateway, dev: 'eth0', protocol: '243' });

describe('planRoutes', () => {
  test('adds missing routes with our protocol, in both families', () => {
    const plan = planRoutes([peer('10.244.1.0/24', '172.17.0.3'), peer('fd00:10:244:1::/64', 'fd00::3')], [], { removeStale: true });
    expect(plan.commands).toEqual([
      ['route', 'replace', '10.244.1.0/24', 'via', '172.17.0.3', 'proto', '243'],
      ['route', 'replace', 'fd00:10:244:1::/64', 'via', 'fd00::3', 'proto', '243'],
    ]);
  });

  test('does nothing when the table already matches (any spelling of the prefix)', () => {
    const plan = planRoutes([peer('10.244.1.5/24', '172.17.0.3')], [ours('10.244.1.0/24', '172.17.0.3')], { removeStale: true });
    expect(plan).toEqual({ commands: [], replaced: [], blockedByForeign: [], stale: [] });
  });

  test('re-points a route whose peer changed address', () => {
    const plan = planRoutes([peer('10.244.1.0/24', '172.17.0.9')], [ours('10.244.1.0/24', '172.17.0.3')], { removeStale: true });
    expect(plan.commands).toEqual([['route', 'replace', '10.244.1.0/24', 'via', '172.17.0.9', 'proto', '243']]);
  });

  test('deletes our routes that are no longer wanted, only when asked', () => {
    const actual = [ours('10.244.1.0/24', '172.17.0.3'), ours('10.99.0.0/24', '172.17.0.9')];
    const plan = planRoutes([peer('10.244.1.0/24', '172.17.0.3')], actual, { removeStale: true });
    expect(plan.commands).toEqual([['route', 'del', '10.99.0.0/24', 'proto', '243']]);
    expect(plan.stale).toEqual(['10.99.0.0/24']);
    expect(planRoutes([], actual, { removeStale: false }).commands).toEqual([]);
  });

  test('leaves a prefix routed by another protocol alone and reports it', () => {
    const foreign: RouteInfo = { dst: '10.244.1.0/24', gateway: '172.17.0.2', dev: 'eth0', protocol: 'static' };
    const kernel: RouteInfo = { dst: '10.244.2.0/24', dev: 'cni0', protocol: 'kernel', scope: 'link' };
    const wanted = [peer('10.244.1.0/24', '172.17.0.3'), peer('10.244.2.0/24', '172.17.0.4')];
    const plan = planRoutes(wanted, [foreign, kernel], { removeStale: true });
    expect(plan.commands).toEqual([]);
    expect(plan.blockedByForeign).toEqual(wanted);
  });

  test('ignores routes that are not prefixes (default, host routes)', () => {
    const plan = planRoutes([], [{ dst: 'default', gateway: '172.17.0.1', protocol: '243' }], { removeStale: true });
    expect(plan.commands).toEqual([]);
  });
});
