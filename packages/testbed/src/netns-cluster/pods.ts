import { ChainRunner, execaRunner, familyOf, parseConfList, type Family, type LoadedConfList, type NetConfList, type Runner } from '@tscni/core';
import type { Sandbox, TestNamespace } from '@tscni/core/testing';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterNode } from './netns-cluster.js';

export interface Pod {
  name: string;
  node: ClusterNode;
  ns: TestNamespace;
  /** The pod's eth0 addresses, one per family, without prefix length, as ADD returned them. */
  ips: string[];
}

/** The pod's address of `family`, which every pod of the cluster has. */
export function podIp(pod: Pod, family: Family): string {
  const address = pod.ips.find((ip) => familyOf(ip) === family);
  if (!address) throw new Error(`${pod.name} has no IPv${family} address (it has ${pod.ips.join(', ')})`);
  return address;
}

/**
 * Creates a pod as a kubelet's runtime would: a new namespace, then ADD
 * through the real chain runner with the node's conflist, its plugins and its
 * result cache, all run inside the node's namespace.
 */
export async function createPod(sandbox: Sandbox, node: ClusterNode, name: string): Promise<Pod> {
  const ns = await sandbox.namespace(name);
  const conf = await nodeConfList(node);
  const result = await chainRunner(node).add(conf, { containerId: ns.name, netns: ns.path, ifName: 'eth0' });
  const ips = ((result.ips as Array<{ address: string }> | undefined) ?? []).map(({ address }) => address.split('/')[0]!);
  const missing = node.nets.filter(({ family }) => !ips.some((ip) => familyOf(ip) === family));
  if (missing.length > 0) {
    throw new Error(`ADD for ${name} returned no IPv${missing.map((n) => n.family).join(', IPv')} address: ${JSON.stringify(result)}`);
  }
  return { name, node, ns, ips };
}

/** CHECK through the chain: each plugin verifies the pod is still as ADD left it. */
export async function checkPod(pod: Pod): Promise<void> {
  const conf = await nodeConfList(pod.node);
  await chainRunner(pod.node).check(conf, { containerId: pod.ns.name, netns: pod.ns.path, ifName: 'eth0' });
}

/** DEL through the chain, as a runtime does when the pod goes away. */
export async function deletePod(pod: Pod): Promise<void> {
  const conf = await nodeConfList(pod.node);
  await chainRunner(pod.node).del(conf, { containerId: pod.ns.name, netns: pod.ns.path, ifName: 'eth0' });
}

function chainRunner(node: ClusterNode): ChainRunner {
  return new ChainRunner({ cniPath: [node.dirs.bin], cacheDir: node.dirs.cache, runner: inNamespace(node.ns) });
}

/** Every plugin the chain runs executes inside the node's namespace. */
function inNamespace(ns: TestNamespace): Runner {
  return { run: (file, args, options) => execaRunner.run(file, args, { ...options, netns: ns.path }) };
}

/**
 * The network a kubelet would use: the first config file by name (libcni's
 * rule), as the agent wrote it, with one change. Every node of this cluster
 * shares the machine's disk, so each IPAM plugin gets the node's own data
 * dir instead of the default /var/lib/cni/networks.
 */
async function nodeConfList(node: ClusterNode): Promise<LoadedConfList> {
  const files = (await readdir(node.dirs.conf)).filter((f) => /\.(conflist|conf|json)$/.test(f)).sort();
  if (!files[0]) throw new Error(`no CNI config in ${node.dirs.conf}`);
  const list = JSON.parse(await readFile(join(node.dirs.conf, files[0]), 'utf8')) as NetConfList;
  for (const plugin of list.plugins) {
    const ipam = plugin.ipam as Record<string, unknown> | undefined;
    if (ipam) ipam.dataDir = node.dirs.ipam;
  }
  return parseConfList(JSON.stringify(list));
}
