import { open, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { Family } from '@tscni/core';
import { waitFor } from '@tscni/core/testing';
import { ROUTE_PROTOCOL } from '@tscni/route-sync';
import { PLUGIN_DIR } from '../paths.js';
import { ip, type ClusterNode } from './netns-cluster.js';
import type { Topology } from './topology.js';

/**
 * Runs `tscni-agent` inside every node, as the DaemonSet does,
 * with the node's own directories in place of /etc/cni/net.d, /opt/cni/bin
 * and /run/tscni. It writes the conflist and routes to every peer in every
 * family; this returns once every node has them. The sandbox's cleanup kills the agents
 * with their namespaces.
 */
export async function startNodeAgents(nodes: ClusterNode[], topo: Topology, kubeconfig: string): Promise<void> {
  await Promise.all(nodes.map((node) => startAgent(node, topo, kubeconfig)));
  await Promise.all(nodes.map((node) => waitForAgent(node, nodes.length - 1)));
}

async function startAgent(node: ClusterNode, topo: Topology, kubeconfig: string): Promise<void> {
  await linkPlugins(node.dirs.bin);
  const log = await open(node.dirs.agentLog, 'a');
  const args = [
    ...['--node-name', node.name, '--kubeconfig', kubeconfig],
    ...topo.nets.flatMap((net) => ['--cluster-cidr', net.clusterCidr]),
    ...['--cni-conf-dir', node.dirs.conf, '--cni-bin-dir', node.dirs.bin, '--state-dir', node.dirs.state],
    ...['--health-addr', '127.0.0.1:9440'],
  ];
  spawn('ip', ['netns', 'exec', node.ns.name, join(PLUGIN_DIR, 'tscni-agent'), ...args], {
    stdio: ['ignore', 'ignore', log.fd],
  });
  await log.close();
}

/**
 * The plugins come as links to the build rather than through the agent's
 * --install-plugins, which would copy the 100 MB tscni binary to
 * every node of a cluster that shares one disk.
 */
async function linkPlugins(binDir: string): Promise<void> {
  for (const file of await readdir(PLUGIN_DIR)) await symlink(join(PLUGIN_DIR, file), join(binDir, file));
}

async function waitForAgent(node: ClusterNode, peers: number): Promise<void> {
  const families = node.nets.map((net) => net.family);
  const what = `the agent on ${node.name} to write its conflist and ${peers} peer routes per family (log: ${node.dirs.agentLog})`;
  const peerRoutes = (family: Family) => ip(node.ns).routes(family, ['proto', String(ROUTE_PROTOCOL)]);
  // Generous: the agents start on a machine that may be running other tests.
  await waitFor(what, async () => {
    const [files, ...routes] = await Promise.all([readdir(node.dirs.conf), ...families.map(peerRoutes)]);
    return files.includes('10-tscni.conflist') && routes.every((list) => list.length === peers);
  }, { timeoutMs: 30_000 });
}
