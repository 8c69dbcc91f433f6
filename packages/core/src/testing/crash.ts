import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ChainRunner, type RuntimeConf } from '../chain/chain-runner.js';
import { parseConfList, type LoadedConfList } from '../chain/conflist.js';
import { familyOf } from '../net/ip.js';
import type { SpecVersion } from '../spec/versions.js';
import { spawnRunner } from '../sys/spawn-runner.js';
import { BIN_DIR } from './paths.js';
import { execIn, type Sandbox, type TestNamespace } from './sandbox.js';

const run = promisify(execFile);

/** The spec versions crash tests run at (0.3.0's result differs only in a field name 0.3.1 fixed). */
export const CRASH_TEST_VERSIONS = ['0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const satisfies readonly SpecVersion[];

/** What `ChainNode.reach` says of a pod that works: its own address, configured, reached from the node. */
export const WORKING = { keepers: false, configured: true, pingable: true } as const;

/** What happens after an ADD was killed, before the next pod is added. */
export const FOLLOW_UPS = {
  del: 'DEL with the netns',
  'del-no-netns': 'DEL without netns (CNI_NETNS empty)',
  gc: 'no DEL, GC with the valid attachments',
  'next-add': 'no DEL, the next ADD of the same container ID (then DEL)',
} as const;

export type FollowUp = keyof typeof FOLLOW_UPS;

/** The follow-ups a version has the commands for: GC is 1.1.0's. */
export function followUpsOf(version: SpecVersion): FollowUp[] {
  const all = Object.keys(FOLLOW_UPS) as FollowUp[];
  return version === '1.1.0' ? all : all.filter((followUp) => followUp !== 'gc');
}

/** The versions that have the commands of `followUp`. */
export function versionsOf(followUp: FollowUp): SpecVersion[] {
  return CRASH_TEST_VERSIONS.filter((version) => followUpsOf(version).includes(followUp));
}

/** Whether another process could take the flock on `path` right now. */
export async function lockIsFree(path: string): Promise<boolean> {
  return run('flock', ['-n', '-x', path, 'true']).then(
    () => true,
    () => false,
  );
}

/** What tscni-host-local's store of one network holds: allocated addresses, and files staged but not linked. */
export function hostLocalStore(dataDir: string, network: string): { allocated: string[]; staged: string[] } {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
  return {
    allocated: list(join(dataDir, network)).filter((name) => familyOf(name) !== undefined).sort(),
    staged: list(join(dataDir, '.tscni-host-local', network)).filter((name) => name.startsWith('staged.')),
  };
}

/** What a node has that a pod could have left behind (see ChainNode.leftovers). */
export interface Leftovers {
  /** Allocated addresses and staged files in the node's tscni-host-local store. */
  store: { allocated: string[]; staged: string[] };
  /** veths in the node namespace. */
  veths: string[];
  /** Links in the two pod namespaces. */
  podLinks: string[];
  nextPodLinks: string[];
  /** `ip -4 route show table all` in the node. */
  routes: string;
  /** Whether the store's lock can be taken. */
  lockFree: boolean;
}

export interface ChainNodeOptions {
  version: SpecVersion;
  network: string;
  /** The conflist's plugins; `dataDir` is the node's own, for the IPAM store and lock files. */
  plugins: (dataDir: string) => Array<Record<string, unknown>>;
}

const KEEPER = 'crash-keeper';

/**
 * A node namespace that runs one conflist through the chain runner as a
 * runtime on it would, with a pod whose ADD a test kills, the next pod, and
 * a keeper: a pod attached before anything else, which must survive every
 * case (GC names it valid). `clean` is what the node looks like with the
 * keeper alone; `leftovers()` is what it looks like now.
 */
export class ChainNode {
  private constructor(
    readonly ns: TestNamespace,
    readonly pod: TestNamespace,
    readonly nextPod: TestNamespace,
    readonly dataDir: string,
    private readonly cacheDir: string,
    readonly network: string,
    readonly conf: LoadedConfList,
  ) {}

  private keeperAddress = '';
  private baseline: Leftovers | undefined;

  static async create(sandbox: Sandbox, options: ChainNodeOptions): Promise<ChainNode> {
    const tag = options.version.replaceAll('.', '');
    const [ns, pod, nextPod, keeperPod] = await Promise.all([
      sandbox.namespace(`node${tag}`),
      sandbox.namespace(`pod${tag}`),
      sandbox.namespace(`next${tag}`),
      sandbox.namespace(`keep${tag}`),
    ]);
    const [dataDir, cacheDir] = await Promise.all([sandbox.dir(), sandbox.dir()]);
    const conf = parseConfList(
      JSON.stringify({ cniVersion: options.version, name: options.network, plugins: options.plugins(dataDir) }),
    );
    const node = new ChainNode(ns, pod, nextPod, dataDir, cacheDir, options.network, conf);
    const keeper = await node.chain().add(conf, { containerId: KEEPER, netns: keeperPod.path, ifName: 'eth0' });
    node.keeperAddress = addressOf(keeper);
    node.baseline = await node.leftovers();
    return node;
  }

  /** A chain runner whose plugins run inside the node, with `env` added to their environment. */
  chain(env: Record<string, string> = {}): ChainRunner {
    const netns = this.ns.path;
    return new ChainRunner({
      cniPath: [BIN_DIR],
      cacheDir: this.cacheDir,
      runner: { run: (file, args, options) => spawnRunner.run(file, args, { ...options, netns }) },
      env,
    });
  }

  attachment(containerId: string, pod: TestNamespace = this.pod): RuntimeConf {
    return { containerId, netns: pod.path, ifName: 'eth0' };
  }

  /** The keeper's address: no other pod may get it. */
  get keeper(): string {
    return this.keeperAddress;
  }

  /** The node with the keeper alone attached. */
  get clean(): Leftovers {
    if (!this.baseline) throw new Error('ChainNode.create() has not finished');
    return this.baseline;
  }

  async leftovers(): Promise<Leftovers> {
    const ip = (ns: TestNamespace, args: string[]) => execIn(ns, 'ip', args);
    const names = async (ns: TestNamespace, args: string[] = []) =>
      (JSON.parse(await ip(ns, ['-j', 'link', 'show', ...args])) as Array<{ ifname: string }>).map((l) => l.ifname).sort();
    const [veths, podLinks, nextPodLinks, routes, lockFree] = await Promise.all([
      names(this.ns, ['type', 'veth']),
      names(this.pod),
      names(this.nextPod),
      ip(this.ns, ['-4', 'route', 'show', 'table', 'all']),
      lockIsFree(join(this.dataDir, this.network, 'lock')),
    ]);
    return { store: hostLocalStore(this.dataDir, this.network), veths, podLinks, nextPodLinks, routes, lockFree };
  }

  /**
   * Runs one follow-up of a killed ADD of `rt`. For `next-add`, `check` sees
   * the new ADD's result before it is DELeted.
   */
  async followUp(followUp: FollowUp, rt: RuntimeConf, check: (result: Record<string, unknown>) => Promise<void>): Promise<void> {
    const chain = this.chain();
    switch (followUp) {
      case 'del':
        return chain.del(this.conf, rt);
      case 'del-no-netns':
        return chain.del(this.conf, { ...rt, netns: '' });
      case 'gc':
        return chain.gc(this.conf, [{ containerID: KEEPER, ifname: 'eth0' }]);
      case 'next-add':
        await check(await chain.add(this.conf, rt));
        return chain.del(this.conf, rt);
    }
  }

  /** The address ADD gave, whether it is the keeper's, whether `pod` has it, and whether the node reaches it (see WORKING). */
  async reach(pod: TestNamespace, result: Record<string, unknown>): Promise<{ address: string; keepers: boolean; configured: boolean; pingable: boolean }> {
    const address = addressOf(result);
    const [configured, pingable] = await Promise.all([
      execIn(pod, 'ip', ['-o', 'addr', 'show']).then((out) => out.includes(` ${address}/`)),
      execIn(this.ns, 'ping', ['-c', '1', '-W', '2', address]).then(
        () => true,
        () => false,
      ),
    ]);
    return { address, keepers: address === this.keeperAddress, configured, pingable };
  }

  /** DEL of attachments a failed case may have left, so that it does not fail the cases after it. */
  async forget(...attachments: RuntimeConf[]): Promise<void> {
    await Promise.allSettled(attachments.map((rt) => this.chain().del(this.conf, rt)));
  }
}

function addressOf(result: Record<string, unknown>): string {
  const address = (result.ips as Array<{ address: string }> | undefined)?.[0]?.address;
  if (!address) throw new Error(`ADD gave no address: ${JSON.stringify(result)}`);
  return address.split('/')[0]!;
}
