/**
 * What the compiler reads: the few fields of Pods, Namespaces and
 * NetworkPolicies that decide who may talk to whom. The agent keeps only
 * these in its caches (from-api.ts trims the API's objects to them): a
 * cluster's Pods outnumber its Nodes a hundredfold, and every node runs an
 * agent.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type Labels = Readonly<Record<string, string>>;

/** metav1.LabelSelector. An empty selector ({}) selects everything. */
export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: ReadonlyArray<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: readonly string[] }>;
}

/** A container port with a name: what a named port in a policy resolves to, per pod. */
export interface NamedPort {
  name: string;
  port: number;
  protocol: Protocol;
}

export interface PodInfo {
  namespace: string;
  name: string;
  labels: Labels;
  /** status.podIPs (or, for this node's pods, what the CNI ADD gave them). Empty until known. */
  ips: readonly string[];
  /** hostNetwork pods are never selected and are no peer: their traffic is their node's. */
  hostNetwork: boolean;
  namedPorts: readonly NamedPort[];
}

export interface NamespaceInfo {
  name: string;
  labels: Labels;
}

/** One entry of a rule's from/to. */
export type Peer =
  | { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: undefined }
  | { ipBlock: { cidr: string; except: readonly string[] } };

export interface PortSpec {
  protocol: Protocol;
  /** Undefined: every port of the protocol. */
  port?: number | string;
  /** With a numeric port: the range port..endPort. */
  endPort?: number;
}

/** An ingress or egress rule: traffic matching any peer (none: every source or destination) on any port (none: every port). */
export interface PolicyRule {
  peers: readonly Peer[];
  ports: readonly PortSpec[];
}

export interface PolicyInfo {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  /** Defaulted as the API defines: Ingress always, Egress when egress rules exist (from-api.ts). */
  ingress?: readonly PolicyRule[];
  /** Undefined: the policy does not isolate for egress. An empty list: it denies all egress. */
  egress?: readonly PolicyRule[];
}

/** Everything the compiler needs from the cluster and the node. */
export interface PolicyInputs {
  policies: readonly PolicyInfo[];
  namespaces: readonly NamespaceInfo[];
  /** Every pod of the cluster (peers), this node's included. */
  pods: readonly PodInfo[];
  /** This node's pods, the ones whose traffic the node's rules judge (keyed like `podKey`). */
  localPods: ReadonlySet<string>;
}

export function podKey(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}
