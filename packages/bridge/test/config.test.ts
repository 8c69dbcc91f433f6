import { CniError, type NetConf } from '@tscni/core';
import { loadConfig } from '../src/config.js';

const netconf = (extra: object = {}): NetConf => ({ cniVersion: '1.1.0', name: 'net', type: 'tscni-bridge', ...extra });

describe('loadConfig', () => {
  it('defaults to cni0, no gateway, no MTU, no IPAM', () => {
    expect(loadConfig(netconf())).toEqual({
      bridge: 'cni0',
      isGateway: false,
      isDefaultGateway: false,
      forceAddress: false,
      mtu: undefined,
      hairpinMode: false,
      promiscMode: false,
      ipam: undefined,
      ipamStdin: undefined,
      dns: undefined,
    });
  });

  it("reads the seed's shorthand as tscni-host-local on the podcidr, gateway and default route on", () => {
    const config = loadConfig(netconf({ podcidr: '10.244.2.0/24' }));
    expect(config).toMatchObject({ isGateway: true, isDefaultGateway: true });
    expect(config.ipam).toEqual({ type: 'tscni-host-local', podcidr: '10.244.2.0/24' });
    expect(JSON.parse(config.ipamStdin ?? '')).toEqual({
      ...netconf({ podcidr: '10.244.2.0/24' }),
      ipam: { type: 'tscni-host-local', podcidr: '10.244.2.0/24' },
    });
  });

  it('lets an ipam section with the shorthand choose the plugin and its store', () => {
    const config = loadConfig(netconf({ podcidr: '10.244.2.0/24', ipam: { type: 'tscni-host-local', dataDir: '/d' } }));
    expect(config.ipam).toEqual({ type: 'tscni-host-local', dataDir: '/d', podcidr: '10.244.2.0/24' });
  });

  it('passes an ordinary ipam section on as it is (the delegate reads our own stdin)', () => {
    const config = loadConfig(netconf({ ipam: { type: 'host-local', subnet: '10.1.0.0/16' } }));
    expect(config.ipam).toEqual({ type: 'host-local', subnet: '10.1.0.0/16' });
    expect(config.ipamStdin).toBeUndefined();
  });

  it('makes isDefaultGateway imply isGateway, and keeps an explicit false', () => {
    expect(loadConfig(netconf({ isDefaultGateway: true, ipam: { type: 'static' } })).isGateway).toBe(true);
    const config = loadConfig(netconf({ podcidr: '10.0.0.0/24', isDefaultGateway: false, isGateway: false }));
    expect(config).toMatchObject({ isGateway: false, isDefaultGateway: false });
  });

  it.each([
    ['ipMasq: true', { ipMasq: true }, '"ipMasq" is not supported by tscni-bridge: chain tscni-masq'],
    ['a vlan', { vlan: 100 }, '"vlan" is not supported'],
  ])('refuses the reference key %s with code 2 rather than ignoring it', (_what, extra, msg) => {
    expect(() => loadConfig(netconf(extra))).toThrow(expect.objectContaining({ code: 2, message: expect.stringContaining(msg) }));
  });

  it('accepts those keys when they ask for nothing', () => {
    expect(() => loadConfig(netconf({ ipMasq: false, vlan: 0, macspoofchk: false }))).not.toThrow();
  });

  it.each([
    ['mtu as a string', { mtu: '1500' }, '"mtu" must be an integer from 68 to 65535, got "1500"'],
    ['a fractional mtu', { mtu: 1500.5 }, '"mtu" must be an integer'],
    ['an mtu above 65535', { mtu: 70000 }, '"mtu" must be an integer'],
    ['hairpinMode with promiscMode', { hairpinMode: true, promiscMode: true }, 'hairpinMode and promiscMode cannot both be set'],
    ['a bridge name that is not a string', { bridge: 7 }, 'invalid bridge name 7: it is not a string'],
    ['an empty bridge name', { bridge: '' }, 'invalid bridge name "": it is empty'],
    ['a bridge name with a space', { bridge: 'br 0' }, 'invalid bridge name'],
    ['forceAddress as a number', { forceAddress: 1 }, '"forceAddress" must be true or false'],
    ['a podcidr that is no subnet', { podcidr: 'ten' }, '"podcidr" must be a subnet'],
    ['podcidr with ipam.subnet', { podcidr: '10.0.0.0/24', ipam: { type: 'x', subnet: '10.0.0.0/24' } }, 'ipam.subnet both'],
    ['isGateway without IPAM', { isGateway: true }, 'need addresses'],
    ['dns that is not an object', { dns: '8.8.8.8' }, '"dns" must be an object'],
  ])('rejects %s with code 7', (_what, extra, msg) => {
    let thrown: unknown;
    try {
      loadConfig(netconf(extra));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CniError);
    expect(thrown).toMatchObject({ code: 7, message: expect.stringContaining(msg) });
  });
});
