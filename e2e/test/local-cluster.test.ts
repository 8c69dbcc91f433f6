import { Sandbox } from '@tscni/core/testing';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecks, type CheckResult } from '@tscni/demo';
import { deletePod, ip, leftovers, startCluster, type Cluster } from '@tscni/testbed/netns-cluster';

describe('the local cluster reproduces the seed scenario', () => {
  const sandbox = new Sandbox('e2e');
  let cluster: Cluster;
  let results: CheckResult[];

  beforeAll(async () => {
    cluster = await startCluster(sandbox, { nodes: 3, podsPerNode: 2 });
    results = await runChecks(cluster);
  });
  afterAll(() => sandbox.cleanup());

  /** The checks whose name matches: there must be some, and all must hold. */
  const failuresOf = (pattern: RegExp) => {
    const matching = results.filter((r) => pattern.test(r.name));
    expect(matching.length).toBeGreaterThan(0);
    return matching.filter((r) => !r.ok);
  };

  it('gives every pod an address in its node podCIDR', () => expect(failuresOf(/ address$/)).toEqual([]));
  it('passes CNI CHECK for every pod', () => expect(failuresOf(/ CNI CHECK$/)).toEqual([]));
  it('routes every peer pod CIDR via the peer node IP', () => expect(failuresOf(/^routes on /)).toEqual([]));
  it('keeps pod-to-pod traffic out of masquerade', () => expect(failuresOf(/^masquerade rules on /)).toEqual([]));
  it('pings across nodes with ttl 62, the source pod IP seen on the destination bridge', () =>
    expect(failuresOf(/^ping n\d+p0 -> n\d+p0$/)).toEqual([]));
  it('pings between pods of one node over the bridge', () => expect(failuresOf(/^ping n(\d+)p0 -> n\1p1$/)).toEqual([]));
  it('reaches pods on other nodes from a node', () => expect(failuresOf(/^ping kind-/)).toEqual([]));
  it('masquerades pod-to-outside traffic to the node IP', () => expect(failuresOf(/-> outside, masqueraded$/)).toEqual([]));

  it('ran the pods through the conflist the agent wrote: bridge, masq, route-sync', async () => {
    const node = cluster.nodes[1]!;
    const list = JSON.parse(await readFile(join(node.dirs.conf, '10-tscni.conflist'), 'utf8')) as {
      plugins: Array<{ type: string; ipam?: { ranges: Array<Array<{ subnet: string }>> } }>;
    };
    expect(list.plugins.map((p) => p.type)).toEqual(['tscni-bridge', 'tscni-masq', 'tscni-route-sync']);
    expect(list.plugins[0]?.ipam?.ranges).toEqual([[{ subnet: node.podCidr }]]);
  });

  it('DEL through the chain releases the address and removes the host-side veth', async () => {
    const pod = cluster.pods.find((p) => p.node === cluster.nodes[2])!;
    const vethsBefore = await ip(pod.node.ns).links('veth');
    await deletePod(pod);
    const reserved = await readdir(join(pod.node.dirs.ipam, 'tscni'));
    expect(reserved).not.toContain(pod.ip);
    expect(await ip(pod.node.ns).links('veth')).toHaveLength(vethsBefore.length - 1);
  });
});

describe('teardown', () => {
  it('leaves no namespace or directory behind', async () => {
    const sandbox = new Sandbox('e2e');
    try {
      await startCluster(sandbox, { nodes: 2, podsPerNode: 1 });
    } finally {
      await sandbox.cleanup();
    }
    expect(await leftovers(sandbox.prefix)).toEqual({ namespaces: [], dirs: [] });
  });
});
