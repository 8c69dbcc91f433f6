import { topology } from '../../src/netns-cluster/topology.js';

describe('topology', () => {
  it('reproduces the seed cluster for three nodes', () => {
    const topo = topology({ nodes: 3, podsPerNode: 2 });
    expect(topo.nodes.map(({ name, ip, podCidr, bridgeIp }) => ({ name, ip, podCidr, bridgeIp }))).toEqual([
      { name: 'kind-control-plane', ip: '172.18.0.2', podCidr: '10.244.0.0/24', bridgeIp: '10.244.0.1' },
      { name: 'kind-worker', ip: '172.18.0.4', podCidr: '10.244.2.0/24', bridgeIp: '10.244.2.1' },
      { name: 'kind-worker2', ip: '172.18.0.3', podCidr: '10.244.1.0/24', bridgeIp: '10.244.1.1' },
    ]);
    expect(topo.segment).toEqual({ cidr: '172.18.0.0/16', prefixLength: 16, gateway: '172.18.0.1' });
    expect(topo.clusterCidr).toBe('10.244.0.0/16');
    expect(topo.nodes[1]?.pods).toEqual(['n2p0', 'n2p1']);
  });

  it('gives every node of a larger cluster its own IP, CIDR and pod names', () => {
    const nodes = topology({ nodes: 5, podsPerNode: 1 }).nodes;
    for (const key of ['name', 'key', 'ip', 'podCidr'] as const) {
      expect(new Set(nodes.map((n) => n[key])).size).toBe(5);
    }
    expect(new Set(nodes.flatMap((n) => n.pods)).size).toBe(5);
  });

  it.each([
    [{ nodes: 0, podsPerNode: 2 }],
    [{ nodes: 201, podsPerNode: 2 }],
    [{ nodes: 2.5, podsPerNode: 2 }],
    [{ nodes: 3, podsPerNode: -1 }],
    [{ nodes: 3, podsPerNode: 251 }],
  ])('refuses %j', (size) => {
    expect(() => topology(size)).toThrow(RangeError);
  });
});
