import { parsePrefix, type IpPrefix } from '@tscni/core';
import { desiredState } from '../../src/agent/desired-state.js';
import { nodeInfoOf } from '../../src/agent/node-info.js';

const connected = ['172.17.0.2/16', 'fd00::2/64'].map((text) => parsePrefix(text) as IpPrefix);
const node = (name: string, internalIps: string[], podCidrs: string[]) => ({ name, internalIps, podCidrs });

describe('desiredState', () => {
  const input = {
    self: 'a',
    clusterCidrs: ['10.244.0.0/16'],
    extraNonMasqueradeCidrs: [],
    connected,
  };

  test("routes every other node's pod CIDRs via its InternalIP of the same family", () => {
    const state = desiredState({
      ...input,
      nodes: [
        node('a', ['172.17.0.2', 'fd00::2'], ['10.244.0.0/24', 'fd10::/64']),
        node('b', ['fd00::3', '172.17.0.3'], ['10.244.1.0/24', 'fd10:0:0:1::/64']),
      ],
    });
    expect(state.ownPodCidrs).toEqual(['10.244.0.0/24', 'fd10::/64']);
    expect(state.routes).toEqual([
      { dst: '10.244.1.0/24', via: '172.17.0.3', node: 'b' },
      { dst: 'fd10:0:0:1::/64', via: 'fd00::3', node: 'b' },
    ]);
    expect(state.skipped).toEqual([]);
  });

  test('skips a peer with no InternalIP of the family, or one not on a connected network', () => {
    const state = desiredState({
      ...input,
      nodes: [node('b', ['172.17.0.3'], ['fd10:0:0:1::/64']), node('c', ['192.168.9.9'], ['10.244.2.0/24'])],
    });
    expect(state.routes).toEqual([]);
    expect(state.skipped).toEqual([
      { node: 'b', dst: 'fd10:0:0:1::/64', reason: 'no InternalIP of the same family' },
      { node: 'c', dst: '10.244.2.0/24', reason: 'InternalIP 192.168.9.9 is not on a directly connected network' },
    ]);
    expect(state.ownPodCidrs).toBeUndefined();
  });

  test('the non-masquerade set is the cluster CIDRs, pod CIDRs outside them and extras, without covered ones', () => {
    const state = desiredState({
      ...input,
      extraNonMasqueradeCidrs: ['192.168.0.0/16', '10.0.0.0/8'],
      nodes: [node('b', ['172.17.0.3'], ['10.244.1.0/24', 'fd10:0:0:1::/64'])],
    });
    expect(state.nonMasqueradeCidrs).toEqual(['10.0.0.0/8', '192.168.0.0/16', 'fd10:0:0:1::/64']);
  });

  test('keeps pod CIDRs of different lengths that no other CIDR covers, in canonical form', () => {
    const state = desiredState({
      ...input,
      clusterCidrs: ['10.244.0.0/16'],
      extraNonMasqueradeCidrs: ['10.244.7.5/24', '10.96.0.0/12'],
      nodes: [node('b', ['172.17.0.3'], ['10.245.1.0/24']), node('c', ['172.17.0.4'], ['10.245.1.8/29', '10.100.0.0/24'])],
    });
    expect(state.nonMasqueradeCidrs).toEqual(['10.244.0.0/16', '10.245.1.0/24', '10.96.0.0/12']);
  });

  test('with a memo, reuses what an unchanged Node object gave and recomputes a replaced one', () => {
    const memo = new WeakMap();
    const b = node('b', ['172.17.0.3'], ['10.244.1.0/24']);
    const first = desiredState({ ...input, nodes: [b] }, memo);
    expect(desiredState({ ...input, nodes: [b] }, memo).routes[0]).toBe(first.routes[0]);
    const moved = desiredState({ ...input, nodes: [node('b', ['172.17.0.9'], ['10.244.1.0/24'])] }, memo);
    expect(moved.routes).toEqual([{ dst: '10.244.1.0/24', via: '172.17.0.9', node: 'b' }]);
  });
});

describe('nodeInfoOf', () => {
  test('reads podCIDRs (or the older podCIDR) and the InternalIPs', () => {
    expect(
      nodeInfoOf({
        metadata: { name: 'b' },
        spec: { podCIDR: '10.244.1.0/24' },
        status: { addresses: [{ type: 'Hostname', address: 'b' }, { type: 'InternalIP', address: '172.17.0.3' }] },
      }),
    ).toEqual({ name: 'b', podCidrs: ['10.244.1.0/24'], internalIps: ['172.17.0.3'] });
    expect(nodeInfoOf({ metadata: { name: 'c' } })).toEqual({ name: 'c', podCidrs: [], internalIps: [] });
  });
});
