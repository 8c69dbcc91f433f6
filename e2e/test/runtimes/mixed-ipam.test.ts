import { parseConfList } from '@tscni/core';
import { join } from 'node:path';
import { leftovers } from '@tscni/testbed/runtimes';
import { describeMixedChains, IPAM_CHAINS } from './mixed-chains.js';

describeMixedChains('tscni and reference bridge/IPAM pairs through the chain runner', IPAM_CHAINS, (world) => {
  it('tscni-bridge with the reference host-local and tscni-host-local on one dataDir: no address given twice', async () => {
    const { sandbox, node, chainRunner, stateDir } = world();
    const dataDir = join(stateDir, 'ipam-shared');
    const withIpam = (ipamType: string) =>
      parseConfList(
        JSON.stringify({
          cniVersion: '1.0.0',
          name: 'shared',
          plugins: [{ type: 'tscni-bridge', bridge: 'mix9', isGateway: true, ipam: { type: ipamType, ranges: [[{ subnet: '10.90.9.0/24' }]], dataDir } }],
        }),
      );
    const attachments = [];
    for (const [i, ipamType] of ['host-local', 'tscni-host-local', 'host-local', 'tscni-host-local'].entries()) {
      const conf = withIpam(ipamType);
      const rt = { containerId: `shared-${i}`, netns: (await sandbox.namespace(`shared${i}`)).path, ifName: 'eth0' };
      const result = (await chainRunner.add(conf, rt)) as { ips: Array<{ address: string }> };
      attachments.push({ conf, rt, address: result.ips[0]!.address });
    }
    expect(new Set(attachments.map((a) => a.address)).size).toBe(attachments.length);
    const store = () => leftovers(node, { dataDir, network: 'shared', bridge: 'mix9', mentions: [] });
    expect((await store()).addressFiles).toHaveLength(attachments.length);
    for (const { conf, rt } of attachments) await chainRunner.del(conf, rt);
    expect((await store()).addressFiles).toEqual([]);
  });

  // A reference conflist moved over must not lose its masquerading silently: tscni-bridge refuses
  // the key (code 2, unsupported field) and points at tscni-masq, leaving no address behind.
  it('tscni-bridge refuses the reference key ipMasq: true with code 2 and leaks nothing', async () => {
    const { sandbox, node, chainRunner, stateDir } = world();
    const dataDir = join(stateDir, 'ipam-ipmasq');
    const conf = parseConfList(
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'ipmasq',
        plugins: [
          { type: 'tscni-bridge', bridge: 'mix8', isGateway: true, ipMasq: true, ipam: { type: 'tscni-host-local', ranges: [[{ subnet: '10.90.8.0/24' }]], dataDir } },
        ],
      }),
    );
    const rt = { containerId: 'ipmasq-1', netns: (await sandbox.namespace('ipmasq')).path, ifName: 'eth0' };
    await expect(chainRunner.add(conf, rt)).rejects.toMatchObject({ code: 2, message: expect.stringContaining('tscni-masq') });
    expect((await leftovers(node, { dataDir, network: 'ipmasq', bridge: 'mix8', mentions: [] })).addressFiles).toEqual([]);
  });
});
