import { parsePrefix, type IpPrefix } from '@tscni/core';
import { desiredRoutes, type RouteMemo } from '../../src/controller/desired-routes.js';

const connected = ['172.17.0.2/16', 'fd00::2/64'].map((text) => parsePrefix(text) as IpPrefix);
const node = (name: string, internalIps: string[], podCidrs: string[]) => ({ name, internalIps, podCidrs });

describe('desiredRoutes', () => {
  const routesFor = (nodes: Array<ReturnType<typeof node>>, memo?: RouteMemo) => desiredRoutes({ self: 'a', nodes }, connected, memo);

  test("routes every other node's pod CIDRs via its InternalIP of the same family", () => {
    const state = routesFor([
      node('a', ['172.17.0.2', 'fd00::2'], ['10.244.0.0/24', 'fd10::/64']),
      node('b', ['fd00::3', '172.17.0.3'], ['10.244.1.0/24', 'fd10:0:0:1::/64']),
    ]);
    expect(state.routes).toEqual([
      { dst: '10.244.1.0/24', via: '172.17.0.3', node: 'b' },
      { dst: 'fd10:0:0:1::/64', via: 'fd00::3', node: 'b' },
    ]);
    expect(state.skipped).toEqual([]);
  });

  test('skips a peer with no InternalIP of the family, or one not on a connected network', () => {
    const state = routesFor([node('b', ['172.17.0.3'], ['fd10:0:0:1::/64']), node('c', ['192.168.9.9'], ['10.244.2.0/24'])]);
    expect(state.routes).toEqual([]);
    expect(state.skipped).toEqual([
      { node: 'b', dst: 'fd10:0:0:1::/64', reason: 'no InternalIP of the same family' },
      { node: 'c', dst: '10.244.2.0/24', reason: 'InternalIP 192.168.9.9 is not on a directly connected network' },
    ]);
  });

  test('with a memo, reuses what an unchanged Node object gave and recomputes a replaced one', () => {
    const memo: RouteMemo = new WeakMap();
    const b = node('b', ['172.17.0.3'], ['10.244.1.0/24']);
    const first = routesFor([b], memo);
    expect(routesFor([b], memo).routes[0]).toBe(first.routes[0]);
    const moved = routesFor([node('b', ['172.17.0.9'], ['10.244.1.0/24'])], memo);
    expect(moved.routes).toEqual([{ dst: '10.244.1.0/24', via: '172.17.0.9', node: 'b' }]);
  });
});
