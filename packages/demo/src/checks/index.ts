import type { Family } from '@tscni/core';
import { familyNetOf, type Cluster } from '@tscni/testbed/netns-cluster';
import { checkMasqueradeChain, checkRoutes } from './node-state.js';
import { checkNoDadWait, checkPodAddress, checkPodAttachment } from './pod-state.js';
import type { CheckResult } from './result.js';
import { checkCrossNodePing, checkNodeToPod, checkOutsideMasquerade, checkSameNodePing } from './traffic.js';

export type { CheckResult } from './result.js';

/**
 * Every check of the seed scenario against a running cluster, in a fixed
 * order: CNI CHECK of every pod, then everything else once per family of
 * the cluster, each result carrying its family. `onResult` sees each as it
 * completes (progress output).
 */
export async function runChecks(cluster: Cluster, onResult: (result: CheckResult) => void = () => {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const record = (result: CheckResult) => {
    results.push(result);
    onResult(result);
  };
  for (const pod of cluster.pods) record(await checkPodAttachment(pod));
  for (const family of cluster.topo.families) {
    await runFamilyChecks(cluster, family, (result) => record({ ...result, family }));
  }
  return results;
}

async function runFamilyChecks(cluster: Cluster, family: Family, record: (result: CheckResult) => void): Promise<void> {
  const { nodes, pods, segment, topo } = cluster;
  const { clusterCidr, outside } = familyNetOf(topo, family);
  const podsOf = (index: number) => pods.filter((pod) => pod.node === nodes[index]);

  for (const pod of pods) record(checkPodAddress(pod, family));
  if (family === 6) for (const pod of pods) record(await checkNoDadWait(pod));
  for (const node of nodes) record(await checkRoutes(node, nodes, family));
  for (const node of nodes) record(await checkMasqueradeChain(node, nodes, family, clusterCidr));
  for (const [index, node] of nodes.entries()) {
    const [first, second] = podsOf(index);
    const peer = nodes.length > 1 ? (index + 1) % nodes.length : undefined;
    const [remote] = peer === undefined ? [] : podsOf(peer);
    if (first && second) record(await checkSameNodePing(first, second, family));
    if (first && remote) record(await checkCrossNodePing(first, remote, family));
    if (remote) record(await checkNodeToPod(node, remote, family));
    if (first) record(await checkOutsideMasquerade(first, segment.outside, outside.host, family));
  }
}
