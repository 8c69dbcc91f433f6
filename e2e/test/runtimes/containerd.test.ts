import { binary, Sandbox, type TestNamespace } from '@tscni/core/testing';
import { join } from 'node:path';
import { busyboxRootfsArchive } from '../../src/runtimes/busybox-image.js';
import { command, installed } from '../../src/runtimes/command.js';
import { Containerd, CTR_NAMESPACE, type CtrRun } from '../../src/runtimes/containerd.js';
import { ctrConfDirBlocker, CtrCniFiles } from '../../src/runtimes/ctr-cni-dirs.js';
import { leftovers } from '../../src/runtimes/leftovers.js';
import { Podman } from '../../src/runtimes/podman.js';

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
  conflist: (dataDir: string, lockDir: string) => object;
}

const tscniNetwork: NetworkUnderTest = {
  name: 'tscni-ctr',
  bridge: 'tscni0',
  subnet: '10.89.10.0/24',
  masqueradesPerPod: false,
  leaksOnDelWithoutNetns: false,
  tscniExecutables: ['tscni-bridge', 'tscni-host-local', 'tscni-masq', 'tscni-node'],
  conflist: (dataDir, lockDir) => ({
    cniVersion: '1.0.0',
    name: 'tscni-ctr',
    plugins: [
      {
        type: 'tscni-bridge',
        bridge: 'tscni0',
        isGateway: true,
        ipam: { type: 'tscni-host-local', ranges: [[{ subnet: '10.89.10.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir },
      },
      { type: 'tscni-masq', lockFile: join(lockDir, 'masq.lock') },
    ],
  }),
};

const referenceNetwork: NetworkUnderTest = {
  name: 'reference-ctr',
  bridge: 'ref0',
  subnet: '10.89.20.0/24',
  masqueradesPerPod: true,
  leaksOnDelWithoutNetns: true,
  tscniExecutables: [],
  conflist: (dataDir) => ({
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
  }),
};

const describeCtr = unavailable ? describe.skip : describe;

describeCtr(`containerd 1.6, ctr run --cni${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const sandbox = new Sandbox('rt-ctrd');
  let node: TestNamespace;
  let dir: string;
  let containerd: Containerd | undefined;

  beforeAll(async () => {
    node = await sandbox.namespace('node');
    dir = await sandbox.dir();
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

  describe.each([tscniNetwork, referenceNetwork])('with $name', (network) => {
    let files: CtrCniFiles | undefined;
    let dataDir: string;
    const container = `${network.name}-c1`;
    let address = '';
    let run: CtrRun | undefined;
    const query = () => ({ dataDir, network: network.name, bridge: network.bridge, mentions: [`${CTR_NAMESPACE}-${container}`, address] });

    beforeAll(async () => {
      dataDir = join(dir, `ipam-${network.name}`);
      files = await CtrCniFiles.install(network.conflist(dataDir, dir), network.tscniExecutables.map((name) => binary(name)));
    });
    afterAll(async () => {
      try {
        // After a failed test the container may still run: let ctr DEL it while the plugins are still installed.
        await run?.finish().catch(() => undefined);
      } finally {
        await files?.remove();
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
