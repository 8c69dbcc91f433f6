import { compareVersions } from '@tscni/core';
import { binary, execIn, REFERENCE_BIN_DIR, type TestNamespace } from '@tscni/core/testing';
import { join } from 'node:path';
import { command } from '../../src/runtimes/command.js';

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

export function pluginPath(type: string): string {
  return type.startsWith('tscni-') ? binary(type) : join(REFERENCE_BIN_DIR, type);
}

/** Every plugin type of a chain, IPAM delegates included. */
export function pluginTypes(chain: MixedChain): string[] {
  const plugins = chain.plugins({ dataDir: '/', lockDir: '/' });
  return [...plugins.map((p) => p.type), ...plugins.flatMap((p) => ((p.ipam as Plugin | undefined)?.type ? [(p.ipam as Plugin).type] : []))];
}

function ipam(type: string, subnet: string, dataDir: string): Plugin {
  return { type, ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir };
}

export const PORT_MAPPING = { hostPort: 18080, containerPort: 80, protocol: 'tcp' };
export const TUNED_SYSCTL = { key: 'net.ipv4.conf.eth0.arp_notify', value: '1' };

export const CHAINS: MixedChain[] = [
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
