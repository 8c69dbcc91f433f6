import { SEED } from '@tscni/testbed';

/**
 * The cluster table 7 measures in: `pods` Pods, ten to a namespace, about
 * 11 % of them on the measured node (every namespace's pod-0, and pod-1 in
 * the first tenth of the namespaces: 110 of 1,000), the rest on the two
 * other nodes; and NetworkPolicies of four common kinds spread over the
 * namespaces. A third of the policies select the measured node's pods.
 */
export const MEASURED_NODE = SEED[0].name;
/** The namespace without policies, where a pod's ADD costs the handoff alone. */
export const OPEN_NAMESPACE = 'bench-open';
const PER_NAMESPACE = 10;
/** Every pod's container names its port, for the policies' named ports. */
const HTTP = { name: 'http', containerPort: 8080, protocol: 'TCP' };

export interface BenchPod {
  namespace: string;
  name: string;
  node: string;
  labels: Record<string, string>;
  ip: string;
}

type Json = Record<string, unknown>;

export function namespaceCount(pods: number): number {
  return Math.max(1, Math.ceil(pods / PER_NAMESPACE));
}

export function namespaceName(i: number): string {
  return `bench-${String(i).padStart(3, '0')}`;
}

export function namespaceLabels(i: number): Record<string, string> {
  return { team: `t${i % 5}` };
}

export function podsOf(count: number): BenchPod[] {
  const namespaces = namespaceCount(count);
  const pods: BenchPod[] = [];
  let local = 0;
  let remote = 0;
  for (let g = 0; g < count; g++) {
    const [i, j] = [Math.floor(g / PER_NAMESPACE), g % PER_NAMESPACE];
    const isLocal = j === 0 || (j === 1 && i < namespaces / 10);
    const ip = isLocal ? address(10 + local++) : address(16 * 256 + remote++);
    const node = isLocal ? MEASURED_NODE : SEED[1 + (g % 2)]!.name;
    pods.push({ namespace: namespaceName(i), name: `pod-${j}`, node, labels: podLabels(j), ip });
  }
  return pods;
}

/** The node's pods are 10.244.0.10 upwards, the others' 10.244.16.0 upwards. */
function address(n: number): string {
  return `10.244.${n >> 8}.${n & 255}`;
}

function podLabels(j: number): Record<string, string> {
  return { app: `app-${j % 3}`, role: j % 2 === 0 ? 'web' : 'client' };
}

/** A Pod as the scheduler leaves it: bound to its node. No kubelet runs it. */
export function podObject(pod: Pick<BenchPod, 'namespace' | 'name' | 'node' | 'labels'>): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels },
    spec: { nodeName: pod.node, containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10.1', ports: [HTTP] }] },
  };
}

/** What kubelet reports once the sandbox has its network. */
export function podStatus(ip: string): Json {
  return { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } };
}

/**
 * Policy p of the cluster, in namespace p mod namespaces, selecting
 * app-(p mod 3): by turns, ingress from the namespace's clients on a port;
 * from team t(p mod 5)'s clients on the named port "http"; deny-all
 * ingress; an ipBlock with an exception and a port range, with egress to
 * the namespace and to DNS.
 */
export function policyObject(p: number, namespaces: number): Json {
  const podSelector = { matchLabels: { app: `app-${p % 3}` } };
  const clients = { podSelector: { matchLabels: { role: 'client' } } };
  const specs: Json[] = [
    { podSelector, ingress: [{ from: [clients], ports: [{ protocol: 'TCP', port: 8080 }] }] },
    { podSelector, ingress: [{ from: [{ ...clients, namespaceSelector: { matchLabels: { team: `t${p % 5}` } } }], ports: [{ port: 'http' }] }] },
    { podSelector, policyTypes: ['Ingress'] },
    {
      podSelector,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.244.16.0/20'] } }], ports: [{ protocol: 'TCP', port: 8080, endPort: 8090 }] }],
      egress: [{ to: [{ podSelector: {} }] }, { to: [{ ipBlock: { cidr: '10.96.0.10/32' } }], ports: [{ protocol: 'UDP', port: 53 }] }],
    },
  ];
  return policy(namespaceName(p % namespaces), `policy-${p}`, specs[p % 4]!);
}

/** The policy whose rules a sample waits for: every namespace's pod-0 is on the node and app-0. */
export function probePolicy(namespace: string, name: string): Json {
  return policy(namespace, name, {
    podSelector: { matchLabels: { app: 'app-0' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
  });
}

/** The comment the renderer puts on the policy's first ingress rule. */
export function ruleComment(namespace: string, name: string): string {
  return `${namespace}/${name} ingress[0]`;
}

function policy(namespace: string, name: string, spec: Json): Json {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}
