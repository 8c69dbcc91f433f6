import { nonMasqueradeSet } from '../../src/controller/non-masquerade-set.js';

const node = (name: string, internalIps: string[], podCidrs: string[]) => ({ name, internalIps, podCidrs });

describe('nonMasqueradeSet', () => {
  test('the non-masquerade set is the cluster CIDRs, pod CIDRs outside them and extras, without covered ones', () => {
    const cidrs = nonMasqueradeSet(
      { self: 'a', nodes: [node('b', ['172.17.0.3'], ['10.244.1.0/24', 'fd10:0:0:1::/64'])] },
      ['10.244.0.0/16', '192.168.0.0/16', '10.0.0.0/8'],
    );
    expect(cidrs).toEqual(['10.0.0.0/8', '192.168.0.0/16', 'fd10:0:0:1::/64']);
  });

  test('keeps pod CIDRs of different lengths that no other CIDR covers, in canonical form', () => {
    const cidrs = nonMasqueradeSet(
      { self: 'a', nodes: [node('b', ['172.17.0.3'], ['10.245.1.0/24']), node('c', ['172.17.0.4'], ['10.245.1.8/29', '10.100.0.0/24'])] },
      ['10.244.0.0/16', '10.244.7.5/24', '10.96.0.0/12'],
    );
    expect(cidrs).toEqual(['10.244.0.0/16', '10.245.1.0/24', '10.96.0.0/12']);
  });

  test("leaves out a cluster CIDR of a family no Node has pod CIDRs of: deploy/'s dual-stack cluster CIDR on an IPv4-only cluster", () => {
    const ipv4Only = { self: 'a', nodes: [node('a', ['172.18.0.2'], ['10.244.0.0/24']), node('b', ['172.18.0.3'], ['10.244.1.0/24'])] };
    expect(nonMasqueradeSet(ipv4Only, ['10.244.0.0/16', 'fd00:10:244::/56'])).toEqual(['10.244.0.0/16']);
    const dual = { self: 'a', nodes: [node('a', ['172.18.0.2', 'fc00::2'], ['10.244.0.0/24', 'fd00:10:244::/64'])] };
    expect(nonMasqueradeSet(dual, ['10.244.0.0/16', 'fd00:10:244::/56'])).toEqual(['10.244.0.0/16', 'fd00:10:244::/56']);
    const ipv6Only = { self: 'a', nodes: [node('a', ['fc00::2'], ['fd00:10:244::/64'])] };
    expect(nonMasqueradeSet(ipv6Only, ['10.244.0.0/16', 'fd00:10:244::/56'])).toEqual(['fd00:10:244::/56']);
  });

  test('is empty while no Node has a pod CIDR (nothing is written then: an empty set changes no rules)', () => {
    expect(nonMasqueradeSet({ self: 'a', nodes: [node('a', ['172.18.0.2'], [])] }, ['10.244.0.0/16'])).toEqual([]);
  });
});
