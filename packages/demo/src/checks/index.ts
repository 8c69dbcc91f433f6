import { parseIp, parsePrefix, prefixContains } from '@tscni/core';
import { checkPod, type Cluster, type Pod } from '@tscni/testbed/netns-cluster';
import { checkMasqueradeChain, checkRoutes } from './node-state.js';
import { fail, pass, type CheckResult } from './result.js';
import { checkCrossNodePing, checkNodeToPod, checkOutsideMasquerade, checkSameNodePing } from './traffic.js';

export type { CheckResult } from './result.js';

/**
 * Every check of the seed scenario against a running cluster, in a fixed
 * order; `onResult` sees each as it completes (progress output).
 */
export async function runChecks(cluster: Cluster, onResult: (result: CheckResult) => void = () => {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const record = (result: CheckResult) => {
    results.push(result);
    onResult(result);
  };
  const { nodes, pods, segment, topo } = cluster;
  const podsOf = (index: number) => pods.filter((pod) => pod.node === nodes[index]);

  for (const pod of pods) record(checkPodAddress(pod.name, pod.ip, pod.node.podCidr));
  for (const pod of pods) record(await checkPodAttachment(pod));
  for (const node of nodes) record(await checkRoutes(node, nodes));
  for (const node of nodes) record(await checkMasqueradeChain(node, nodes, topo.clusterCidr));
  for (const [index, node] of nodes.entries()) {
    const [first, second] = podsOf(index);
    const peer = nodes.length > 1 ? (index + 1) % nodes.length : undefined;
    const [remote] = peer === undefined ? [] : podsOf(peer);
    if (first && second) record(await checkSameNodePing(first, second));
    if (first && remote) record(await checkCrossNodePing(first, remote));
    if (remote) record(await checkNodeToPod(node, remote));
    if (first) record(await checkOutsideMasquerade(first, segment.outside, topo.outside.host));
  }
  return results;
}

async function checkPodAttachment(pod: Pod): Promise<CheckResult> {
  const name = `${pod.name} CNI CHECK`;
  try {
    await checkPod(pod);
    return pass(name, 'every plugin of the chain confirms the attachment');
  } catch (error) {
    return fail(name, (error as Error).message);
  }
}

function checkPodAddress(name: string, ip: string, podCidr: string): CheckResult {
  const check = `${name} address`;
  const [prefix, address] = [parsePrefix(podCidr), parseIp(ip)];
  return prefix && address && prefixContains(prefix, address) ? pass(check, `${ip} in ${podCidr}`) : fail(check, `${ip} is outside ${podCidr}`);
}
