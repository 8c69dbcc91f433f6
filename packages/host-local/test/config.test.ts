import { CniArgs, type NetConf } from '@tscni/core';
import { loadConfig } from '../src/config.js';
import { parseResolvConf } from '../src/resolv-conf.js';

function load(ipam: Record<string, unknown>, extra: Partial<NetConf> = {}, cniArgs = '') {
  const config = { cniVersion: '1.1.0', name: 'net', type: 'bridge', ipam: { type: 'tscni-host-local', ...ipam }, ...extra } as NetConf;
  return loadConfig({ command: 'ADD', config, args: CniArgs.parse(cniArgs) });
}

describe('loadConfig', () => {
  it('fills in the defaults of a range, the data dir, and the seed podcidr shorthand', () => {
    const config = load({ podcidr: '10.244.2.0/24' });
    expect(config.dataDir).toBe('/var/lib/cni/networks');
    expect(config.rangeSets).toHaveLength(1);
    const [range] = config.rangeSets[0]!;
    expect(range).toMatchObject({ start: 0x0af40201n, end: 0x0af402fen, gateway: 0x0af40201n });
  });

  it('orders runtime ipRanges, the legacy single range, then ranges', () => {
    const config = load(
      { subnet: '10.1.0.0/24', ranges: [[{ subnet: '10.2.0.0/24' }], [{ subnet: 'fd00::/64' }]] },
      { runtimeConfig: { ipRanges: [[{ subnet: '10.3.0.0/24' }]] } },
    );
    expect(config.rangeSets.map((set) => set[0]!.subnet.address >> 8n)).toEqual([0x0a0300n, 0x0a0100n, 0x0a0200n, 0xfd00n << 112n >> 8n]);
  });

  it('collects requested addresses from CNI_ARGS, args.cni.ips and runtimeConfig.ips', () => {
    const config = load(
      { subnet: '10.1.0.0/24' },
      { args: { cni: { ips: ['10.1.0.8'] } }, runtimeConfig: { ips: ['10.1.0.9/24'] } },
      'IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.1.0.7',
    );
    expect(config.requested.map((ip) => Number(ip.value & 255n))).toEqual([7, 8, 9]);
  });

  it.each([
    ['no ipam ranges', {}, 'no ranges'],
    ['a /31', { subnet: '10.0.0.0/31' }, 'ipam.subnet'],
    ['a /32', { ranges: [[{ subnet: '10.0.0.1/32' }]] }, 'ipam.ranges[0][0].subnet'],
    ['an IPv6 /127', { ranges: [[{ subnet: 'fd00::/127' }]] }, 'ipam.ranges[0][0].subnet'],
    ['a malformed subnet', { ranges: [[{ subnet: '10.0.0/24' }]] }, 'ipam.ranges[0][0].subnet'],
    ['a malformed gateway', { ranges: [[{ subnet: '10.0.0.0/24', gateway: '10.0.0.x' }]] }, 'ipam.ranges[0][0].gateway'],
    ['a gateway outside its subnet', { ranges: [[{ subnet: '10.0.0.0/24', gateway: '10.0.1.1' }]] }, 'ipam.ranges[0][0].gateway'],
    ['rangeStart outside its subnet', { subnet: '10.0.0.0/24', rangeStart: '10.0.1.1' }, 'ipam.rangeStart'],
    ['rangeEnd outside its subnet', { ranges: [[{ subnet: '10.0.0.0/24', rangeEnd: '10.1.0.1' }]] }, 'ipam.ranges[0][0].rangeEnd'],
    ['rangeStart after rangeEnd', { ranges: [[{ subnet: '10.0.0.0/24', rangeStart: '10.0.0.9', rangeEnd: '10.0.0.5' }]] }, 'rangeStart is after'],
    ['overlapping sets', { ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.0.0.0/25' }]] }, 'ranges[0][0] overlaps ranges[1][0]'],
    ['overlapping ranges in a set', { ranges: [[{ subnet: '10.0.0.0/24' }, { subnet: '10.0.0.0/24', rangeStart: '10.0.0.100' }]] }, 'overlaps'],
    ['mixed families in a set', { ranges: [[{ subnet: '10.0.0.0/24' }, { subnet: 'fd00::/64' }]] }, 'mixes'],
    ['ranges not a list', { ranges: { subnet: '10.0.0.0/24' } }, 'ipam.ranges'],
    ['a malformed route', { subnet: '10.0.0.0/24', routes: [{ dst: 'default' }] }, 'ipam.routes[0].dst'],
    ['a non-string dataDir', { subnet: '10.0.0.0/24', dataDir: 5 }, 'ipam.dataDir'],
  ])('rejects %s with code 7 naming the field', (_, ipam, field) => {
    expect(() => load(ipam)).toThrow(expect.objectContaining({ code: 7, message: expect.stringContaining(field) }));
  });

  it('rejects a malformed requested address: code 7 in the config, code 4 in CNI_ARGS', () => {
    expect(() => load({ subnet: '10.0.0.0/24' }, { runtimeConfig: { ips: ['10.0.0'] } })).toThrow(expect.objectContaining({ code: 7 }));
    expect(() => load({ subnet: '10.0.0.0/24' }, {}, 'IP=nope')).toThrow(expect.objectContaining({ code: 4 }));
  });

  it('rejects unknown CNI_ARGS keys without IgnoreUnknown on ADD (code 4), but not on DEL', () => {
    expect(() => load({ subnet: '10.0.0.0/24' }, {}, 'K8S_POD_NAME=x')).toThrow(expect.objectContaining({ code: 4 }));
    const config = { cniVersion: '1.1.0', name: 'net', type: 'x', ipam: { type: 'x', subnet: '10.0.0.0/24' } } as NetConf;
    expect(loadConfig({ command: 'DEL', config, args: CniArgs.parse('K8S_POD_NAME=x;IP=bad') }).requested).toEqual([]);
  });

  it('rejects a missing ipam section (code 7)', () => {
    const config = { cniVersion: '1.1.0', name: 'net', type: 'x' } as NetConf;
    expect(() => loadConfig({ command: 'ADD', config, args: CniArgs.parse('') })).toThrow(expect.objectContaining({ code: 7 }));
  });
});

describe('parseResolvConf', () => {
  it('reads nameserver, domain, search and options lines, ignoring comments', () => {
    const text = '# generated\nnameserver 10.96.0.10\nnameserver fd00::10\nsearch a.svc b.svc\ndomain cluster.local\noptions ndots:5 edns0\n';
    expect(parseResolvConf(text)).toEqual({
      nameservers: ['10.96.0.10', 'fd00::10'],
      search: ['a.svc', 'b.svc'],
      domain: 'cluster.local',
      options: ['ndots:5', 'edns0'],
    });
    expect(parseResolvConf('# nothing\n')).toBeUndefined();
  });
});
