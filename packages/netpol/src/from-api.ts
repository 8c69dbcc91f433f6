import type { LabelSelector, NamedPort, NamespaceInfo, Peer, PodInfo, PolicyInfo, PolicyRule, PortSpec, Protocol } from './model.js';

/**
 * The API's objects trimmed to what the compiler reads, written against
 * their JSON shape (no client library here: the plugins' binary imports
 * this package). The agent keeps only these in its caches.
 */

interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
}

export interface ApiPod {
  metadata?: ObjectMeta;
  spec?: { hostNetwork?: boolean; nodeName?: string; containers?: Array<{ ports?: Array<{ name?: string; containerPort: number; protocol?: string }> }> };
  status?: { podIPs?: Array<{ ip: string }>; podIP?: string; phase?: string };
}

export interface ApiNamespace {
  metadata?: ObjectMeta;
}

interface ApiPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface ApiPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface ApiNetworkPolicy {
  metadata?: ObjectMeta;
  spec?: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: Array<{ from?: ApiPeer[]; ports?: ApiPort[] }>;
    egress?: Array<{ to?: ApiPeer[]; ports?: ApiPort[] }>;
  };
}

/** A pod as the compiler sees it, with the node it runs on (for the agent's own pods). Pods that have finished hold no address. */
export function podInfoOf(pod: ApiPod): PodInfo & { nodeName: string | undefined } {
  const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  const ips = finished ? [] : (pod.status?.podIPs?.map((entry) => entry.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []));
  const namedPorts: NamedPort[] = [];
  for (const container of pod.spec?.containers ?? []) {
    for (const port of container.ports ?? []) {
      if (port.name) namedPorts.push({ name: port.name, port: port.containerPort, protocol: protocolOf(port.protocol) });
    }
  }
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    labels: pod.metadata?.labels ?? {},
    ips,
    hostNetwork: pod.spec?.hostNetwork === true,
    namedPorts,
    nodeName: pod.spec?.nodeName,
  };
}

export function namespaceInfoOf(namespace: ApiNamespace): NamespaceInfo {
  return { name: namespace.metadata?.name ?? '', labels: namespace.metadata?.labels ?? {} };
}

/**
 * policyTypes defaulted as the API defines it: Ingress always; Egress only
 * when the policy has egress rules. Listed types without rules deny all of
 * that direction.
 */
export function policyInfoOf(policy: ApiNetworkPolicy): PolicyInfo {
  const spec = policy.spec ?? {};
  const types = spec.policyTypes && spec.policyTypes.length > 0 ? spec.policyTypes : ['Ingress', ...(spec.egress && spec.egress.length > 0 ? ['Egress'] : [])];
  return {
    namespace: policy.metadata?.namespace ?? '',
    name: policy.metadata?.name ?? '',
    podSelector: spec.podSelector ?? {},
    ...(types.includes('Ingress') && { ingress: (spec.ingress ?? []).map((rule) => ruleOf(rule.from, rule.ports)) }),
    ...(types.includes('Egress') && { egress: (spec.egress ?? []).map((rule) => ruleOf(rule.to, rule.ports)) }),
  };
}

function ruleOf(peers: ApiPeer[] | undefined, ports: ApiPort[] | undefined): PolicyRule {
  return { peers: (peers ?? []).map(peerOf), ports: (ports ?? []).map(portOf) };
}

function peerOf(peer: ApiPeer): Peer {
  if (peer.ipBlock) return { ipBlock: { cidr: peer.ipBlock.cidr, except: peer.ipBlock.except ?? [] } };
  return { ...(peer.podSelector && { podSelector: peer.podSelector }), ...(peer.namespaceSelector && { namespaceSelector: peer.namespaceSelector }) };
}

function portOf(port: ApiPort): PortSpec {
  return {
    protocol: protocolOf(port.protocol),
    ...(port.port !== undefined && { port: port.port }),
    ...(port.endPort !== undefined && { endPort: port.endPort }),
  };
}

/** The API defaults a port's protocol to TCP. */
function protocolOf(protocol: string | undefined): Protocol {
  return protocol === 'UDP' || protocol === 'SCTP' ? protocol : 'TCP';
}
