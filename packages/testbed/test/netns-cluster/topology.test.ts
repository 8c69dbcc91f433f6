import { familyNetOf, netOf, topology } from '../../src/netns-cluster/topology.js';

describe('topology', () => {
  it('reproduces the seed cluster for three nodes', () => {
    const topo = topology({ nodes: 3, podsPerNode: 2 });
    expect(topo.families).toEqual([4]);
    expect(topo.nodes.map(({ name, nets }) => ({ name, nets }))).toEqual([
      { name: 'kind-control-plane', nets: [{ family: 4, ip: '172.18.0.2', podCidr: '10.244.0.0/24', bridgeIp: '10.244.0.1' }] },
      { name: 'kind-worker', nets: [{ family: 4, ip: '172.18.0.4', podCidr: '10.244.2.0/24', bridgeIp: '10.244.2.1' }] },
      { name: 'kind-worker2', nets: [{ family: 4, ip: '172.18.0.3', podCidr: '10.244.1.0/24', bridgeIp: '10.244.1.1' }] },
    ]);
    expect(topo.nets).toEqual([
      {
        family: 4,
        segment: { cidr: '172.18.0.0/16', prefixLength: 16, gateway: '172.18.0.1' },
        clusterCidr: '10.244.0.0/16',
        outside: { cidr: '203.0.113.0/24', prefixLength: 24, gateway: '203.0.113.1', host: '203.0.113.10' },
      },
    ]);
    expect(topo.nodes[1]?.pods).toEqual(['n2p0', 'n2p1']);
  });

  it('gives a dual-stack cluster both families, IPv4 first, each node an address and a /64 of fd00:10:244::/56', () => {
    const topo = topology({ nodes: 3, podsPerNode: 1, ipFamily: 'dual' });
    expect(topo.families).toEqual([4, 6]);
    expect(topo.nets.map((n) => n.clusterCidr)).toEqual(['10.244.0.0/16', 'fd00:10:244::/56']);
    const worker = topo.nodes[1]!;
    expect(worker.nets).toEqual([
      { family: 4, ip: '172.18.0.4', podCidr: '10.244.2.0/24', bridgeIp: '10.244.2.1' },
      { family: 6, ip: 'fc00:f853:ccd:e793::4', podCidr: 'fd00:10:244:2::/64', bridgeIp: 'fd00:10:244:2::1' },
    ]);
    // As iproute2 prints it, so routes compare as text.
    expect(netOf(topo.nodes[0]!, 6)).toMatchObject({ podCidr: 'fd00:10:244::/64', bridgeIp: 'fd00:10:244::1' });
    expect(familyNetOf(topo, 6).outside).toEqual({ cidr: '2001:db8::/64', prefixLength: 64, gateway: '2001:db8::1', host: '2001:db8::10' });
  });

  it('gives an IPv6-only cluster no IPv4 at all', () => {
    const topo = topology({ nodes: 2, podsPerNode: 1, ipFamily: 'ipv6' });
    expect(topo.families).toEqual([6]);
    expect(topo.nets.map((n) => n.segment.gateway)).toEqual(['fc00:f853:ccd:e793::1']);
    expect(topo.nodes.flatMap((n) => n.nets.map((net) => net.family))).toEqual([6, 6]);
    expect(() => netOf(topo.nodes[0]!, 4)).toThrow(/no IPv4/);
  });

  it('writes IPv6 node addresses and pod CIDRs in hex past nine nodes', () => {
    const last = topology({ nodes: 12, podsPerNode: 0, ipFamily: 'ipv6' }).nodes[1]!;
    expect(netOf(last, 6)).toMatchObject({ ip: 'fc00:f853:ccd:e793::d', podCidr: 'fd00:10:244:b::/64' });
  });

  it('gives every node of a larger cluster its own IPs, CIDRs and pod names', () => {
    const nodes = topology({ nodes: 5, podsPerNode: 1, ipFamily: 'dual' }).nodes;
    expect(new Set(nodes.map((n) => n.name)).size).toBe(5);
    expect(new Set(nodes.map((n) => n.key)).size).toBe(5);
    for (const family of [4, 6] as const) {
      expect(new Set(nodes.map((n) => netOf(n, family).ip)).size).toBe(5);
      expect(new Set(nodes.map((n) => netOf(n, family).podCidr)).size).toBe(5);
    }
    expect(new Set(nodes.flatMap((n) => n.pods)).size).toBe(5);
  });

  it.each([
    [{ nodes: 0, podsPerNode: 2 }],
    [{ nodes: 201, podsPerNode: 2 }],
    [{ nodes: 2.5, podsPerNode: 2 }],
    [{ nodes: 3, podsPerNode: -1 }],
    [{ nodes: 3, podsPerNode: 251 }],
    [{ nodes: 3, podsPerNode: 2, ipFamily: 'ipv5' as 'ipv4' }],
  ])('refuses %j', (size) => {
    expect(() => topology(size)).toThrow(RangeError);
  });
});
