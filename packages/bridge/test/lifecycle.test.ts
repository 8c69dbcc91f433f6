import { Sandbox, type TestNamespace } from '@tscni/core/testing';
import { FAIL_AFTER_IPAM_ENV, hostVethName } from '../src/index.js';
import { addOk, allocationFiles, linkNames, runBridge } from './helpers.js';

/** DEL and CHECK on every path, rollback, and bad input: nothing may leak. */
describe('tscni-bridge: DEL, CHECK, rollback and bad input', () => {
  const sandbox = new Sandbox('br');
  let node: TestNamespace;
  let dataDir: string;
  const config = (extra: object = {}) => ({
    cniVersion: '1.1.0',
    name: 'brlife',
    type: 'tscni-bridge',
    podcidr: '10.246.0.0/24',
    ipam: { type: 'tscni-host-local', dataDir },
    ...extra,
  });
  const vethsInNode = () => linkNames(sandbox, node, 'veth');
  const allocations = () => allocationFiles(sandbox, node, dataDir);

  beforeAll(async () => {
    node = await sandbox.namespace('node');
    dataDir = await sandbox.dir();
  });
  afterAll(() => sandbox.cleanup());

  describe('DEL', () => {
    it('twice in a row succeeds both times and leaves no veth or address', async () => {
      const pod = await sandbox.namespace('del2');
      const attach = { containerId: 'del-twice', netns: pod.path };
      await addOk(node, config(), attach);
      expect(await vethsInNode()).toContain(hostVethName('del-twice', 'eth0'));
      expect((await runBridge(node, 'DEL', config(), attach)).exitCode).toBe(0);
      expect((await runBridge(node, 'DEL', config(), attach)).exitCode).toBe(0);
      expect(await vethsInNode()).not.toContain(hostVethName('del-twice', 'eth0'));
      expect(await linkNames(sandbox, pod)).toEqual(['lo']);
      expect(await allocations()).toEqual([]);
      expect(await linkNames(sandbox, node, 'bridge')).toEqual(['cni0']); // shared: it stays
    });

    it('with the netns removed (path gone, or empty) still releases the address', async () => {
      const [podA, podB] = await Promise.all([sandbox.namespace('gone1'), sandbox.namespace('gone2')]);
      await addOk(node, config(), { containerId: 'gone-a', netns: podA.path });
      await addOk(node, config(), { containerId: 'gone-b', netns: podB.path });
      expect(await allocations()).toHaveLength(2);
      await sandbox.removeNamespace(podA);
      await sandbox.removeNamespace(podB);
      expect((await runBridge(node, 'DEL', config(), { containerId: 'gone-a', netns: podA.path })).exitCode).toBe(0);
      expect((await runBridge(node, 'DEL', config(), { containerId: 'gone-b', netns: '' })).exitCode).toBe(0);
      expect(await allocations()).toEqual([]);
    });

    it('with no ADD before it succeeds', async () => {
      const run = await runBridge(node, 'DEL', config(), { containerId: 'never-added', netns: '' });
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toBe('');
    });
  });

  describe('ADD', () => {
    it('replaces a veth of its own name left behind by an ADD that crashed', async () => {
      const [old, fresh] = await Promise.all([sandbox.namespace('stale1'), sandbox.namespace('stale2')]);
      const name = hostVethName('stale', 'eth0');
      await sandbox.exec(node, 'ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', old.path]);
      await addOk(node, config(), { containerId: 'stale', netns: fresh.path });
      expect(await linkNames(sandbox, fresh)).toContain('eth0');
      expect(await linkNames(sandbox, old)).toEqual(['lo']);
      expect((await runBridge(node, 'DEL', config(), { containerId: 'stale', netns: fresh.path })).exitCode).toBe(0);
      expect(await vethsInNode()).toEqual([]);
      expect(await allocations()).toEqual([]);
    });

    it('sets hairpin on the host veth, or makes the bridge promiscuous', async () => {
      const [podA, podB] = await Promise.all([sandbox.namespace('hair'), sandbox.namespace('promisc')]);
      const hairpin = config({ bridge: 'br-hair', podcidr: '10.246.1.0/24', hairpinMode: true });
      const promisc = config({ bridge: 'br-promisc', podcidr: '10.246.2.0/24', promiscMode: true });
      await addOk(node, hairpin, { containerId: 'hair', netns: podA.path });
      await addOk(node, promisc, { containerId: 'promisc', netns: podB.path });
      expect(await sandbox.exec(node, 'ip', ['-d', 'link', 'show', 'dev', hostVethName('hair', 'eth0')])).toContain('hairpin on');
      expect(await sandbox.exec(node, 'ip', ['link', 'show', 'dev', 'br-promisc'])).toContain('PROMISC');
      expect((await runBridge(node, 'DEL', hairpin, { containerId: 'hair', netns: podA.path })).exitCode).toBe(0);
      expect((await runBridge(node, 'DEL', promisc, { containerId: 'promisc', netns: podB.path })).exitCode).toBe(0);
    });

    it('refuses a bridge that has another address (code 999) unless forceAddress replaces it', async () => {
      const pod = await sandbox.namespace('force');
      const attach = { containerId: 'force', netns: pod.path };
      await sandbox.exec(node, 'ip', ['link', 'add', 'br-force', 'type', 'bridge']);
      await sandbox.exec(node, 'ip', ['addr', 'add', '10.9.9.1/24', 'dev', 'br-force']);
      const base = { bridge: 'br-force', podcidr: '10.246.3.0/24' };
      const refused = await runBridge(node, 'ADD', config(base), attach);
      expect(refused.json).toMatchObject({ code: 999, msg: expect.stringContaining('already has the address 10.9.9.1/24') });
      expect(await vethsInNode()).toEqual([]);
      expect(await allocations()).toEqual([]);

      await addOk(node, config({ ...base, forceAddress: true }), attach);
      const addresses = await sandbox.exec(node, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'br-force']);
      expect(addresses).toContain('10.246.3.1/24');
      expect(addresses).not.toContain('10.9.9.1');
      expect((await runBridge(node, 'DEL', config(base), attach)).exitCode).toBe(0);
    });

    it('executes tscni-host-local as a child when asked not to run it in-process', async () => {
      const pod = await sandbox.namespace('child');
      const attach = { containerId: 'child-ipam', netns: pod.path, env: { TSCNI_NO_IN_PROCESS: '1' } };
      const result = await addOk(node, config(), attach);
      expect((result.ips as Array<{ address: string }>)[0]?.address).toMatch(/^10\.246\.0\.\d+\/24$/);
      expect((await runBridge(node, 'DEL', config(), attach)).exitCode).toBe(0);
      expect(await allocations()).toEqual([]);
    });
  });

  describe('CHECK', () => {
    let pod: TestNamespace;
    let result: Record<string, unknown>;
    const attach = () => ({ containerId: 'checked', netns: pod.path });
    const check = () => runBridge(node, 'CHECK', config({ prevResult: result }), attach());

    beforeEach(async () => {
      pod = await sandbox.namespace(`chk${Math.random().toString(16).slice(2, 6)}`);
      result = await addOk(node, config(), attach());
    });
    afterEach(async () => {
      expect((await runBridge(node, 'DEL', config({ prevResult: result }), attach())).exitCode).toBe(0);
    });

    it('passes on what ADD made', async () => {
      const run = await check();
      expect(run.stdout).toBe('');
      expect(run.exitCode).toBe(0);
    });

    it('detects a removed address', async () => {
      const address = (result.ips as Array<{ address: string }>)[0]?.address ?? '';
      await sandbox.exec(pod, 'ip', ['addr', 'del', address, 'dev', 'eth0']);
      const run = await check();
      expect(run.exitCode).not.toBe(0);
      expect(run.json).toMatchObject({ code: 999, msg: expect.stringContaining(`lacks the address ${address}`) });
    });

    it('detects a veth detached from the bridge', async () => {
      await sandbox.exec(node, 'ip', ['link', 'set', hostVethName('checked', 'eth0'), 'nomaster']);
      const run = await check();
      expect(run.json).toMatchObject({ code: 999, msg: expect.stringContaining('is not attached to bridge cni0') });
    });

    it('without prevResult returns code 7', async () => {
      const run = await runBridge(node, 'CHECK', config(), attach());
      expect(run.json).toMatchObject({ code: 7 });
    });
  });

  describe('GC and STATUS, answered by the IPAM plugin', () => {
    it('STATUS succeeds when the IPAM plugin is ready', async () => {
      const run = await runBridge(node, 'STATUS', config(), { containerId: '', netns: '', ifName: '' });
      expect(run).toMatchObject({ exitCode: 0, stdout: '' });
    });

    it('GC releases the addresses of attachments that are not valid any more', async () => {
      const [podA, podB] = await Promise.all([sandbox.namespace('gc1'), sandbox.namespace('gc2')]);
      await addOk(node, config(), { containerId: 'gc-keep', netns: podA.path });
      await addOk(node, config(), { containerId: 'gc-stale', netns: podB.path });
      const valid = { 'cni.dev/valid-attachments': [{ containerID: 'gc-keep', ifname: 'eth0' }] };
      const run = await runBridge(node, 'GC', config(valid), { containerId: '', netns: '', ifName: '' });
      expect(run).toMatchObject({ exitCode: 0, stdout: '' });
      expect(await allocations()).toHaveLength(1);
      for (const [containerId, pod] of [['gc-keep', podA], ['gc-stale', podB]] as const) {
        expect((await runBridge(node, 'DEL', config(), { containerId, netns: pod.path })).exitCode).toBe(0);
      }
      expect(await allocations()).toEqual([]);
    });

    it('GC deletes the veths of attachments that are not valid, and no other network\'s or unmarked one', async () => {
      const [podA, podB] = await Promise.all([sandbox.namespace('gcv1'), sandbox.namespace('gcv2')]);
      const other = config({ name: 'brother' });
      await addOk(node, config(), { containerId: 'gc-veth-a', netns: podA.path });
      await addOk(node, other, { containerId: 'gc-veth-b', netns: podB.path });
      await sandbox.exec(node, 'ip', ['link', 'add', 'vethunmarked', 'type', 'veth', 'peer', 'name', 'vethunmarked-p']);
      await sandbox.exec(node, 'ip', ['link', 'set', 'vethunmarked', 'master', 'cni0']);
      const run = await runBridge(node, 'GC', config({ 'cni.dev/valid-attachments': [] }), { containerId: '', netns: '', ifName: '' });
      expect(run).toMatchObject({ exitCode: 0, stdout: '' });
      expect(await vethsInNode()).toEqual(expect.arrayContaining([hostVethName('gc-veth-b', 'eth0'), 'vethunmarked']));
      expect(await vethsInNode()).not.toContain(hostVethName('gc-veth-a', 'eth0'));
      expect(await linkNames(sandbox, podA)).toEqual(['lo']);
      expect(await allocations()).toHaveLength(1); // brother's
      expect((await runBridge(node, 'DEL', other, { containerId: 'gc-veth-b', netns: podB.path })).exitCode).toBe(0);
      await sandbox.exec(node, 'ip', ['link', 'del', 'vethunmarked']);
      expect(await vethsInNode()).toEqual([]);
      expect(await allocations()).toEqual([]);
    });
  });

  describe('a failure after IPAM ADD', () => {
    it('(injected by the test hook) releases the address and removes the veth', async () => {
      const pod = await sandbox.namespace('fail');
      const run = await runBridge(node, 'ADD', config(), {
        containerId: 'fails',
        netns: pod.path,
        env: { [FAIL_AFTER_IPAM_ENV]: '1' },
      });
      expect(run.exitCode).not.toBe(0);
      expect(run.json).toMatchObject({ code: 999, msg: expect.stringContaining(FAIL_AFTER_IPAM_ENV) });
      expect(await vethsInNode()).toEqual([]);
      expect(await linkNames(sandbox, pod)).toEqual(['lo']);
      expect(await allocations()).toEqual([]);
    });

    it('(eth0 already taken in the pod) fails with what went wrong and leaks nothing', async () => {
      const pod = await sandbox.namespace('taken');
      await sandbox.exec(pod, 'ip', ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-peer']);
      const run = await runBridge(node, 'ADD', config(), { containerId: 'taken', netns: pod.path });
      expect(run.json).toMatchObject({ code: 999, msg: expect.stringContaining('setting up bridge cni0 and veth') });
      expect(await vethsInNode()).toEqual([]);
      expect(await allocations()).toEqual([]);
    });
  });

  describe('bad input: a clear error, nothing made', () => {
    let pod: TestNamespace;
    beforeAll(async () => (pod = await sandbox.namespace('bad')));
    afterEach(async () => {
      expect(await vethsInNode()).toEqual([]);
      expect(await linkNames(sandbox, pod)).toEqual(['lo']);
      expect(await allocations()).toEqual([]);
    });
    const add = (cfg: object | string, netns = pod.path) => runBridge(node, 'ADD', cfg, { containerId: 'bad', netns });

    it.each([
      ['ipMasq (masquerading is tscni-masq\'s job)', 2, { ipMasq: true }, 'chain tscni-masq after tscni-bridge'],
      ['a non-numeric mtu', 7, { mtu: 'big' }, '"mtu" must be an integer'],
      ['an out-of-range mtu', 7, { mtu: 20 }, '"mtu" must be an integer'],
      ['hairpinMode with promiscMode', 7, { hairpinMode: true, promiscMode: true }, 'hairpinMode and promiscMode'],
      ['a bridge name longer than 15 bytes', 7, { bridge: 'a-very-long-bridge' }, 'invalid bridge name'],
      ['a bridge name with a slash', 7, { bridge: 'br/0' }, 'invalid bridge name'],
      ['a podcidr that is not a subnet', 7, { podcidr: '10.0.0.0/33' }, '"podcidr"'],
      ['a podcidr and ipam ranges both', 7, { ipam: { type: 'host-local', ranges: [] } }, 'both name the pod subnet'],
      ['isGateway as a string', 7, { isGateway: 'yes' }, '"isGateway" must be true or false'],
      ['an IPAM plugin that does not exist', 7, { podcidr: undefined, ipam: { type: 'no-such-ipam' } }, 'failed to find plugin'],
    ])('%s returns code %i', async (_what, code, extra, msg) => {
      const run = await add(config(extra));
      expect(run.exitCode).not.toBe(0);
      expect(run.json).toMatchObject({ code, msg: expect.stringContaining(msg) });
    });

    it('isGateway without any IPAM returns code 7', async () => {
      const run = await add({ cniVersion: '1.1.0', name: 'brlife', type: 'tscni-bridge', isGateway: true });
      expect(run.json).toMatchObject({ code: 7, msg: expect.stringContaining('need addresses') });
    });

    it('a netns that does not exist returns code 3', async () => {
      expect((await add(config(), '/var/run/netns/tscni-br-no-such-ns')).json).toMatchObject({ code: 3 });
    });

    it('config that is not JSON returns code 6', async () => {
      expect((await add('{"cniVersion":')).json).toMatchObject({ code: 6 });
    });

    it('a bridge name held by a device that is not a bridge returns code 999', async () => {
      // In a node of its own, so that this node's checks see no veth.
      const other = await sandbox.namespace('node2');
      await sandbox.exec(other, 'ip', ['link', 'add', 'notabridge', 'type', 'veth', 'peer', 'name', 'notabridge-p']);
      const run = await runBridge(other, 'ADD', config({ bridge: 'notabridge' }), { containerId: 'bad', netns: pod.path });
      expect(run.json).toMatchObject({ code: 999, msg: expect.stringContaining('"notabridge" already exists but is not a bridge') });
    });
  });
});
