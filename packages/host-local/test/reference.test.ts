import { BIN_DIR, REFERENCE_BIN_DIR, Sandbox, execPluginIn, type TestNamespace } from '@tscni/core/testing';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { addressesOf, ids, ipam, type IpamNet } from './run.js';

const REFERENCE_HOST_LOCAL = join(REFERENCE_BIN_DIR, 'host-local');

/** tscni-host-local beside the reference plugins of /usr/lib/cni (v1.1.1). */
describe('tscni-host-local with the reference plugins', () => {
  const sandbox = new Sandbox('hl');
  let dataDir: string;
  const allocationFiles = () => readdirSync(join(dataDir, 'hlnet')).filter((name) => /^\d+\.\d+\.\d+\.\d+$/.test(name));

  beforeEach(async () => {
    dataDir = await sandbox.dir();
  });
  afterAll(() => sandbox.cleanup());

  // 200 pods on one node at once (flock pile-ups: containernetworking/plugins #561).
  it('shares a data directory with the reference host-local: 200 parallel ADDs never collide, each releases the other', async () => {
    const config: IpamNet = { name: 'hlnet', ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.31.0.0/24' }]] } };
    const ours = ids('ours', 100);
    const theirs = ids('ref', 100);
    const added = await Promise.all([
      ...ours.map((id) => ipam('ADD', id, config)),
      ...theirs.map((id) => ipam('ADD', id, config, { plugin: REFERENCE_HOST_LOCAL })),
    ]);
    expect(added.filter((run) => run.exitCode !== 0).map((run) => run.stdout)).toEqual([]);
    expect(new Set(added.flatMap(addressesOf)).size).toBe(200);
    expect(allocationFiles()).toHaveLength(200);

    const deleted = await Promise.all([
      ...ours.map((id) => ipam('DEL', id, config, { plugin: REFERENCE_HOST_LOCAL })),
      ...theirs.map((id) => ipam('DEL', id, config)),
    ]);
    expect(deleted.filter((run) => run.exitCode !== 0)).toEqual([]);
    expect(allocationFiles()).toEqual([]);
  });

  it('refuses to ADD twice a container the reference allocated, and the reference refuses one of ours', async () => {
    const config: IpamNet = { name: 'hlnet', ipam: { type: 'host-local', dataDir, subnet: '10.32.0.0/24' } };
    addressesOf(await ipam('ADD', 'by-ref', config, { plugin: REFERENCE_HOST_LOCAL }));
    expect((await ipam('ADD', 'by-ref', config)).json).toMatchObject({ code: 102 });
    addressesOf(await ipam('ADD', 'by-us', config));
    expect((await ipam('ADD', 'by-us', config, { plugin: REFERENCE_HOST_LOCAL })).exitCode).not.toBe(0);
    expect(allocationFiles()).toHaveLength(2);
  });

  describe('as the IPAM of the reference bridge', () => {
    let node: TestNamespace;
    let pods: TestNamespace[];
    const bridgeNet = () => ({
      cniVersion: '1.0.0',
      name: 'hlnet',
      type: 'bridge',
      bridge: 'hl0',
      isGateway: true,
      ipam: { type: 'tscni-host-local', dataDir, podcidr: '10.33.0.0/24', routes: [{ dst: '0.0.0.0/0' }] },
    });
    const bridge = (command: string, pod: TestNamespace, index: number) =>
      execPluginIn(node, join(REFERENCE_BIN_DIR, 'bridge'), {
        command,
        containerId: `pod${index}`,
        netns: pod.path,
        ifName: 'eth0',
        cniPath: `${BIN_DIR}:${REFERENCE_BIN_DIR}`,
      }, bridgeNet());

    beforeAll(async () => {
      node = await sandbox.namespace('node');
      pods = [await sandbox.namespace('pod0'), await sandbox.namespace('pod1')];
    });

    it('gives pods working addresses: they reach the gateway and each other, and DEL releases them', async () => {
      const results = await Promise.all(pods.map((pod, i) => bridge('ADD', pod, i)));
      expect(results.map((run) => run.exitCode)).toEqual([0, 0]);
      const [first, second] = results.map((run) => (run.json!.ips as Array<{ address: string }>)[0]!.address.split('/')[0]!);
      expect(new Set([first, second])).toEqual(new Set(['10.33.0.2', '10.33.0.3']));
      await sandbox.exec(pods[0]!, 'ping', ['-c1', '-W2', '10.33.0.1']);
      await sandbox.exec(pods[0]!, 'ping', ['-c1', '-W2', second!]);
      await sandbox.exec(pods[1]!, 'ping', ['-c1', '-W2', first!]);

      expect((await Promise.all(pods.map((pod, i) => bridge('DEL', pod, i)))).map((run) => run.exitCode)).toEqual([0, 0]);
      expect(allocationFiles()).toEqual([]);
    });
  });
});
