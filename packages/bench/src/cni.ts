import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ChainRunner, execPlugin, parseConfList, spawnRunner, type Command, type LoadedConfList, type Runner, type RuntimeConf,
} from '@tscni/core';
import { REFERENCE_BIN_DIR, type Sandbox, type TestNamespace } from '@tscni/core/testing';
import { TSCNI_BIN_DIR } from './executables.js';

export type SideName = 'tscni' | 'reference';
export const SIDES: readonly SideName[] = ['tscni', 'reference'];

/** Runs every program inside the node's namespace, so bridges and rules stay there. */
export function inNode(node: TestNamespace, base: Runner = spawnRunner): Runner {
  return { run: (file, args, options) => base.run(file, args, { ...options, netns: node.path }) };
}

/** What a network needs on disk: its IPAM store, the runtime's result cache, the masq lock. */
export interface NetworkDirs {
  dataDir: string;
  cacheDir: string;
  lockFile: string;
}

export async function networkDirs(sandbox: Sandbox): Promise<NetworkDirs> {
  const dir = await sandbox.dir();
  return { dataDir: join(dir, 'ipam'), cacheDir: join(dir, 'cache'), lockFile: join(dir, 'masq.lock') };
}

export const NETWORK = 'bench';
const SUBNET = '10.88.0.0/16';

export function ipam(side: SideName, dirs: NetworkDirs): Record<string, unknown> {
  return { type: side === 'tscni' ? 'tscni-host-local' : 'host-local', subnet: SUBNET, dataDir: dirs.dataDir };
}

/**
 * The node's pod network, as each side builds it: tscni-bridge with
 * tscni-host-local, then tscni-masq; the reference bridge with host-local
 * and ipMasq. `masquerade: false` leaves the masquerade part out.
 */
export function conflist(side: SideName, dirs: NetworkDirs, masquerade = true): LoadedConfList {
  const bridge = { type: side === 'tscni' ? 'tscni-bridge' : 'bridge', bridge: 'cni0', isGateway: true, ipam: ipam(side, dirs) };
  const plugins =
    side === 'tscni'
      ? [bridge, ...(masquerade ? [{ type: 'tscni-masq', lockFile: dirs.lockFile }] : [])]
      : [{ ...bridge, ipMasq: masquerade }];
  return parseConfList(JSON.stringify({ cniVersion: '1.0.0', name: NETWORK, plugins }));
}

export function cniPath(side: SideName): string[] {
  return [side === 'tscni' ? TSCNI_BIN_DIR : REFERENCE_BIN_DIR];
}

/** One side's node: a namespace, its directories, and a chain runner executing plugins in it. */
export interface BenchNode {
  side: SideName;
  ns: TestNamespace;
  dirs: NetworkDirs;
  chain: ChainRunner;
}

/** `label` names the table, so that each table's nodes are namespaces of their own. */
export async function makeNode(sandbox: Sandbox, label: string, side: SideName, runner?: Runner): Promise<BenchNode> {
  const ns = await sandbox.namespace(`${label}node-${side === 'tscni' ? 't' : 'r'}`);
  const dirs = await networkDirs(sandbox);
  const chain = new ChainRunner({ cniPath: cniPath(side), cacheDir: dirs.cacheDir, runner: runner ?? inNode(ns) });
  return { side, ns, dirs, chain };
}

/** Namespaces for pods, made a few at a time. */
export async function makePods(sandbox: Sandbox, prefix: string, count: number): Promise<TestNamespace[]> {
  const pods: TestNamespace[] = [];
  for (let i = 0; i < count; i += 8) {
    const batch = Array.from({ length: Math.min(8, count - i) }, (_, j) => sandbox.namespace(`${prefix}${i + j}`));
    pods.push(...(await Promise.all(batch)));
  }
  return pods;
}

export function attachment(pod: TestNamespace, containerId: string): RuntimeConf {
  return { containerId, netns: pod.path, ifName: 'eth0' };
}

/** Executes one plugin directly (no chain), inside the node, as a runtime would. */
export function execInNode(
  node: BenchNode,
  executable: string,
  command: Exclude<Command, 'VERSION'>,
  config: Record<string, unknown>,
  rt: RuntimeConf,
): Promise<unknown> {
  const stdin = JSON.stringify({ cniVersion: '1.0.0', name: NETWORK, ...config });
  return execPlugin(inNode(node.ns), executable, command, stdin, {
    PATH: process.env.PATH,
    CNI_CONTAINERID: rt.containerId,
    CNI_NETNS: rt.netns,
    CNI_IFNAME: rt.ifName,
    CNI_PATH: cniPath(node.side).join(':'),
  });
}

export function executable(side: SideName, tscniName: string, referenceName: string): string {
  return side === 'tscni' ? join(TSCNI_BIN_DIR, tscniName) : join(REFERENCE_BIN_DIR, referenceName);
}

/** What pods left behind on a node after their DEL: veths, addresses, per-pod nat chains, cached results. */
export async function leftovers(sandbox: Sandbox, node: BenchNode): Promise<string[]> {
  const found: string[] = [];
  const veths = JSON.parse((await sandbox.exec(node.ns, 'ip', ['-j', 'link', 'show', 'type', 'veth'])) || '[]') as unknown[];
  if (veths.length > 0) found.push(`${veths.length} veth`);
  const ipamFiles = (await readdir(join(node.dirs.dataDir, NETWORK)).catch(() => [] as string[])).filter((f) =>
    /^[0-9a-f.:]+$/.test(f),
  );
  if (ipamFiles.length > 0) found.push(`${ipamFiles.length} addresses`);
  const nat = await sandbox.exec(node.ns, 'iptables-save', ['-t', 'nat']).catch(() => '');
  const podChains = nat.split('\n').filter((line) => line.startsWith(':CNI-')).length;
  if (podChains > 0) found.push(`${podChains} nat chains`);
  const cached = await readdir(join(node.dirs.cacheDir, 'results')).catch(() => [] as string[]);
  if (cached.length > 0) found.push(`${cached.length} cached results`);
  return found;
}
