import type { V1Node } from '@kubernetes/client-node';
import { formatPrefix, parsePrefix } from '@tscni/core';
import type { NodeInfo } from '@tscni/core/node-agent';

/**
 * All the agent reads of a Node: its name, pod CIDRs and InternalIPs (the
 * routes, the masquerade set and this node's conflist are made of these).
 * The node watch keeps this, not the object.
 */
export function nodeInfoOf(node: V1Node): NodeInfo {
  // spec.podCIDRs carries both families; older objects only have spec.podCIDR.
  const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  return {
    name: node.metadata?.name ?? '',
    // The API server validates podCIDRs; anything unparsable could not be routed anyway.
    podCidrs: cidrs.flatMap((cidr) => {
      const prefix = parsePrefix(cidr);
      return prefix ? [formatPrefix(prefix)] : [];
    }),
    internalIps: (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address),
  };
}
