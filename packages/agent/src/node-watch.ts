import { isDeepStrictEqual } from 'node:util';
import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import type { Logger } from '@tscni/core';
import type { NodeInfo } from '@tscni/core/node-agent';
import { listPage } from './kube-api.js';
import { nodeInfoOf } from './node-info.js';
import { TrimmedWatch, type WatchEvents } from './trimmed-watch.js';

/** The Nodes as the controllers read them: a NodeInfo each (name, pod CIDRs, InternalIPs), nothing else of the object. */
export type NodeWatch = TrimmedWatch<NodeInfo>;

/**
 * A paginated list (plain JSON, not model objects) and a watch of
 * /api/v1/nodes, each Node trimmed to its NodeInfo as it arrives: a
 * kubelet's Node is 5-15 KB (images, conditions, managedFields), its
 * NodeInfo about a hundred bytes. A change that leaves
 * the NodeInfo as it was (a condition's heartbeat, a label) keeps the held
 * one and starts no pass.
 */
export function nodeWatch(kubeConfig: KubeConfig, onChange: () => void, log: Logger, events?: WatchEvents): NodeWatch {
  return new TrimmedWatch<NodeInfo>(
    kubeConfig,
    {
      resource: 'nodes',
      kind: 'node',
      path: '/api/v1/nodes',
      list: (page) => listPage(kubeConfig, '/api/v1/nodes', page),
      trim: (node) => nodeInfoOf(node as V1Node),
      unchanged: isDeepStrictEqual,
      onChange,
      events,
    },
    log,
  );
}
