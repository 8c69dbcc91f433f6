import type { Family } from '@tscni/core';
import { readFile } from 'node:fs/promises';

/**
 * The upstream groups of the network focus, each a ginkgo focus of its own:
 * every sig-network Conformance test, and the Networking Granular Checks that
 * stand beside them without the mark (pod to Service, node to Service,
 * endpoints, nodePorts, session affinity, large requests); the dual-stack
 * tests (pods, Services and their traffic in both families); and the
 * NetworkPolicy tests (`[sig-network] Netpol`: 48 [Feature:NetworkPolicy]
 * specs probing 3 namespaces × 3 pods, and 2 API specs).
 */
export const GROUPS = {
  'conformance/granular': String.raw`\[sig-network\].*\[Conformance\]|\[sig-network\] Networking Granular Checks`,
  'dual-stack': String.raw`\[Feature:IPv6DualStack\]`,
  Netpol: String.raw`\[sig-network\] Netpol`,
} as const;

export type Group = keyof typeof GROUPS;

/**
 * The focuses a run can take (`TSCNI_CONFORMANCE_FOCUS`): `all`, the one
 * `npm test` runs, holds every group in one ginkgo run; `netpol` holds the
 * Netpol specs alone (`nx run e2e:netpol`, for developers of the policy
 * enforcement); `conformance` the conformance/granular group alone (`nx run
 * e2e:conformance-ipv6` runs it on the IPv6-only cluster).
 */
export const FOCUSES = {
  all: Object.values(GROUPS).join('|'),
  netpol: GROUPS.Netpol,
  conformance: GROUPS['conformance/granular'],
} as const;

export type FocusName = keyof typeof FOCUSES;

/** The focus `TSCNI_CONFORMANCE_FOCUS` names (`all` when unset); an unknown name is an error, not a silent full run. */
export function focusFromEnv(env: NodeJS.ProcessEnv = process.env): FocusName {
  const name = env.TSCNI_CONFORMANCE_FOCUS || 'all';
  if (!Object.hasOwn(FOCUSES, name)) throw new Error(`TSCNI_CONFORMANCE_FOCUS=${name}: expected one of ${Object.keys(FOCUSES).join(', ')}`);
  return name as FocusName;
}

/** This run's ginkgo focus: what run.ts passes to ginkgo, what the summary and the focusedSpecs check select. */
export const FOCUS: string = FOCUSES[focusFromEnv()];

/** A part of the focus that cannot apply to this cluster, and why: the summary gives the reason. */
export interface Skip {
  pattern: string;
  reason: string;
}

/**
 * What the focus holds that this cluster cannot run. The nodes are
 * containers on the host's kernel: SCTP is there only if that kernel has
 * it, and the suite loads no module into the host; the pattern is the
 * [Feature:SCTPConnectivity] tag, so the two Netpol specs that only create
 * SCTP policies while probing TCP ("even if the plugin doesn't support
 * SCTP") still run. The dual-stack tests need a cluster of both families
 * (`families`, the cluster's).
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
