import type { Sandbox } from '@tscni/core/testing';
import { createNode, createSegment, type ClusterNode, type Segment } from './netns-cluster.js';
import { startControlPlane } from './control-plane.js';
import { startNodeAgents } from './node-agents.js';
import { createPod, type Pod } from './pods.js';
import { topology, type ClusterOptions, type FamilyNet, type Topology } from './topology.js';

export interface Cluster {
  topo: Topology;
  segment: Segment;
  nodes: ClusterNode[];
  pods: Pod[];
}

export type Progress = (step: string) => void;

/**
 * Brings the whole local cluster up inside `sandbox`; the caller removes it
 * with `sandbox.cleanup()`, which also covers a half-built cluster.
 */
export async function startCluster(sandbox: Sandbox, options: ClusterOptions, progress: Progress = () => {}): Promise<Cluster> {
  const topo = topology(options);
  const each = (describe: (net: FamilyNet) => string) => topo.nets.map(describe).join('; ');
  progress(`segment ${each((n) => `${n.segment.cidr} with gateway ${n.segment.gateway}`)}; outside host ${each((n) => n.outside.host)}`);
  const segment = await createSegment(sandbox, topo);
  progress(`${topo.nodes.length} nodes: ${topo.nodes.map((n) => `${n.name} ${n.nets.map((net) => net.ip).join(' ')}`).join(', ')}`);
  const nodes = await Promise.all(topo.nodes.map((spec) => createNode(sandbox, segment, topo, spec)));
  progress(`API server on ${nodes[0]!.name} with ${nodes.length} Node objects; tscni-agent on every node`);
  await startNodeAgents(nodes, topo, await startControlPlane(sandbox, nodes));
  progress(`${options.podsPerNode * nodes.length} pods through the chain runner`);
  // Nodes in parallel, as in a cluster; the pods of one node one after another.
  const perNode = await Promise.all(
    nodes.map(async (node) => {
      const pods: Pod[] = [];
      for (const name of node.pods) pods.push(await createPod(sandbox, node, name));
      return pods;
    }),
  );
  return { topo, segment, nodes, pods: perNode.flat() };
}
