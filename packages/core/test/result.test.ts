import { convertResult, encodeResult, parseResult, SUPPORTED_VERSIONS, type Result } from '@tscni/core';

const full: Result = {
  interfaces: [
    { name: 'cni0', mac: '0a:58:0a:f4:02:01' },
    { name: 'veth1234', mac: '0a:58:0a:f4:02:02' },
    { name: 'eth0', mac: '0a:58:0a:f4:02:07', sandbox: '/var/run/netns/p', mtu: 1450, pciID: '0000:00:01.0' },
  ],
  ips: [
    { address: '10.244.2.7/24', gateway: '10.244.2.1', interface: 2 },
    { address: 'fd00:10:244:2::7/64', gateway: 'fd00:10:244:2::1', interface: 2 },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.244.2.1', mtu: 1400, priority: 5, table: 100, scope: 0, advmss: 1360 }],
  dns: { nameservers: ['10.96.0.10'], search: ['svc.cluster.local'] },
};

const is11 = (v: string) => v === '1.1.0';
const isLegacy = (v: string) => v.startsWith('0.');

describe('result versions', () => {
  describe.each(SUPPORTED_VERSIONS)('to %s', (to) => {
    const encoded = encodeResult(full, to);

    it('writes cniVersion, ip versions and 1.1-only fields as the version defines', () => {
      expect(encoded.cniVersion).toBe(to);
      const ips = encoded.ips as Array<Record<string, unknown>>;
      expect(ips.map((ip) => ip.version)).toEqual(isLegacy(to) ? ['4', '6'] : [undefined, undefined]);
      const route = (encoded.routes as Array<Record<string, unknown>>)[0]!;
      expect(route.mtu).toBe(is11(to) ? 1400 : undefined);
      expect(route.table).toBe(is11(to) ? 100 : undefined);
      const iface = (encoded.interfaces as Array<Record<string, unknown>>)[2]!;
      expect(iface.mtu).toBe(is11(to) ? 1450 : undefined);
      expect(iface.sandbox).toBe('/var/run/netns/p');
    });

    it.each(SUPPORTED_VERSIONS)('converts from %s', (from) => {
      const converted = convertResult(encodeResult(full, from), from, to);
      const keep11 = is11(from) && is11(to);
      expect(parseResult(converted, to)).toEqual(keep11 ? full : parseResult(encodeResult(full, '1.0.0'), '1.0.0'));
    });
  });

  it('reads a 0.3.0 result that names its list "ip"', () => {
    const parsed = parseResult({ cniVersion: '0.3.0', ip: [{ version: '4', address: '10.0.0.2/24' }] }, '0.3.0');
    expect(parsed.ips).toEqual([{ address: '10.0.0.2/24' }]);
  });

  it('rejects an ip that points at a missing interface', () => {
    expect(() => parseResult({ ips: [{ address: '10.0.0.2/24', interface: 3 }] }, '1.0.0')).toThrow(/interface index 3/);
  });

  it('omits empty lists and dns', () => {
    expect(encodeResult({ ips: [{ address: '10.0.0.2/24' }] }, '1.0.0')).toEqual({
      cniVersion: '1.0.0',
      ips: [{ address: '10.0.0.2/24' }],
    });
  });
});
