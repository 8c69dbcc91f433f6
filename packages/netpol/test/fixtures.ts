import {
  podKey,
  type Direction,
  type Labels,
  type NamedPort,
  type NamespaceInfo,
  type Peer,
  type PodInfo,
  type PolicyInfo,
  type PolicyInputs,
  type PolicyRule,
  type PortSpec,
  type RuleLine,
  type RuleSet,
} from '../src/index.js';

/** Builders for the compiler's inputs, and a readable view of what it made. */

export function pod(key: string, labels: Labels, ips: string[], extra: Partial<PodInfo> = {}): PodInfo {
  const [namespace = '', name = ''] = key.split('/');
  return { namespace, name, labels, ips, hostNetwork: false, namedPorts: [], ...extra };
}

export function named(name: string, port: number, protocol: NamedPort['protocol'] = 'TCP'): NamedPort {
  return { name, port, protocol };
}

export function namespace(name: string, labels: Labels = {}): NamespaceInfo {
  return { name, labels };
}

export function policy(key: string, spec: Omit<PolicyInfo, 'namespace' | 'name' | 'podSelector'> & { podSelector?: PolicyInfo['podSelector'] }): PolicyInfo {
  const [ns = '', name = ''] = key.split('/');
  return { namespace: ns, name, podSelector: {}, ...spec };
}

export function rule(peers: Peer[] = [], ports: PortSpec[] = []): PolicyRule {
  return { peers, ports };
}

export function inputs(
  parts: { policies?: PolicyInfo[]; namespaces?: NamespaceInfo[]; pods?: PodInfo[] },
  local: Array<PodInfo | string>,
): PolicyInputs {
  return {
    policies: parts.policies ?? [],
    namespaces: parts.namespaces ?? [],
    pods: parts.pods ?? [],
    localPods: new Set(local.map((entry) => (typeof entry === 'string' ? entry : podKey(entry)))),
  };
}

/**
 * What the rule set lets through for one local address in one direction,
 * one string per line: `<peer> <ports>`, the peer being `any`, the sorted
 * set elements (`{a,b}`), or `cidr except {..}`; the ports `any`,
 * `TCP 80,1000-2000`, `UDP` (whole protocol) or `named {addr . proto . port}`.
 * Undefined: the address is not isolated in that direction.
 */
export function allowed(ruleSet: RuleSet, direction: Direction, address: string): string[] | undefined {
  const verdict = ruleSet.targets[direction].get(address);
  if (verdict === undefined) return undefined;
  const chain = ruleSet.verdictChains.find((candidate) => candidate.name === verdict);
  if (!chain) throw new Error(`verdict chain ${verdict} is missing`);
  const family = address.includes(':') ? 6 : 4;
  return chain.policyChains.flatMap((name) => {
    const policyChain = ruleSet.policyChains.find((candidate) => candidate.name === name);
    if (!policyChain) throw new Error(`policy chain ${name} is missing`);
    if (policyChain.direction !== direction) throw new Error(`policy chain ${name} is for ${policyChain.direction}`);
    return policyChain.lines.filter((line) => line.family === undefined || line.family === family).map((line) => describeLine(ruleSet, line));
  });
}

/** Sets no line refers to: they would only cost the kernel memory. */
export function unusedSets(ruleSet: RuleSet): string[] {
  const used = new Set(
    ruleSet.policyChains.flatMap((chain) =>
      chain.lines.flatMap((line) => [line.peer && 'set' in line.peer ? line.peer.set : undefined, line.ports && 'destinationPorts' in line.ports ? line.ports.destinationPorts : undefined]),
    ),
  );
  return ruleSet.sets.map((set) => set.name).filter((name) => !used.has(name));
}

function describeLine(ruleSet: RuleSet, line: RuleLine): string {
  const peer = !line.peer
    ? 'any'
    : 'set' in line.peer
      ? `{${elementsOf(ruleSet, line.peer.set, line.family!).join(',')}}`
      : `${line.peer.cidr}${line.peer.except.length > 0 ? ` except {${line.peer.except.join(',')}}` : ''}`;
  const ports = !line.ports
    ? 'any'
    : 'destinationPorts' in line.ports
      ? `named {${elementsOf(ruleSet, line.ports.destinationPorts, line.family!).join(',')}}`
      : `${line.ports.protocol}${line.ports.ports.length > 0 ? ` ${line.ports.ports.join(',')}` : ''}`;
  return `${peer} ${ports}`;
}

function elementsOf(ruleSet: RuleSet, name: string, family: number): readonly string[] {
  const set = ruleSet.sets.find((candidate) => candidate.name === name);
  if (!set) throw new Error(`set ${name} is missing`);
  if (set.family !== family) throw new Error(`set ${name} is of family ${set.family}, used in a family ${family} line`);
  return set.elements;
}
