import { createHash } from 'node:crypto';
import { podKey, type NamespaceInfo, type Peer, type PodInfo, type PolicyInfo, type PolicyInputs, type PolicyRule, type PortSpec, type Protocol } from './model.js';
import { matchesSelector } from './selector.js';
import {
  familyOf,
  PROTOCOL_NUMBERS,
  type Direction,
  type Family,
  type NamedSet,
  type PeerMatch,
  type PolicyChain,
  type PortMatch,
  type RuleLine,
  type RuleSet,
  type VerdictChain,
} from './rule-set.js';

const FAMILIES: readonly Family[] = [4, 6];
const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

/**
 * Compiles the cluster's NetworkPolicies into this node's rule set (pure).
 * Only policies selecting a pod of this node get chains; peers anywhere in
 * the cluster go into sets. Semantics are the API's: a pod no policy of a
 * direction selects is not isolated in it; an isolated pod's traffic is
 * allowed when any selecting policy's rule allows it.
 */
export function compilePolicies(inputs: PolicyInputs): RuleSet {
  const cluster = new ClusterIndex(inputs);
  const sets: NamedSet[] = [];
  const policyChains: PolicyChain[] = [];
  /** Per direction, local pod address → the policy chains judging it. */
  const judging: Record<Direction, Map<string, string[]>> = { ingress: new Map(), egress: new Map() };

  for (const policy of [...inputs.policies].sort(byKey)) {
    const selected = cluster.selectedBy(policy).filter((pod) => inputs.localPods.has(podKey(pod)) && pod.ips.length > 0);
    if (selected.length === 0) continue;
    for (const direction of DIRECTIONS) {
      const rules = policy[direction];
      if (rules === undefined) continue;
      const chain = `${direction}_${shortId(podKey(policy))}`;
      const lines = rules.flatMap((rule, index) => compileRule({ cluster, namespace: policy.namespace, direction, rule, index, chain, selected, sets }));
      policyChains.push({ name: chain, direction, policy: podKey(policy), lines });
      for (const pod of selected) {
        for (const address of pod.ips) push(judging[direction], address, chain);
      }
    }
  }

  const verdictChains: VerdictChain[] = [];
  const targets = { ingress: new Map<string, string>(), egress: new Map<string, string>() };
  for (const direction of DIRECTIONS) {
    const byChains = new Map<string, string>();
    for (const [address, chains] of [...judging[direction]].sort(([a], [b]) => a.localeCompare(b))) {
      const key = chains.join(' ');
      let name = byChains.get(key);
      if (name === undefined) {
        name = `verdict_${direction}_${byChains.size}`;
        byChains.set(key, name);
        verdictChains.push({ name, policyChains: chains });
      }
      targets[direction].set(address, name);
    }
  }
  return { targets, verdictChains, policyChains, sets };
}

interface RuleContext {
  cluster: ClusterIndex;
  /** The policy's namespace, where a peer's podSelector alone looks. */
  namespace: string;
  direction: Direction;
  rule: PolicyRule;
  index: number;
  /** The policy chain's name, which the rule's set names start with. */
  chain: string;
  /** This node's pods the policy selects: where an ingress rule's named ports resolve. */
  selected: readonly PodInfo[];
  sets: NamedSet[];
}

/** The lines of one rule: every peer match with every port match, per family; a family with nothing to match gets none. */
function compileRule(context: RuleContext): RuleLine[] {
  const lines: RuleLine[] = [];
  // Resolved once for both families: matching labels is most of the compiler's work.
  const selectorAddresses = peerAddresses(context);
  for (const family of FAMILIES) {
    const peers = peerMatches(context, selectorAddresses, family);
    // No peer of this family: no line, so no named-port set that no line would use.
    if (peers.length === 0) continue;
    const ports = portMatches(context, family);
    for (const peer of peers) {
      for (const port of ports) {
        // A line matching no address nor named port holds for both families as it is: once is enough.
        const familyFree = !peer && !(port && 'destinationPorts' in port);
        if (familyFree && family === 6) continue;
        lines.push({ ...(!familyFree && { family }), ruleIndex: context.index, ...(peer && { peer }), ...(port && { ports: port }) });
      }
    }
  }
  return lines;
}

/** The addresses of the pods the rule's selector peers match, of both families. */
function peerAddresses({ cluster, namespace, rule }: RuleContext): string[] {
  const addresses: string[] = [];
  for (const peer of rule.peers) {
    if (peer.ipBlock) continue;
    for (const pod of cluster.peerPods(peer, namespace)) addresses.push(...pod.ips);
  }
  return addresses;
}

/** Undefined in the list: any peer. */
function peerMatches({ rule, index, chain, sets }: RuleContext, selectorAddresses: readonly string[], family: Family): Array<PeerMatch | undefined> {
  if (rule.peers.length === 0) return [undefined];
  const matches: PeerMatch[] = [];
  if (rule.peers.some((peer) => !peer.ipBlock)) {
    const addresses = new Set(selectorAddresses.filter((address) => familyOf(address) === family));
    // An empty set would match nothing: leave the line out instead.
    if (addresses.size > 0) matches.push({ set: addSet(sets, `${chain}_${index}_peers_${family}`, family, 'addresses', addresses) });
  }
  for (const peer of rule.peers) {
    if (!peer.ipBlock || familyOf(peer.ipBlock.cidr) !== family) continue;
    matches.push({ cidr: peer.ipBlock.cidr, except: peer.ipBlock.except.filter((cidr) => familyOf(cidr) === family) });
  }
  return matches;
}

/** Undefined in the list: any port. */
function portMatches(context: RuleContext, family: Family): Array<PortMatch | undefined> {
  const { rule, index, chain, sets } = context;
  if (rule.ports.length === 0) return [undefined];
  const matches: PortMatch[] = [];
  const byProtocol = new Map<Protocol, Set<string> | 'all'>();
  const named: PortSpec[] = [];
  for (const spec of rule.ports) {
    if (typeof spec.port === 'string') {
      named.push(spec);
      continue;
    }
    const current = byProtocol.get(spec.protocol);
    if (current === 'all') continue;
    if (spec.port === undefined) {
      byProtocol.set(spec.protocol, 'all');
      continue;
    }
    const ports = current ?? new Set<string>();
    ports.add(spec.endPort !== undefined && spec.endPort > spec.port ? `${spec.port}-${spec.endPort}` : String(spec.port));
    byProtocol.set(spec.protocol, ports);
  }
  for (const protocol of [...byProtocol.keys()].sort()) {
    const ports = byProtocol.get(protocol)!;
    matches.push({ protocol, ports: ports === 'all' ? [] : [...ports].sort() });
  }
  if (named.length > 0) {
    const elements = namedPortElements(context, named, family);
    if (elements.size > 0) {
      matches.push({ destinationPorts: addSet(sets, `${chain}_${index}_ports_${family}`, family, 'address-ports', elements) });
    }
  }
  return matches;
}

/**
 * A named port means, per destination pod, the port its container gives
 * that name: the policy's selected pods for ingress, any pod for egress
 * (which of them are allowed at all is the peer match's to say).
 */
function namedPortElements({ cluster, direction, selected }: RuleContext, named: readonly PortSpec[], family: Family): Set<string> {
  const elements = new Set<string>();
  const destinations = direction === 'ingress' ? selected : cluster.peerCandidates;
  for (const pod of destinations) {
    for (const spec of named) {
      const port = pod.namedPorts.find((candidate) => candidate.name === spec.port && candidate.protocol === spec.protocol);
      if (!port) continue;
      for (const address of pod.ips) {
        if (familyOf(address) === family) elements.add(`${address} . ${PROTOCOL_NUMBERS[port.protocol]} . ${port.port}`);
      }
    }
  }
  return elements;
}

function addSet(sets: NamedSet[], name: string, family: Family, kind: NamedSet['kind'], elements: Set<string>): string {
  sets.push({ name, family, kind, elements: [...elements].sort() });
  return name;
}

/** Lookups the compiler repeats for every rule. */
class ClusterIndex {
  private readonly namespaces: Map<string, NamespaceInfo>;
  private readonly podsByNamespace = new Map<string, PodInfo[]>();
  /** Pods that can be a peer: with an address, not on the host's network. */
  readonly peerCandidates: readonly PodInfo[];

  /** Peer candidates by namespace: a namespaceSelector is matched against each namespace once, not each pod. */
  private readonly peersByNamespace = new Map<string, PodInfo[]>();

  constructor(inputs: PolicyInputs) {
    this.namespaces = new Map(inputs.namespaces.map((namespace) => [namespace.name, namespace]));
    this.peerCandidates = inputs.pods.filter((pod) => !pod.hostNetwork && pod.ips.length > 0);
    for (const pod of inputs.pods) push(this.podsByNamespace, pod.namespace, pod);
    for (const pod of this.peerCandidates) push(this.peersByNamespace, pod.namespace, pod);
  }

  /** The pods a policy isolates: of its namespace, matching its podSelector, never hostNetwork ones. */
  selectedBy(policy: PolicyInfo): PodInfo[] {
    return (this.podsByNamespace.get(policy.namespace) ?? []).filter((pod) => !pod.hostNetwork && matchesSelector(policy.podSelector, pod.labels));
  }

  /** A podSelector and/or namespaceSelector peer: a podSelector alone looks in the policy's namespace; a namespaceSelector alone takes every pod. */
  peerPods(peer: Peer, policyNamespace: string): PodInfo[] {
    if (peer.ipBlock) return [];
    const { podSelector, namespaceSelector } = peer;
    // A pod whose Namespace is not known yet has no labels to match: it is in no selected namespace.
    const inNamespaces = namespaceSelector
      ? [...this.peersByNamespace].flatMap(([name, pods]) => {
          const namespace = this.namespaces.get(name);
          return namespace !== undefined && matchesSelector(namespaceSelector, namespace.labels) ? pods : [];
        })
      : (this.peersByNamespace.get(policyNamespace) ?? []);
    return podSelector ? inNamespaces.filter((pod) => matchesSelector(podSelector, pod.labels)) : inNamespaces;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function byKey(a: PolicyInfo, b: PolicyInfo): number {
  return podKey(a).localeCompare(podKey(b));
}

/** A chain name of bounded length (nft names are short) that stays the same for the same policy. */
function shortId(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
