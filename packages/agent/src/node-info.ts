import type { V1Node } from '@kubernetes/client-node';
import { formatPrefix, parsePrefix } from '@tscni/core';
import type { NodeInfo } from '@tscni/core/node-agent';

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

const infoOfObject = new WeakMap<V1Node, NodeInfo>();

/**
 * nodeInfoOf, once per Node object: the informer replaces an object when the
 * Node changes, so an unchanged Node keeps the same NodeInfo, and later
 * steps can tell what changed by identity.
 */
export function nodeInfoOfCached(node: V1Node): NodeInfo {
  let info = infoOfObject.get(node);
  if (!info) infoOfObject.set(node, (info = nodeInfoOf(node)));
  return info;
}
