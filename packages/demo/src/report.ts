import type { CheckResult } from './checks/index.js';
import { familyNetOf, type Cluster } from '@tscni/testbed/netns-cluster';

/** Plain-text tables: columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** One row per node and family; the node's name and namespace on its first. */
export function nodesTable(cluster: Cluster): string {
  return table(
    ['node', 'node IP', 'podCIDR', 'cni0', 'namespace'],
    cluster.nodes.flatMap((n) =>
      n.nets.map((net, i) => {
        const { segment } = familyNetOf(cluster.topo, net.family);
        const podLength = net.podCidr.split('/')[1];
        return [i === 0 ? n.name : '', `${net.ip}/${segment.prefixLength}`, net.podCidr, `${net.bridgeIp}/${podLength}`, i === 0 ? n.ns.name : ''];
      }),
    ),
  );
}

export function podsTable(cluster: Cluster): string {
  return table(
    ['pod', 'node', 'pod IPs', 'namespace'],
    cluster.pods.map((p) => [p.name, p.node.name, p.ips.join(' '), p.ns.name]),
  );
}

/** "IPv6", or "pod" for a check of the pod as a whole (CNI CHECK). */
export function familyLabel(result: CheckResult): string {
  return result.family ? `IPv${result.family}` : 'pod';
}

export function checkLine(result: CheckResult): string {
  return `  ${result.ok ? 'ok  ' : 'FAIL'} ${familyLabel(result).padEnd(4)} ${result.name}: ${result.detail}`;
}

/** The evidence is cut short here: the full text was printed as each check ran. */
const EVIDENCE_WIDTH = 90;

export function summaryTable(results: CheckResult[]): string {
  const evidence = (detail: string) => (detail.length > EVIDENCE_WIDTH ? `${detail.slice(0, EVIDENCE_WIDTH - 3)}...` : detail);
  return table(
    ['check', 'family', 'result', 'evidence'],
    results.map((r) => [r.name, familyLabel(r), r.ok ? 'ok' : 'FAIL', evidence(r.detail)]),
  );
}

/** "30 of 30 checks passed (pod 6 of 6, IPv4 24 of 24)": the total, then per family in the order met. */
export function passedLine(results: CheckResult[]): string {
  const count = (list: CheckResult[]) => `${list.filter((r) => r.ok).length} of ${list.length}`;
  const labels = [...new Set(results.map(familyLabel))];
  const perLabel = labels.map((label) => `${label} ${count(results.filter((r) => familyLabel(r) === label))}`);
  return `${count(results)} checks passed (${perLabel.join(', ')})`;
}

export function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
