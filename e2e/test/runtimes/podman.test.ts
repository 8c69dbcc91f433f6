import type { NetConfList } from '@tscni/core';
import { BIN_DIR, echoSourceSeenBy, REFERENCE_BIN_DIR, Sandbox, type TestNamespace } from '@tscni/core/testing';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentNetwork } from '../../src/runtimes/agent-network.js';
import { busyboxRootfsArchive, connectOutside, installed, leftovers, Podman, type Uplink } from '@tscni/testbed/runtimes';

const podmanMissing = !(await installed('podman')) || !(await installed('runc'));

/** One network podman is given: the tscni plugins, and the reference ones as a baseline for the same checks. */
interface NetworkUnderTest {
  name: string;
  bridge: string;
  /** The first three octets of its /24. */
  prefix: string;
  /** Its conflist and the IPAM store that conflist names. */
  setUp: (node: NodeUnderTest) => Promise<NetworkFiles>;
}

interface NodeUnderTest {
  sandbox: Sandbox;
  ns: TestNamespace;
  /** The node's address on its uplink. */
  address: string;
  dir: string;
}

interface NetworkFiles {
  conflist: NetConfList;
  dataDir: string;
}

const tscniNetwork: NetworkUnderTest = {
  name: 'tscni',
  bridge: 'cni0',
  prefix: '10.88.10',
  // Not a hand-written list: the one the node agent writes for a node with this podCIDR.
  setUp: async ({ sandbox, ns, address }) => {
    const agent = await agentNetwork(sandbox, ns, { name: 'podman-node', internalIp: address, podCidr: '10.88.10.0/24', clusterCidr: '10.88.0.0/16' });
    return { conflist: agent.conflist, dataDir: agent.ipamDataDir };
  },
};

const referenceNetwork: NetworkUnderTest = {
  name: 'reference-net',
  bridge: 'ref0',
  prefix: '10.88.20',
  setUp: async ({ dir }) => {
    const dataDir = join(dir, 'ipam');
    const conflist = {
      cniVersion: '1.0.0',
      name: 'reference-net',
      plugins: [
        {
          type: 'bridge',
          bridge: 'ref0',
          isGateway: true,
          ipMasq: true,
          capabilities: { ips: true },
          ipam: { type: 'host-local', ranges: [[{ subnet: '10.88.20.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir },
        },
      ],
    };
    return { conflist, dataDir };
  },
};

const describePodman = podmanMissing ? describe.skip : describe;

describePodman(`podman ${podmanMissing ? '(skipped: podman or runc is not installed)' : '4 with the CNI backend'}`, () => {
  const sandbox = new Sandbox('rt-podman');
  let node: TestNamespace;
  let outside: TestNamespace;
  let uplink: Uplink;
  let podman: Podman | undefined;
  const files = new Map<string, NetworkFiles>();

  beforeAll(async () => {
    node = await sandbox.namespace('node');
    outside = await sandbox.namespace('outside');
    uplink = await connectOutside(sandbox, node, outside);
    const dir = await sandbox.dir();
    const configDir = join(dir, 'net.d');
    await mkdir(configDir);
    for (const network of [tscniNetwork, referenceNetwork]) {
      const networkFiles = await network.setUp({ sandbox, ns: node, address: uplink.nodeAddress, dir });
      files.set(network.name, networkFiles);
      await writeFile(join(configDir, `${network.name}.conflist`), JSON.stringify(networkFiles.conflist));
    }
    podman = await Podman.create({
      dir,
      node,
      network: { pluginDirs: [BIN_DIR, REFERENCE_BIN_DIR], configDir, defaultNetwork: tscniNetwork.name },
      rootfsArchive: await busyboxRootfsArchive(dir),
    });
  });

  afterAll(async () => {
    try {
      await podman?.removeAllContainers();
    } finally {
      await sandbox.cleanup();
    }
  });

  // podman 4.3's libcni (1.1) cannot read a 1.1.0 result: a 1.1.0 list gives no container a network.
  it('runs the conflist the node agent wrote: cniVersion 1.0.0, the tscni plugins on cni0', () => {
    expect(files.get(tscniNetwork.name)!.conflist).toMatchObject({
      cniVersion: '1.0.0',
      name: tscniNetwork.name,
      plugins: [
        { type: 'tscni-bridge', bridge: tscniNetwork.bridge, capabilities: { ips: true }, ipam: { type: 'tscni-host-local', ranges: [[{ subnet: '10.88.10.0/24' }]] } },
        { type: 'tscni-masq' },
        { type: 'tscni-route-sync' },
      ],
    });
  });

  describe.each([tscniNetwork, referenceNetwork])('on $name', (network) => {
    const containers: string[] = [];
    const addresses: string[] = [];

    it('gives two containers addresses from the range; they ping each other and reach the outside masqueraded', async () => {
      for (const n of [1, 2]) {
        const id = await podman!.startContainer(`${network.name}-${n}`, network.name);
        containers.push(id);
        addresses.push(await podman!.address(id, network.name));
      }
      for (const address of addresses) expect(address).toMatch(new RegExp(`^${network.prefix.replace(/\./g, '\\.')}\\.\\d+$`));
      expect(new Set(addresses).size).toBe(2);

      await podman!.run(['exec', containers[0]!, 'ping', '-c1', '-W2', addresses[1]!]);
      await podman!.run(['exec', containers[1]!, 'ping', '-c1', '-W2', addresses[0]!]);

      const source = await echoSourceSeenBy(outside, uplink.name, () =>
        podman!.run(['exec', containers[0]!, 'ping', '-c1', '-W2', uplink.outsideAddress]),
      );
      expect(source).toBe(uplink.nodeAddress);
    });

    it("accepts podman's runtimeConfig (a requested address) and CNI_ARGS (IgnoreUnknown, K8S_POD_*)", async () => {
      const requested = `${network.prefix}.200`;
      const id = await podman!.startContainer(`${network.name}-fixed`, network.name, ['--ip', requested]);
      containers.push(id);
      addresses.push(requested);
      expect(await podman!.address(id, network.name)).toBe(requested);
      expect(await podman!.run(['exec', id, 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).toContain(`${requested}/24`);
    });

    it('podman rm leaves no address file, bridge port or rule', async () => {
      await podman!.run(['rm', '--force', '--time', '0', ...containers]);
      const { dataDir } = files.get(network.name)!;
      expect(await leftovers(node, { dataDir, network: network.name, bridge: network.bridge, mentions: [...containers, ...addresses] })).toEqual({
        addressFiles: [],
        bridgePorts: [],
        rules: [],
      });
    });
  });
});
