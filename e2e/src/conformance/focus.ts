import type { Family } from '@tscni/core';
import { readFile } from 'node:fs/promises';

/**
 * Kubernetes' own verdict on a pod network: every sig-network Conformance
 * test, and the Networking Granular Checks that stand beside them without
 * the mark (pod to Service, node to Service, endpoints, nodePorts, session
 * affinity, large requests), and the dual-stack tests (pods, Services and
 * their traffic in both families).
 */
export const FOCUS = String.raw`\[sig-network\].*\[Conformance\]|\[sig-network\] Networking Granular Checks|\[Feature:IPv6DualStack\]`;

/** A part of the focus that cannot apply to this cluster, and why: the summary gives the reason. */
export interface Skip {
  pattern: string;
  reason: string;
}

/**
 * What the focus holds that this cluster cannot run. The nodes are
 * containers on the host's kernel: SCTP is there only if that kernel has
 * it, and the suite loads no module into the host. The dual-stack tests
 * need a cluster of both families (`families`, the cluster's).
 */
export async function skipsFor(kernelProtocols = '/proc/net/protocols', families: readonly Family[] = [4, 6]): Promise<Skip[]> {
  const protocols = await readFile(kernelProtocols, 'utf8').catch(() => '');
  const skips: Skip[] = [];
  if (families.length < 2) {
    skips.push({
      pattern: String.raw`\[Feature:IPv6DualStack\]`,
      reason: `the cluster has IPv${families[0]} alone (TSCNI_KIND_IP_FAMILY): the dual-stack tests need both families`,
    });
  }
  if (!/^SCTP\s/m.test(protocols)) {
    skips.push({
      pattern: String.raw`\[Feature:SCTPConnectivity\]`,
      reason: "the host kernel has no SCTP (not in /proc/net/protocols): kind nodes share the host's kernel, and the suite loads no module into it",
    });
  }
  return skips;
}

/** ginkgo's --skip for these skips (an empty pattern skips nothing). */
export function skipPattern(skips: readonly Skip[]): string {
  return skips.map((skip) => skip.pattern).join('|');
}
