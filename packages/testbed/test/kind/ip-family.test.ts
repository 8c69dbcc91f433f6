import { KIND_NETWORKS, kindNetworkFromEnv, ofFamily, urlHost } from '../../src/kind/ip-family.js';

describe("the kind clusters' address families", () => {
  test('TSCNI_KIND_IP_FAMILY picks one of deploy/\'s kind configs; dual-stack unless it says otherwise', () => {
    expect(kindNetworkFromEnv({}).ipFamily).toBe('dual');
    expect(kindNetworkFromEnv({ TSCNI_KIND_IP_FAMILY: 'ipv6' })).toBe(KIND_NETWORKS.ipv6);
    expect(kindNetworkFromEnv({}, 'ipv4').config).toMatch(/deploy\/kind-config\.yaml$/);
    expect(() => kindNetworkFromEnv({ TSCNI_KIND_IP_FAMILY: 'toString' })).toThrow(/one of ipv4, dual, ipv6/);
  });

  test('each family in the same order: subnets of that family, the primary first', () => {
    for (const network of Object.values(KIND_NETWORKS)) {
      network.families.forEach((family, i) => {
        expect(ofFamily([network.podSubnets[i]!], family)).toBe(network.podSubnets[i]);
        expect(ofFamily([network.serviceSubnets[i]!], family)).toBe(network.serviceSubnets[i]);
      });
    }
  });

  test('finds the address of a family in what the API lists, and writes IPv6 into URLs in brackets', () => {
    expect(ofFamily(['10.244.1.5', 'fd00:10:244:1::5'], 6)).toBe('fd00:10:244:1::5');
    expect(ofFamily(['10.244.1.5'], 6)).toBeUndefined();
    expect(urlHost('fd00:10:96::1')).toBe('[fd00:10:96::1]');
    expect(urlHost('10.96.0.1')).toBe('10.96.0.1');
  });
});
