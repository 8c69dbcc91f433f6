import { Sandbox, execPluginIn } from '@tscni/core/testing';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_LOCAL, addressesOf, ids, ipam, type IpamNet } from './run.js';

/** The tscni-host-local executable, run as a main plugin delegates to it. */
describe('tscni-host-local', () => {
  const sandbox = new Sandbox('hl');
  let dataDir: string;
  const net = (ipamFields: Record<string, unknown>, extra: Partial<IpamNet> = {}): IpamNet => ({
    name: 'hlnet',
    ...extra,
    ipam: { type: 'tscni-host-local', dataDir, ...ipamFields },
  });
  const allocationFiles = () => readdirSync(join(dataDir, 'hlnet')).filter((name) => /^[\d.]+$|:/.test(name));

  beforeEach(async () => {
    dataDir = await sandbox.dir();
  });
  afterAll(() => sandbox.cleanup());

  it.each(['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'])('returns an IPAM result in %s: ips with gateway, routes, dns', async (cniVersion) => {
    const resolvConf = join(dataDir, 'resolv.conf');
    writeFileSync(resolvConf, 'nameserver 10.96.0.10\nsearch svc.cluster.local\n');
    const run = await ipam('ADD', 'c1', net({ subnet: '10.10.0.0/24', routes: [{ dst: '0.0.0.0/0' }], resolvConf }, { cniVersion }));
    expect(run.exitCode).toBe(0);
    const ip = cniVersion.startsWith('0.') ? { version: '4' } : {};
    expect(run.json).toEqual({
      cniVersion,
      ips: [{ ...ip, address: '10.10.0.2/24', gateway: '10.10.0.1' }],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: { nameservers: ['10.96.0.10'], search: ['svc.cluster.local'] },
    });
  });

  it('accepts the podcidr shorthand a main plugin synthesises', async () => {
    const run = await ipam('ADD', 'c1', { name: 'hlnet', type: 'tscni-bridge', podcidr: '10.244.2.0/24', ipam: { type: 'tscni-host-local', podcidr: '10.244.2.0/24', dataDir } });
    expect(run.json?.ips).toEqual([{ address: '10.244.2.2/24', gateway: '10.244.2.1' }]);
  });

  it('gives 200 parallel ADDs 200 distinct addresses, and 200 parallel DELs release them all', async () => {
    const config = net({ ranges: [[{ subnet: '10.11.0.0/16' }]] });
    const containers = ids('par', 200);
    const added = await Promise.all(containers.map((id) => ipam('ADD', id, config)));
    const addresses = added.flatMap(addressesOf);
    expect(new Set(addresses).size).toBe(200);
    expect(allocationFiles()).toHaveLength(200);
    const deleted = await Promise.all(containers.map((id) => ipam('DEL', id, config)));
    expect(deleted.map((run) => run.exitCode)).toEqual(containers.map(() => 0));
    expect(allocationFiles()).toEqual([]);
  });

  it('gives dual-stack one address per range set', async () => {
    const run = await ipam('ADD', 'c1', net({ ranges: [[{ subnet: '10.12.0.0/24' }], [{ subnet: 'fd00:12::/64' }]] }));
    expect(addressesOf(run)).toEqual(['10.12.0.2', 'fd00:12::2']);
  });

  it('fails with code 100 naming the range when it is exhausted, and STATUS then returns 50', async () => {
    const config = net({ ranges: [[{ subnet: '10.13.0.0/30' }]] }, { cniVersion: '1.1.0' });
    expect((await ipam('STATUS', '', config)).exitCode).toBe(0);
    addressesOf(await ipam('ADD', 'c1', config));
    const full = await ipam('ADD', 'c2', config);
    expect(full.json).toMatchObject({ code: 100, msg: expect.stringContaining('10.13.0.0/30') });
    expect((await ipam('STATUS', '', config)).json).toMatchObject({ code: 50 });
  });

  it('refuses a second ADD of the same containerID + ifname with code 102, without a second address', async () => {
    const config = net({ subnet: '10.14.0.0/24' });
    addressesOf(await ipam('ADD', 'c1', config));
    expect((await ipam('ADD', 'c1', config)).json).toMatchObject({ code: 102 });
    expect(allocationFiles()).toEqual(['10.14.0.2']);
    expect(addressesOf(await ipam('ADD', 'c1', config, { ifName: 'net1' }))).toEqual(['10.14.0.3']);
  });

  it('DEL succeeds for an unknown container, twice, and with an empty netns', async () => {
    const config = net({ subnet: '10.15.0.0/24' });
    expect((await ipam('DEL', 'nobody', config)).exitCode).toBe(0);
    addressesOf(await ipam('ADD', 'c1', config));
    expect((await ipam('DEL', 'c1', config, { netns: '' })).exitCode).toBe(0);
    expect((await ipam('DEL', 'c1', config)).exitCode).toBe(0);
    expect(allocationFiles()).toEqual([]);
  });

  it('CHECK succeeds for an allocation and fails with code 103 without one', async () => {
    const config = net({ subnet: '10.16.0.0/24' });
    addressesOf(await ipam('ADD', 'c1', config));
    expect((await ipam('CHECK', 'c1', config)).exitCode).toBe(0);
    expect((await ipam('CHECK', 'c2', config)).json).toMatchObject({ code: 103 });
  });

  it('honours CNI_ARGS IP=, args.cni.ips and runtimeConfig.ips', async () => {
    const config = net({ subnet: '10.17.0.0/24' });
    expect(addressesOf(await ipam('ADD', 'a', config, { args: 'IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.17.0.50' }))).toEqual(['10.17.0.50']);
    expect(addressesOf(await ipam('ADD', 'b', { ...config, args: { cni: { ips: ['10.17.0.51'] } } }))).toEqual(['10.17.0.51']);
    expect(addressesOf(await ipam('ADD', 'c', { ...config, runtimeConfig: { ips: ['10.17.0.52/24'] } }))).toEqual(['10.17.0.52']);
  });

  it.each([
    ['taken', 101, 'IP=10.18.0.2'],
    ['outside every range', 7, 'IP=10.99.0.2'],
    ['malformed', 4, 'IP=10.18.0'],
  ])('rejects a requested address that is %s (code %s) and leaves nothing behind', async (_, code, args) => {
    const config = net({ subnet: '10.18.0.0/24' });
    addressesOf(await ipam('ADD', 'first', config));
    expect((await ipam('ADD', 'second', config, { args })).json).toMatchObject({ code });
    expect(allocationFiles()).toEqual(['10.18.0.2']);
  });

  it('uses runtimeConfig.ipRanges before the configured ranges', async () => {
    const config = net({ subnet: '10.19.0.0/24' }, { runtimeConfig: { ipRanges: [[{ subnet: '10.20.0.0/24' }]] } });
    expect(addressesOf(await ipam('ADD', 'c1', config))).toEqual(['10.20.0.2', '10.19.0.2']);
  });

  it('GC releases every allocation not in cni.dev/valid-attachments', async () => {
    const config = net({ subnet: '10.21.0.0/24' }, { cniVersion: '1.1.0' });
    for (const id of ['keep', 'drop1', 'drop2']) addressesOf(await ipam('ADD', id, config));
    const gc = await ipam('GC', '', { ...config, 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] });
    expect(gc.exitCode).toBe(0);
    expect(allocationFiles()).toEqual(['10.21.0.2']);
    expect((await ipam('CHECK', 'keep', config)).exitCode).toBe(0);
    expect(addressesOf(await ipam('ADD', 'drop1', config))).toEqual(['10.21.0.5']);
  });

  it.each([
    ['a /31 subnet', 7, { subnet: '10.0.0.0/31' }],
    ['a gateway outside its subnet', 7, { ranges: [[{ subnet: '10.0.0.0/24', gateway: '10.0.9.1' }]] }],
    ['overlapping ranges', 7, { ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.0.0.128/25' }]] }],
  ])('rejects %s with code %s and writes nothing', async (_, code, ipamFields) => {
    const run = await ipam('ADD', 'c1', net(ipamFields));
    expect(run.exitCode).not.toBe(0);
    expect(run.json).toMatchObject({ code });
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it.each([
    ['a config that is not JSON', 6, 'ADD', '{"cniVersion":', {}],
    ['a missing CNI_CONTAINERID', 4, 'ADD', undefined, { CNI_CONTAINERID: undefined }],
    ['an unsupported cniVersion', 1, 'ADD', { cniVersion: '0.2.0' }, {}],
    ['CHECK in 0.3.1', 1, 'CHECK', { cniVersion: '0.3.1' }, {}],
  ])('answers %s with code %s', async (_, code, command, config, env) => {
    const stdin = typeof config === 'string' ? config : { ...net({ subnet: '10.22.0.0/24' }), type: 'bridge', cniVersion: '1.0.0', ...config };
    const run = await execPluginIn(undefined, HOST_LOCAL, { command, containerId: 'c1', netns: '/x', ifName: 'eth0', cniPath: '/x', env }, stdin);
    expect(run.json).toMatchObject({ code });
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

