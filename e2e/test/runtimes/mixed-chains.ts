import { ChainRunner, compareVersions, execaRunner, parseConfList, type Runner } from '@tscni/core';
import { BIN_DIR, binary, execIn, execPluginIn, REFERENCE_BIN_DIR, Sandbox, type TestNamespace } from '@tscni/core/testing';
import { join } from 'node:path';
import { command, leftovers } from '@tscni/testbed/runtimes';

/** Every spec version the reference plugins (v1.1.1, up to 1.0.0) and tscni both speak. */
export const SHARED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] as const;

type Plugin = Record<string, unknown> & { type: string };

/** What one mixed chain needs from its test: where its state goes. */
export interface ChainContext {
  dataDir: string;
  lockDir: string;
}

/** A conflist mixing tscni and reference plugins, with what to look for while a pod is attached. */
export interface MixedChain {
  title: string;
  bridge: string;
  subnet: string;
  /** The versions every plugin of the chain speaks (the reference firewall starts at 0.4.0). */
  versions: readonly string[];
  plugins: (context: ChainContext) => Plugin[];
  /** Runtime capability arguments for the ADD. */
  capabilityArgs?: Record<string, unknown>;
  /** Types that CHECK must skip (the reference portmap's CHECK fails on IPv4-only networks, a known upstream bug). */
  notChecked?: string[];
  /** What the chain's reference plugins must have done for an attached pod. */
  expectWhileAttached?: (node: TestNamespace, pod: TestNamespace, podAddress: string) => Promise<void>;
}

const iptablesSave = (node: TestNamespace, table: string) => command('iptables-save', ['-t', table], { netns: node.path });

function pluginPath(type: string): string {
  return type.startsWith('tscni-') ? binary(type) : join(REFERENCE_BIN_DIR, type);
}

/** Every plugin type of a chain, IPAM delegates included. */
function pluginTypes(chain: MixedChain): string[] {
  const plugins = chain.plugins({ dataDir: '/', lockDir: '/' });
  return [...plugins.map((p) => p.type), ...plugins.flatMap((p) => ((p.ipam as Plugin | undefined)?.type ? [(p.ipam as Plugin).type] : []))];
}

function ipam(type: string, subnet: string, dataDir: string): Plugin {
  return { type, ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir };
}

export const PORT_MAPPING = { hostPort: 18080, containerPort: 80, protocol: 'tcp' };
export const TUNED_SYSCTL = { key: 'net.ipv4.conf.eth0.arp_notify', value: '1' };

/** A bridge and an IPAM plugin from opposite sides. */
export const IPAM_CHAINS: MixedChain[] = [
  {
    title: 'reference bridge + tscni-host-local',
    bridge: 'mix1',
    subnet: '10.90.1.0/24',
    versions: SHARED_VERSIONS,
    plugins: ({ dataDir }) => [{ type: 'bridge', bridge: 'mix1', isGateway: true, ipam: ipam('tscni-host-local', '10.90.1.0/24', dataDir) }],
  },
  {
    title: 'tscni-bridge + reference host-local',
    bridge: 'mix2',
    subnet: '10.90.2.0/24',
    versions: SHARED_VERSIONS,
    plugins: ({ dataDir }) => [{ type: 'tscni-bridge', bridge: 'mix2', isGateway: true, ipam: ipam('host-local', '10.90.2.0/24', dataDir) }],
  },
];

/** tscni-bridge followed by reference chained plugins (and tscni-masq after them). */
export const CHAINED_CHAINS: MixedChain[] = [
  {
    title: 'tscni-bridge → reference portmap → reference tuning → tscni-masq',
    bridge: 'mix3',
    subnet: '10.90.3.0/24',
    versions: SHARED_VERSIONS,
    plugins: ({ dataDir, lockDir }) => [
      { type: 'tscni-bridge', bridge: 'mix3', isGateway: true, ipam: ipam('tscni-host-local', '10.90.3.0/24', dataDir) },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      { type: 'tuning', sysctl: { [TUNED_SYSCTL.key]: TUNED_SYSCTL.value } },
      { type: 'tscni-masq', lockFile: join(lockDir, 'masq.lock') },
    ],
    capabilityArgs: { portMappings: [PORT_MAPPING] },
    notChecked: ['portmap'],
    expectWhileAttached: async (node, pod, podAddress) => {
      const nat = await iptablesSave(node, 'nat');
      expect(nat).toContain(`--dport ${PORT_MAPPING.hostPort} -j DNAT --to-destination ${podAddress}:${PORT_MAPPING.containerPort}`);
      expect(nat).toContain('tscni-masq');
      expect((await execIn(pod, 'cat', [`/proc/sys/${TUNED_SYSCTL.key.replace(/\./g, '/')}`])).trim()).toBe(TUNED_SYSCTL.value);
    },
  },
  {
    title: 'tscni-bridge → reference firewall',
    bridge: 'mix4',
    subnet: '10.90.4.0/24',
    versions: SHARED_VERSIONS.filter((v) => compareVersions(v, '0.4.0') >= 0),
    plugins: ({ dataDir }) => [
      { type: 'tscni-bridge', bridge: 'mix4', isGateway: true, ipam: ipam('tscni-host-local', '10.90.4.0/24', dataDir) },
      { type: 'firewall', backend: 'iptables' },
    ],
    expectWhileAttached: async (node, _pod, podAddress) => {
      expect(await iptablesSave(node, 'filter')).toContain(`-A CNI-FORWARD -d ${podAddress}/32`);
    },
  },
];

interface AttachResult {
  ips: Array<{ address: string; gateway?: string }>;
}

/** What a suite's extra tests share with the chain cases. */
export interface MixedChainWorld {
  sandbox: Sandbox;
  node: TestNamespace;
  chainRunner: ChainRunner;
  stateDir: string;
}

async function supportedVersions(type: string): Promise<string[]> {
  const run = await execPluginIn(undefined, pluginPath(type), { command: 'VERSION' }, {});
  return (run.json?.supportedVersions ?? []) as string[];
}

/**
 * Runs each chain through the chain runner in every version all its plugins
 * speak: ADD, CHECK (0.4.0 on), DEL, and nothing left behind. All plugin
 * work runs inside one node namespace; each attachment gets its own pod.
 */
export function describeMixedChains(title: string, chains: MixedChain[], moreTests?: (world: () => MixedChainWorld) => void): void {
  describe(title, () => {
    const sandbox = new Sandbox('rt-mix');
    let world: MixedChainWorld;

    beforeAll(async () => {
      const node = await sandbox.namespace('node');
      const stateDir = await sandbox.dir();
      // Every plugin runs inside the node namespace: bridges, routes and rules land there.
      const inNode: Runner = { run: (file, args, options = {}) => execaRunner.run(file, args, { ...options, netns: node.path }) };
      const chainRunner = new ChainRunner({ cniPath: [BIN_DIR, REFERENCE_BIN_DIR], cacheDir: join(stateDir, 'cache'), runner: inNode });
      world = { sandbox, node, stateDir, chainRunner };
    });
    afterAll(() => sandbox.cleanup());

    it.each(chains)('$title runs in every version all its plugins speak', async (chain) => {
      const [first = [], ...rest] = await Promise.all(pluginTypes(chain).map(supportedVersions));
      expect(chain.versions).toEqual(first.filter((v) => rest.every((versions) => versions.includes(v))));
    });

    const cases = chains.flatMap((chain, index) => chain.versions.map((version) => ({ chain, index, version })));

    it.each(cases)('$chain.title at $version: ADD, CHECK, DEL leave nothing behind', async ({ chain, index, version }) => {
      const { node, chainRunner, stateDir } = world;
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

    moreTests?.(() => world);
  });
}
