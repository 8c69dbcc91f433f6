import type { Sandbox } from '@tscni/core/testing';
// The stand-in list/watch API server (../api-server): the same protocol the agent's informer speaks.
import { FakeApiServer, kubeNode, writeKubeconfig } from '../api-server/index.js';
import { urlHost } from '../kind/ip-family.js';
import type { ClusterNode } from './netns-cluster.js';

export const API_PORT = 6443;

/**
 * The Kubernetes API as the agents see it: served on the control plane's
 * node IP of the primary family, as in kind, holding one Node object per
 * node with an InternalIP and a spec.podCIDRs entry per family. Returns the
 * kubeconfig file the agents use.
 */
export async function startControlPlane(sandbox: Sandbox, nodes: ClusterNode[]): Promise<string> {
  const controlPlane = nodes[0]!;
  const dir = await sandbox.dir();
  const api = await FakeApiServer.start(controlPlane.ns, API_PORT, dir);
  for (const node of nodes) await api.put(kubeNode(node.name, node.nets.map((n) => n.ip), node.nets.map((n) => n.podCidr)));
  return writeKubeconfig(dir, `http://${urlHost(controlPlane.nets[0]!.ip)}:${API_PORT}`);
}

