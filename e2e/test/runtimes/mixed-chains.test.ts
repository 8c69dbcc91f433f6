import { ChainRunner, compareVersions, execaRunner, parseConfList, type Runner } from '@tscni/core';
import { BIN_DIR, execPluginIn, REFERENCE_BIN_DIR, Sandbox, type TestNamespace } from '@tscni/core/testing';
import { join } from 'node:path';
import { leftovers } from '../../src/runtimes/leftovers.js';
import { CHAINS, pluginPath, pluginTypes } from './mixed-chains.js';

interface AttachResult {
  ips: Array<{ address: string; gateway?: string }>;
}

async function supportedVersions(type: string): Promise<string[]> {
  const run = await execPluginIn(undefined, pluginPath(type), { command: 'VERSION' }, {});
  return (run.json?.supportedVersions ?? []) as string[];
}

describe('tscni and the reference plugins mixed in one chain, through the chain runner', () => {
  const sandbox = new Sandbox('rt-mix');
  let node: TestNamespace;
  let chainRunner: ChainRunner;
  let stateDir: string;

  beforeAll(async () => {
    node = await sandbox.namespace('node');
    stateDir = await sandbox.dir();
    // Every plugin runs inside the node namespace: bridges, routes and rules land there.
    const inNode: Runner = { run: (file, args, options = {}) => execaRunner.run(file, args, { ...options, netns: node.path }) };
    chainRunner = new ChainRunner({ cniPath: [BIN_DIR, REFERENCE_BIN_DIR], cacheDir: join(stateDir, 'cache'), runner: inNode });
  });
  afterAll(() => sandbox.cleanup());

  it.each(CHAINS)('$title runs in every version all its plugins speak', async (chain) => {
    const [first = [], ...rest] = await Promise.all(pluginTypes(chain).map(supportedVersions));
    expect(chain.versions).toEqual(first.filter((v) => rest.every((versions) => versions.includes(v))));
  });

  const cases = CHAINS.flatMap((chain, index) => chain.versions.map((version) => ({ chain, index, version })));

  it.each(cases)('$chain.title at $version: ADD, CHECK, DEL leave nothing behind', async ({ chain, index, version }) => {
    const dataDir = join(stateDir, `ipam-${index}`);
    const name = `mix${index}`;
    const plugins = chain.plugins({ dataDir, lockDir: stateDir });
    const conf = parseConfList(JSON.stringify({ cniVersion: version, name, plugins }));
    const pod = await sandbox.namespace(`p${index}-${version.replace(/\./g, '')}`);
    const rt = { containerId: `${name}-${version}`, netns: pod.path, ifName: 'eth0', capabilityArgs: chain.capabilityArgs };

    const result = (await chainRunner.add(conf, rt)) as unknown as AttachResult;
    expect(result.ips).toHaveLength(1);
    const [podAddress, prefixLength] = result.ips[0]!.address.split('/');
    expect(`${podAddress!.split('.').slice(0, 3).join('.')}.0/${prefixLength}`).toBe(chain.subnet);
    expect(await sandbox.exec(pod, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'])).toContain(result.ips[0]!.address);
    await sandbox.exec(pod, 'ping', ['-c1', '-W2', result.ips[0]!.gateway!]);
    await chain.expectWhileAttached?.(node, pod, podAddress!);

    if (compareVersions(version, '0.4.0') >= 0) {
      const checked = { ...conf, list: { ...conf.list, plugins: plugins.filter((p) => !chain.notChecked?.includes(p.type)) } };
      await chainRunner.check(checked, rt);
    }

    await chainRunner.del(conf, rt);
    expect(await leftovers(node, { dataDir, network: name, bridge: chain.bridge, mentions: [rt.containerId, podAddress!] })).toEqual({
      addressFiles: [],
      bridgePorts: [],
      rules: [],
    });
    await sandbox.removeNamespace(pod);
  });

  it('tscni-bridge with the reference host-local and tscni-host-local on one dataDir: no address given twice', async () => {
    const dataDir = join(stateDir, 'ipam-shared');
    const chainOf = (ipamType: string) =>
      parseConfList(
        JSON.stringify({
          cniVersion: '1.0.0',
          name: 'shared',
          plugins: [{ type: 'tscni-bridge', bridge: 'mix9', isGateway: true, ipam: { type: ipamType, ranges: [[{ subnet: '10.90.9.0/24' }]], dataDir } }],
        }),
      );
    const attachments = [chainOf('host-local'), chainOf('tscni-host-local'), chainOf('host-local'), chainOf('tscni-host-local')];
    const addresses: string[] = [];
    const rts = [];
    for (const [i, conf] of attachments.entries()) {
      const pod = await sandbox.namespace(`shared${i}`);
      const rt = { containerId: `shared-${i}`, netns: pod.path, ifName: 'eth0' };
      rts.push(rt);
      addresses.push(((await chainRunner.add(conf, rt)) as unknown as AttachResult).ips[0]!.address);
    }
    expect(new Set(addresses).size).toBe(attachments.length);
    for (const [i, conf] of attachments.entries()) await chainRunner.del(conf, rts[i]!);
    expect((await leftovers(node, { dataDir, network: 'shared', bridge: 'mix9', mentions: [] })).addressFiles).toEqual([]);
  });
});
