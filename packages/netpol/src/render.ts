import { PROTOCOL_NUMBERS, type Direction, type Family, type NamedSet, type PeerMatch, type PolicyChain, type PortMatch, type RuleLine, type RuleSet } from './rule-set.js';

/** The table tscni owns; nothing else writes to it. */
export const TABLE = 'tscni_netpol';

/**
 * The nft script that replaces the node's whole table in one transaction:
 * declaring the table first makes the delete succeed when it does not exist
 * yet; the kernel applies the delete and the new table together or not at
 * all, so no packet ever meets a half-built or empty table (an agent
 * restart included).
 */
export function renderScript(ruleSet: RuleSet): string {
  return [`table inet ${TABLE}`, `delete table inet ${TABLE}`, renderTable(ruleSet)].join('\n') + '\n';
}

/** The script that removes the table (NetworkPolicy turned off on the node). */
export function removalScript(): string {
  return `table inet ${TABLE}\ndelete table inet ${TABLE}\n`;
}

export function renderTable(ruleSet: RuleSet): string {
  const body: string[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    for (const family of [4, 6] as const) body.push(...renderVerdictMap(ruleSet, direction, family));
  }
  for (const set of ruleSet.sets) body.push(...renderSet(set));
  body.push(...renderBaseChain('egress', 'saddr', 'filter - 1'), ...renderBaseChain('ingress', 'daddr', 'filter'));
  for (const chain of ruleSet.verdictChains) {
    body.push(
      `chain ${chain.name} {`,
      ...chain.policyChains.map((name) => `\tjump ${name}`),
      // A refused connection fails at once instead of waiting out a timeout.
      '\tmeta l4proto tcp reject with tcp reset',
      '\treject with icmpx admin-prohibited',
      '}',
    );
  }
  for (const chain of ruleSet.policyChains) body.push(...renderPolicyChain(chain));
  return `table inet ${TABLE} {\n${body.map((line) => `\t${line}`).join('\n')}\n}`;
}

/** Local pod address → verdict chain; a vmap is one lookup however many pods. */
function renderVerdictMap(ruleSet: RuleSet, direction: Direction, family: Family): string[] {
  const elements = [...ruleSet.targets[direction]].filter(([address]) => (family === 6) === address.includes(':'));
  return [
    `map ${direction}_${family} {`,
    `\ttype ${addressType(family)} : verdict`,
    ...(elements.length > 0 ? [`\telements = { ${elements.map(([address, chain]) => `${address} : goto ${chain}`).join(', ')} }`] : []),
    '}',
  ];
}

/**
 * Each direction is a base chain of its own on the forward hook: an accept
 * ends only its own chain, so traffic between two pods of this node must
 * pass both the sender's egress and the receiver's ingress. Replies and
 * packets of connections already allowed pass first (conntrack), which is
 * also why a policy change applies to new connections only.
 *
 * IPv6 neighbour discovery passes too: it is what ARP is to IPv4 (which no
 * inet chain sees), but it is ICMPv6, and with bridge netfilter on, the
 * solicitations and advertisements between two pods of this node cross
 * the forward hook, from and to the pods' own addresses. Judged, an
 * egress-isolated pod could not resolve any pod of its node, allowed ones
 * included, and an ingress-isolated pod's neighbours would fail to
 * re-confirm it.
 */
function renderBaseChain(direction: Direction, field: 'saddr' | 'daddr', priority: string): string[] {
  return [
    `chain ${direction} {`,
    `\ttype filter hook forward priority ${priority}; policy accept;`,
    '\tct state established,related accept',
    '\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept',
    `\tip ${field} vmap @${direction}_4`,
    `\tip6 ${field} vmap @${direction}_6`,
    '}',
  ];
}

function renderSet(set: NamedSet): string[] {
  const type = set.kind === 'addresses' ? addressType(set.family) : `${addressType(set.family)} . inet_proto . inet_service`;
  return [
    `set ${set.name} {`,
    `\ttype ${type}`,
    ...(set.elements.length > 0 ? [`\telements = { ${set.elements.join(', ')} }`] : []),
    '}',
  ];
}

function renderPolicyChain(chain: PolicyChain): string[] {
  const field = chain.direction === 'ingress' ? 'saddr' : 'daddr';
  return [
    `chain ${chain.name} {`,
    ...chain.lines.map((line) => `\t${renderLine(line, field)} comment "${chain.policy} ${chain.direction}[${line.ruleIndex}]"`),
    '}',
  ];
}

function renderLine(line: RuleLine, peerField: 'saddr' | 'daddr'): string {
  const ip = line.family === 6 ? 'ip6' : 'ip';
  const parts = [line.peer && renderPeer(line.peer, `${ip} ${peerField}`), line.ports && renderPorts(line.ports, ip), 'accept'];
  return parts.filter(Boolean).join(' ');
}

function renderPeer(peer: PeerMatch, field: string): string {
  if ('set' in peer) return `${field} @${peer.set}`;
  const except = peer.except.length > 0 ? ` ${field} != { ${peer.except.join(', ')} }` : '';
  return `${field} ${peer.cidr}${except}`;
}

function renderPorts(ports: PortMatch, ip: 'ip' | 'ip6'): string {
  if ('destinationPorts' in ports) return `${ip} daddr . meta l4proto . th dport @${ports.destinationPorts}`;
  const protocol = `meta l4proto ${PROTOCOL_NUMBERS[ports.protocol]}`;
  return ports.ports.length > 0 ? `${protocol} th dport { ${ports.ports.join(', ')} }` : protocol;
}

function addressType(family: Family): string {
  return family === 4 ? 'ipv4_addr' : 'ipv6_addr';
}
