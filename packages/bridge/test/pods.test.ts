import { SUPPORTED_VERSIONS } from '@tscni/core';
import { Sandbox, type TestNamespace } from '@tscni/core/testing';
import { spawn } from 'node:child_process';
import { addOk, linkNames, ping, runBridge } from './helpers.js';

/** The executable on a node namespace, pods as namespaces: what a pod gets from ADD. */
describe('tscni-bridge: pods on a node', () => {
  const sandbox = new Sandbox('br');
  let node: TestNamespace;
  let dataDir: string;
  // The seed's one-line config; the ipam section only moves the store into the sandbox.
  const seedConfig = (cniVersion = '1.1.0', extra: object = {}) => ({
    cniVersion,
    name: 'brpods',
    type: 'tscni-bridge',
    podcidr: '10.244.2.0/24',
    ipam: { type: 'tscni-host-local', dataDir },
    ...extra,
  });

  beforeAll(async () => {
    node = await sandbox.namespace('node');
    dataDir = await sandbox.dir();
  });
  afterAll(() => sandbox.cleanup());

  describe('two pods on the seed config', () => {
    let podA: TestNamespace;
    let podB: TestNamespace;
    let resultA: Record<string, unknown>;
    let resultB: Record<string, unknown>;
    const addressOf = (result: Record<string, unknown>) =>
      ((result.ips as Array<{ address: string }>)[0]?.address ?? '').split('/')[0] ?? '';

    beforeAll(async () => {
      [podA, podB] = await Promise.all([sandbox.namespace('pa'), sandbox.namespace('pb')]);
      resultA = await addOk(node, seedConfig(), { containerId: 'pod-a', netns: podA.path });
      resultB = await addOk(node, seedConfig(), { containerId: 'pod-b', netns: podB.path });
    });

    it('puts the gateway .1/24 on cni0 and turns on forwarding in the node', async () => {
      const addr = await sandbox.exec(node, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'cni0']);
      expect(addr).toContain('10.244.2.1/24');
      expect((await sandbox.exec(node, 'cat', ['/proc/sys/net/ipv4/ip_forward'])).trim()).toBe('1');
    });

    it('gives each pod eth0 with an address in the podcidr and a default route via .1', async () => {
      expect(addressOf(resultA)).toMatch(/^10\.244\.2\.\d+$/);
      expect(addressOf(resultA)).not.toBe(addressOf(resultB));
      const routes = await sandbox.exec(podA, 'ip', ['-4', 'route', 'show']);
      expect(routes).toContain('default via 10.244.2.1 dev eth0');
    });

    it('lets the two pods ping each other', async () => {
      expect(await ping(sandbox, podA, addressOf(resultB))).toBe(true);
      expect(await ping(sandbox, podB, addressOf(resultA))).toBe(true);
    });

    it('attaches the host veth, named from containerID and ifname, to cni0', async () => {
      const hostVeth = (resultA.interfaces as Array<{ name: string }>)[1]?.name ?? '';
      expect(hostVeth).toMatch(/^veth[0-9a-f]{11}$/);
      const link = await sandbox.exec(node, 'ip', ['-o', 'link', 'show', 'dev', hostVeth]);
      expect(link).toContain('master cni0');
    });
  });

  it('a default-gateway pod reaches an address outside its subnet through the node', async () => {
    // "outside": another network behind the node, with a route back to the pods.
    const [pod, outside] = await Promise.all([sandbox.namespace('pgw'), sandbox.namespace('out')]);
    await sandbox.exec(node, 'ip', ['link', 'add', 'ext0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside.path]);
    await sandbox.exec(node, 'ip', ['addr', 'add', '198.51.100.1/24', 'dev', 'ext0']);
    await sandbox.exec(node, 'ip', ['link', 'set', 'ext0', 'up']);
    await sandbox.exec(outside, 'ip', ['addr', 'add', '198.51.100.2/24', 'dev', 'eth0']);
    await sandbox.exec(outside, 'ip', ['link', 'set', 'eth0', 'up']);
    await sandbox.exec(outside, 'ip', ['route', 'add', '10.244.0.0/16', 'via', '198.51.100.1']);

    await addOk(node, seedConfig(), { containerId: 'pod-gw', netns: pod.path });
    expect(await ping(sandbox, pod, '198.51.100.2')).toBe(true);
  });

  describe.each(SUPPORTED_VERSIONS)('the result in spec version %s', (version) => {
    it('names bridge, host veth and container interface, with ips, gateway and routes', async () => {
      const pod = await sandbox.namespace(`v${version.replaceAll('.', '')}`);
      const attach = { containerId: `pod-${version}`, netns: pod.path };
      const result = await addOk(node, seedConfig(version, { mtu: 1400 }), attach);
      const legacy = version.startsWith('0.');
      const modern = version === '1.1.0';
      const mac = expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      expect(result).toEqual({
        cniVersion: version,
        interfaces: [
          { name: 'cni0', mac, ...(modern ? { mtu: 1400 } : {}) },
          { name: expect.stringMatching(/^veth/), mac, ...(modern ? { mtu: 1400 } : {}) },
          { name: 'eth0', mac, sandbox: pod.path, ...(modern ? { mtu: 1400 } : {}) },
        ],
        ips: [
          {
            ...(legacy ? { version: '4' } : {}),
            address: expect.stringMatching(/^10\.244\.2\.\d+\/24$/),
            gateway: '10.244.2.1',
            interface: 2,
          },
        ],
        routes: [{ dst: '0.0.0.0/0', gw: '10.244.2.1' }],
      });
      const interfaces = result.interfaces as Array<{ mac: string }>;
      const eth0 = await sandbox.exec(pod, 'ip', ['-o', 'link', 'show', 'dev', 'eth0']);
      expect(eth0).toContain(interfaces[2]?.mac);
      expect(eth0).toContain('mtu 1400');
      expect((await runBridge(node, 'DEL', seedConfig(version, { mtu: 1400 }), attach)).exitCode).toBe(0);
    });
  });

  it('dual-stack with the reference host-local: an IPv4 and an IPv6 address, both reachable', async () => {
    const [podA, podB] = await Promise.all([sandbox.namespace('ds1'), sandbox.namespace('ds2')]);
    const config = {
      cniVersion: '1.0.0',
      name: 'brdual',
      type: 'tscni-bridge',
      bridge: 'br-dual',
      isGateway: true,
      isDefaultGateway: true,
      ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.245.0.0/24' }], [{ subnet: 'fd00:245::/64' }]] },
    };
    const result = await addOk(node, config, { containerId: 'ds-a', netns: podA.path });
    await addOk(node, config, { containerId: 'ds-b', netns: podB.path });
    expect(result.ips).toEqual([
      { address: expect.stringMatching(/^10\.245\.0\.\d+\/24$/), gateway: '10.245.0.1', interface: 2 },
      { address: expect.stringMatching(/^fd00:245::[0-9a-f]+\/64$/), gateway: 'fd00:245::1', interface: 2 },
    ]);
    expect(result.routes).toEqual([
      { dst: '0.0.0.0/0', gw: '10.245.0.1' },
      { dst: '::/0', gw: 'fd00:245::1' },
    ]);
    const accept = await sandbox.exec(podA, 'cat', ['/proc/sys/net/ipv6/conf/eth0/accept_dad']);
    expect(accept.trim()).toBe('0');
    const addressB = await sandbox.exec(podB, 'ip', ['-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']);
    const v6 = /inet6 ([0-9a-f:]+)\//.exec(addressB)?.[1] ?? '';
    expect(await ping(sandbox, podA, v6)).toBe(true);
    expect(await ping(sandbox, podA, 'fd00:245::1')).toBe(true);
  });

  it('accepts a /proc/<pid>/ns/net namespace path, and DEL releases it', async () => {
    const pod = await sandbox.namespace('proc');
    const sleeper = spawn('ip', ['netns', 'exec', pod.name, 'sleep', '120'], { stdio: 'ignore' });
    try {
      const netns = `/proc/${sleeper.pid}/ns/net`;
      const result = await addOk(node, seedConfig(), { containerId: 'pod-proc', netns });
      expect((result.interfaces as Array<{ sandbox?: string }>)[2]?.sandbox).toBe(netns);
      expect(await linkNames(sandbox, pod)).toContain('eth0');
      expect((await runBridge(node, 'DEL', seedConfig(), { containerId: 'pod-proc', netns })).exitCode).toBe(0);
      expect(await linkNames(sandbox, pod)).not.toContain('eth0');
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});
