import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN_DIR, binary, echoSourceSeenBy, REFERENCE_BIN_DIR, Sandbox, type TestNamespace } from '@tscni/core/testing';
import { link } from './network.js';

const run = promisify(execFile);

/** Per family: a host on the internet, the node's uplink address, an address in another node's pod CIDR. */
const ADDRESSES = {
  4: { outside: '203.0.113.100', uplink: '203.0.113.1', peerPod: '10.244.2.1', pod: /^10\.244\.1\.\d+$/ },
  6: { outside: '2001:db8:203::100', uplink: '2001:db8:203::1', peerPod: 'fd00:10:244:2::1', pod: /^fd00:10:244:1::\w+$/ },
};

/**
 * A node namespace with an uplink to an "internet" namespace and a link to
 * a peer node that owns 10.244.2.0/24; pods come from a bridge plugin
 * chained with tscni-masq, run by the `tscni` chain runner inside the node.
 */
describe.each([
  ['the reference bridge', 'bridge'],
  ['tscni-bridge', 'tscni-bridge'],
])('%s -> tscni-masq, run by the chain runner', (_name, bridgeType) => {
  const sandbox = new Sandbox('mq');
  let node: TestNamespace, pod: TestNamespace, internet: TestNamespace, peer: TestNamespace;
  let env: Record<string, string>;

  beforeAll(async () => {
    node = await sandbox.namespace('node');
    pod = await sandbox.namespace('pod');
    internet = await sandbox.namespace('inet');
    peer = await sandbox.namespace('peer');
    await link(sandbox, [node, 'eth0', '203.0.113.1/24'], [internet, 'eth0', '203.0.113.100/24']);
    await link(sandbox, [node, 'eth1', '172.18.0.4/24'], [peer, 'eth0', '172.18.0.3/24']);
    for (const [ns, device, address] of [
      [node, 'eth0', '2001:db8:203::1/64'],
      [internet, 'eth0', '2001:db8:203::100/64'],
      [node, 'eth1', 'fd00:172:18::4/64'],
      [peer, 'eth0', 'fd00:172:18::3/64'],
      [peer, 'lo', 'fd00:10:244:2::1/64'],
      [peer, 'lo', '10.244.2.1/24'],
    ] as const) {
      await sandbox.exec(ns, 'ip', ['addr', 'add', address, 'dev', device, ...(address.includes(':') ? ['nodad'] : [])]);
    }
    await sandbox.exec(peer, 'ip', ['route', 'add', '10.244.1.0/24', 'via', '172.18.0.4']);
    await sandbox.exec(peer, 'ip', ['route', 'add', 'fd00:10:244:1::/64', 'via', 'fd00:172:18::4']);
    await sandbox.exec(node, 'ip', ['route', 'add', '10.244.2.0/24', 'via', '172.18.0.3']);
    await sandbox.exec(node, 'ip', ['route', 'add', 'fd00:10:244:2::/64', 'via', 'fd00:172:18::3']);

    const dir = await sandbox.dir();
    const conflist = {
      cniVersion: '1.0.0',
      name: 'mqnet',
      plugins: [
        {
          type: bridgeType,
          bridge: 'cni0',
          isGateway: true,
          isDefaultGateway: true,
          ipMasq: false,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: '10.244.1.0/24' }], [{ subnet: 'fd00:10:244:1::/64' }]],
            dataDir: join(dir, 'ipam'),
          },
        },
        {
          type: 'tscni-masq',
          nonMasqueradeCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'],
          lockFile: join(dir, 'masq.lock'),
        },
      ],
    };
    await writeFile(join(dir, 'mqnet.conflist'), JSON.stringify(conflist));
    env = {
      NETCONFPATH: dir,
      CNI_PATH: `${BIN_DIR}:${REFERENCE_BIN_DIR}`,
      CNI_CACHE_DIR: join(dir, 'cache'),
      CNI_CONTAINERID: 'mq-pod',
    };
  });
  afterAll(() => sandbox.cleanup());

  const tscni = (...args: string[]) =>
    run('ip', ['netns', 'exec', node.name, 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), binary('tscni'), ...args]);
  // Three tries: an IPv6 gateway address may still be tentative (DAD) for the first one.
  const ping = (address: string) => sandbox.exec(pod, 'ping', ['-c', '3', '-i', '0.2', '-W', '5', address]);
  const families = [[4], [6]] as const;

  it('ADD gives the pod an address and the node one masquerade rule set', async () => {
    const result = JSON.parse((await tscni('add', 'mqnet', pod.path)).stdout) as { ips: Array<{ address: string }> };
    expect(result.ips.map((ip) => ip.address.split('/')[0])).toEqual([
      expect.stringMatching(ADDRESSES[4].pod),
      expect.stringMatching(ADDRESSES[6].pod),
    ]);
    expect((await sandbox.exec(node, 'iptables-nft', ['-t', 'nat', '-S', 'TSCNI-MASQ'])).split('\n')).toContain(
      '-A TSCNI-MASQ -d 10.244.0.0/16 -m comment --comment "tscni-masq: no masquerade to 10.244.0.0/16" -j RETURN',
    );
  });

  it.each(families)("IPv%i: pod -> internet is seen with the node's address, and the reply comes back", async (family) => {
    const { outside, uplink } = ADDRESSES[family];
    expect(await echoSourceSeenBy(internet, 'eth0', () => ping(outside))).toBe(uplink);
  });

  it.each(families)("IPv%i: pod -> another node's pod CIDR keeps the pod's address", async (family) => {
    const { peerPod, pod } = ADDRESSES[family];
    expect(await echoSourceSeenBy(peer, 'eth0', () => ping(peerPod))).toMatch(pod);
  });

  it('CHECK passes; DEL removes the pod and keeps the node rules for the next pod', async () => {
    await tscni('check', 'mqnet', pod.path);
    await tscni('del', 'mqnet', pod.path);
    await expect(sandbox.exec(pod, 'ip', ['link', 'show', 'eth0'])).rejects.toThrow();
    expect(await sandbox.exec(node, 'iptables-nft', ['-t', 'nat', '-S', 'TSCNI-MASQ'])).toContain('-j MASQUERADE');
  });
});
