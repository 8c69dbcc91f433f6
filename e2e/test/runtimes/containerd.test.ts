import type { NetConfList } from '@tscni/core';
import { binary, Sandbox, type TestNamespace } from '@tscni/core/testing';
import { join } from 'node:path';
import { agentNetwork } from '../../src/runtimes/agent-network.js';
import {
  busyboxRootfsArchive, command, Containerd, CTR_NAMESPACE, CtrCniFiles, ctrConfDirBlocker, installed, leftovers, Podman, type CtrRun,
} from '@tscni/testbed/runtimes';

async function whyUnavailable(): Promise<string | undefined> {
  for (const tool of ['containerd', 'ctr', 'runc', 'podman']) {
    if (!(await installed(tool))) return `${tool} is not installed`;
  }
  return ctrConfDirBlocker();
}
const unavailable = await whyUnavailable();

/** ctr's config for one run: addresses, a bridge and masquerading, none of which ctr's DEL may leak. */
interface NetworkUnderTest {
  name: string;
  bridge: string;
  subnet: string;
  /** The reference bridge writes a masquerade rule per pod; tscni-masq's rules are per node and name no pod. */
  masqueradesPerPod: boolean;
  leaksOnDelWithoutNetns: boolean;
  /** Our executables ctr must find in its plugin directory (it finds the reference ones in /usr/lib/cni). */
  tscniExecutables: string[];
  /** Its conflist and the IPAM store that conflist names. */
  setUp: (sandbox: Sandbox, node: TestNamespace, dir: string) => Promise<NetworkFiles>;
}

interface NetworkFiles {
  conflist: NetConfList;
  dataDir: string;
}

const tscniNetwork: NetworkUnderTest = {
  name: 'tscni',
  bridge: 'cni0',
  subnet: '10.89.10.0/24',
  masqueradesPerPod: false,
  leaksOnDelWithoutNetns: false,
  tscniExecutables: ['tscni-bridge', 'tscni-host-local', 'tscni-masq', 'tscni-route-sync'],
  // Not a hand-written list: the one the node agent writes for a node with this podCIDR.
  // The node has no address of its own; a lone node's InternalIP routes nothing.
  setUp: async (sandbox, node) => {
    const agent = await agentNetwork(sandbox, node, { name: 'ctr-node', internalIp: '192.0.2.10', podCidr: '10.89.10.0/24', clusterCidr: '10.89.0.0/16' });
    return { conflist: agent.conflist, dataDir: agent.ipamDataDir };
  },
};

const referenceNetwork: NetworkUnderTest = {
  name: 'reference-ctr',
  bridge: 'ref0',
  subnet: '10.89.20.0/24',
  masqueradesPerPod: true,
  leaksOnDelWithoutNetns: true,
  tscniExecutables: [],
  setUp: async (_sandbox, _node, dir) => {
    const dataDir = join(dir, 'ipam-reference-ctr');
    const conflist = {
      cniVersion: '1.0.0',
      name: 'reference-ctr',
      plugins: [
        {
          type: 'bridge',
          bridge: 'ref0',
          isGateway: true,
          ipMasq: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: '10.89.20.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir },
        },
      ],
    };
    return { conflist, dataDir };
  },
};

const describeCtr = unavailable ? describe.skip : describe;

describeCtr(`containerd 1.6, ctr run --cni${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const sandbox = new Sandbox('rt-ctrd');
  let node: TestNamespace;
  let dir: string;
  let containerd: Containerd | undefined;
  const files = new Map<string, NetworkFiles>();

  beforeAll(async () => {
    node = await sandbox.namespace('node');
    dir = await sandbox.dir();
    for (const network of [tscniNetwork, referenceNetwork]) files.set(network.name, await network.setUp(sandbox, node, dir));
    // podman turns the rootfs into an image archive ctr can import.
    const podman = await Podman.create({ dir: join(dir, 'podman'), node, rootfsArchive: await busyboxRootfsArchive(dir) });
    const archive = join(dir, 'busybox.tar');
    await podman.saveImage(archive);
    containerd = await Containerd.start(join(dir, 'containerd'), node);
    await containerd.importImage(archive);
  });

  afterAll(async () => {
    try {
      await containerd?.stop();
    } finally {
      await sandbox.cleanup();
    }
  });

  // ctr 1.6's libcni (1.1) cannot read a 1.1.0 result: a 1.1.0 list gives no container a network.
  it('runs the conflist the node agent wrote: cniVersion 1.0.0, the tscni plugins on cni0', () => {
    expect(files.get(tscniNetwork.name)!.conflist).toMatchObject({
      cniVersion: '1.0.0',
      name: tscniNetwork.name,
      plugins: [
        { type: 'tscni-bridge', bridge: tscniNetwork.bridge, ipam: { type: 'tscni-host-local', ranges: [[{ subnet: tscniNetwork.subnet }]] } },
        { type: 'tscni-masq' },
        { type: 'tscni-route-sync' },
      ],
    });
  });

  describe.each([tscniNetwork, referenceNetwork])('with $name', (network) => {
    let ctrFiles: CtrCniFiles | undefined;
    let dataDir: string;
    const container = `${network.name}-c1`;
    let address = '';
    let run: CtrRun | undefined;
    const query = () => ({ dataDir, network: network.name, bridge: network.bridge, mentions: [`${CTR_NAMESPACE}-${container}`, address] });

    beforeAll(async () => {
      const networkFiles = files.get(network.name)!;
      dataDir = networkFiles.dataDir;
      ctrFiles = await CtrCniFiles.install(networkFiles.conflist, network.tscniExecutables.map((name) => binary(name)));
    });
    afterAll(async () => {
      try {
        // After a failed test the container may still run: let ctr DEL it while the plugins are still installed.
        await run?.finish().catch(() => undefined);
      } finally {
        await ctrFiles?.remove();
      }
    });

    it('ADD with a /proc/<pid>/ns/net netns gives the container an address, with the bridge and rules in the node namespace only', async () => {
      run = containerd!.runUntilStdinCloses(container);
      address = await run.address();
      const [base] = network.subnet.split('.0/');
      expect(address.startsWith(`${base}.`)).toBe(true);
      await command('ip', ['-n', node.name, 'link', 'show', network.bridge]);
      await expect(command('ip', ['link', 'show', network.bridge])).rejects.toThrow(/does not exist/);
      expect(await command('iptables-save', ['-t', 'nat'], { netns: node.path })).toContain('-j MASQUERADE');
      expect(await command('iptables-save', ['-t', 'nat'])).not.toContain(network.subnet);
      // Where the masquerade rule is per pod, the DEL check below can see it leak.
      expect((await leftovers(node, query())).rules.length > 0).toBe(network.masqueradesPerPod);
    });

    it(`DEL with an empty netns (ctr run --rm) ${network.leaksOnDelWithoutNetns ? 'leaks the masquerade rule, as the reference bridge is known to' : 'releases everything'}`, async () => {
      await run!.finish();
      const left = await leftovers(node, query());
      expect(left.addressFiles).toEqual([]);
      expect(left.bridgePorts).toEqual([]);
      if (network.leaksOnDelWithoutNetns) expect(left.rules).not.toEqual([]);
      else expect(left.rules).toEqual([]);
    });
  });
});
