import type { CheckResult } from './checks/index.js';
import type { Cluster } from '@tscni/testbed/netns-cluster';

/** Plain-text tables: columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function nodesTable(cluster: Cluster): string {
  return table(
    ['node', 'node IP', 'podCIDR', 'cni0', 'namespace'],
    cluster.nodes.map((n) => [n.name, `${n.ip}/${cluster.topo.segment.prefixLength}`, n.podCidr, `${n.bridgeIp}/24`, n.ns.name]),
  );
}

export function podsTable(cluster: Cluster): string {
  return table(
    ['pod', 'node', 'pod IP', 'namespace'],
    cluster.pods.map((p) => [p.name, p.node.name, p.ip, p.ns.name]),
  );
}

export function checkLine(result: CheckResult): string {
  return `  ${result.ok ? 'ok  ' : 'FAIL'} ${result.name}: ${result.detail}`;
}

/** The evidence is cut short here: the full text was printed as each check ran. */
const EVIDENCE_WIDTH = 90;

export function summaryTable(results: CheckResult[]): string {
  const evidence = (detail: string) => (detail.length > EVIDENCE_WIDTH ? `${detail.slice(0, EVIDENCE_WIDTH - 3)}...` : detail);
  return table(
    ['check', 'result', 'evidence'],
    results.map((r) => [r.name, r.ok ? 'ok' : 'FAIL', evidence(r.detail)]),
  );
}

export function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
