import type { Family } from '@tscni/core';
import { Sandbox, type TestNamespace } from '@tscni/core/testing';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecks, type CheckResult } from '@tscni/demo';
import { hostState, hostStateChanges, type HostState } from '@tscni/testbed/kind';
import { deletePod, ip, IP_FAMILY_MODES, leftovers, netOf, startCluster, topology, type Cluster } from '@tscni/testbed/netns-cluster';
import { ROUTE_PROTOCOL } from '@tscni/route-sync';

let hostBefore: HostState;
beforeAll(async () => {
  hostBefore = await hostState();
});

/** The seed scenario once per ip family of `npm start -- --ip-family`: ipv4 (the seed), dual, ipv6. */
describe.each(IP_FAMILY_MODES)('the local %s cluster reproduces the seed scenario', (ipFamily) => {
  const sandbox = new Sandbox('e2e');
  const { families } = topology({ nodes: 3, podsPerNode: 2, ipFamily });
  let cluster: Cluster;
  let results: CheckResult[];

  beforeAll(async () => {
    cluster = await startCluster(sandbox, { nodes: 3, podsPerNode: 2, ipFamily });
    results = await runChecks(cluster);
  });
  afterAll(() => sandbox.cleanup());

  /** The checks of `family` (none: of the whole pod) whose name matches: there must be some, and all must hold. */
  const failuresOf = (pattern: RegExp, family?: Family) => {
    const matching = results.filter((r) => pattern.test(r.name) && r.family === family);
    expect(matching.length).toBeGreaterThan(0);
    return matching.filter((r) => !r.ok);
  };

  it('passes CNI CHECK for every pod', () => expect(failuresOf(/ CNI CHECK$/)).toEqual([]));

  it('runs the same checks in every family of the cluster', () => {
    const namesOf = (family: Family) => results.filter((r) => r.family === family && !r.name.endsWith('no DAD wait')).map((r) => r.name);
    expect(new Set(results.map((r) => r.family).filter(Boolean))).toEqual(new Set(families));
    for (const family of families) expect(namesOf(family)).toEqual(namesOf(families[0]!));
  });

  describe.each(families)('IPv%s', (family) => {
    it('gives every pod an address in its node podCIDR', () => expect(failuresOf(/ address$/, family)).toEqual([]));
    it('routes every peer pod CIDR via the peer node IP', () => expect(failuresOf(/^routes on /, family)).toEqual([]));
    it('keeps pod-to-pod traffic out of masquerade', () => expect(failuresOf(/^masquerade rules on /, family)).toEqual([]));
    it('pings across nodes with hop count 62, the source pod IP seen on the destination bridge', () =>
      expect(failuresOf(/^ping n\d+p0 -> n\d+p0$/, family)).toEqual([]));
    it('pings between pods of one node over the bridge', () => expect(failuresOf(/^ping n(\d+)p0 -> n\1p1$/, family)).toEqual([]));
    it('reaches pods on other nodes from a node', () => expect(failuresOf(/^ping kind-/, family)).toEqual([]));
    it('masquerades pod-to-outside traffic to the node IP of the family', () =>
      expect(failuresOf(/-> outside, masqueraded$/, family)).toEqual([]));
    if (family === 6) it('gives pods addresses that skip DAD, as their gateway', () => expect(failuresOf(/ no DAD wait$/, 6)).toEqual([]));
  });

  if (families.length === 1) {
    const missing: Family = families[0] === 4 ? 6 : 4;
    it(`has no IPv${missing} anywhere: no node or pod address, no peer route`, async () => {
      const node = cluster.nodes[1]!;
      const pod = cluster.pods.find((p) => p.node === node)!;
      const globalAddresses = async (ns: TestNamespace) =>
        (await ip(ns).addresses()).flatMap((link) => link.addr_info).filter((a) => a.family === (missing === 4 ? 'inet' : 'inet6') && a.scope === 'global');
      expect(await globalAddresses(node.ns)).toEqual([]);
      expect(await globalAddresses(pod.ns)).toEqual([]);
      expect(pod.ips).toHaveLength(1);
      expect(await ip(node.ns).routes(missing, ['proto', String(ROUTE_PROTOCOL)])).toEqual([]);
    });
  }

  it('ran the pods through the conflist the agent wrote: bridge, masq, route-sync, a range set per family', async () => {
    const node = cluster.nodes[1]!;
    const list = JSON.parse(await readFile(join(node.dirs.conf, '10-tscni.conflist'), 'utf8')) as {
      plugins: Array<{ type: string; ipam?: { ranges: Array<Array<{ subnet: string }>> } }>;
    };
    expect(list.plugins.map((p) => p.type)).toEqual(['tscni-bridge', 'tscni-masq', 'tscni-route-sync']);
    expect(list.plugins[0]?.ipam?.ranges).toEqual(families.map((family) => [{ subnet: netOf(node, family).podCidr }]));
  });

  it('DEL through the chain releases every address of the pod and removes the host-side veth', async () => {
    const pod = cluster.pods.find((p) => p.node === cluster.nodes[2])!;
    const store = join(pod.node.dirs.ipam, 'tscni');
    const vethsBefore = await ip(pod.node.ns).links('veth');
    expect(pod.ips).toHaveLength(families.length);
    expect(await readdir(store)).toEqual(expect.arrayContaining(pod.ips));
    await deletePod(pod);
    const reserved = await readdir(store);
    for (const address of pod.ips) expect(reserved).not.toContain(address);
    expect(await ip(pod.node.ns).links('veth')).toHaveLength(vethsBefore.length - 1);
  });
});

describe('teardown', () => {
  it('leaves no namespace or directory behind', async () => {
    const sandbox = new Sandbox('e2e');
    try {
      await startCluster(sandbox, { nodes: 2, podsPerNode: 1, ipFamily: 'dual' });
    } finally {
      await sandbox.cleanup();
    }
    expect(await leftovers(sandbox.prefix)).toEqual({ namespaces: [], dirs: [] });
  });

  it("leaves the machine's own links, firewall and sysctls as they were", async () => {
    expect(hostStateChanges(hostBefore, await hostState())).toEqual([]);
  });
});
