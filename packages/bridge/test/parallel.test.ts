import { Sandbox, type TestNamespace } from '@tscni/core/testing';
import { addOk, allocationFiles, linkNames, runBridge } from './helpers.js';

const PODS = 50;

/** Many pods starting at once on an empty node: the bridge race, the IPAM lock, and a clean DEL. */
describe('tscni-bridge: 50 parallel ADDs on an empty node, then 50 parallel DELs', () => {
  const sandbox = new Sandbox('br');
  let node: TestNamespace;
  let dataDir: string;
  let pods: TestNamespace[];
  const config = () => ({
    cniVersion: '1.1.0',
    name: 'brpar',
    type: 'tscni-bridge',
    podcidr: '10.247.0.0/24',
    ipam: { type: 'tscni-host-local', dataDir },
  });
  const attach = (i: number) => ({ containerId: `par-${i}`, netns: pods[i]?.path ?? '' });

  beforeAll(async () => {
    node = await sandbox.namespace('node');
    dataDir = await sandbox.dir();
    pods = [];
    for (let i = 0; i < PODS; i++) pods.push(await sandbox.namespace(`p${i}`));
  }, 120_000);
  afterAll(() => sandbox.cleanup(), 120_000);

  it('every ADD succeeds with its own address, on one bridge', async () => {
    const results = await Promise.all(pods.map((_, i) => addOk(node, config(), attach(i))));
    const addresses = results.map((r) => (r.ips as Array<{ address: string }>)[0]?.address);
    expect(new Set(addresses).size).toBe(PODS);
    expect(await linkNames(sandbox, node, 'bridge')).toEqual(['cni0']);
    expect(await linkNames(sandbox, node, 'veth')).toHaveLength(PODS);
    expect(await allocationFiles(sandbox, node, dataDir)).toHaveLength(PODS);
    const gateway = await sandbox.exec(node, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'cni0']);
    expect(gateway.match(/inet /g)).toHaveLength(1);
  }, 120_000);

  it('every DEL succeeds and leaves the bridge, but no veth and no address file', async () => {
    const runs = await Promise.all(pods.map((_, i) => runBridge(node, 'DEL', config(), attach(i))));
    expect(runs.filter((r) => r.exitCode !== 0).map((r) => r.stdout)).toEqual([]);
    expect(await linkNames(sandbox, node, 'bridge')).toEqual(['cni0']);
    expect(await linkNames(sandbox, node, 'veth')).toEqual([]);
    expect(await allocationFiles(sandbox, node, dataDir)).toEqual([]);
  }, 120_000);
});
