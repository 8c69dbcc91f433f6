import { parseIp, parsePrefix, prefixContains, type Family } from '@tscni/core';
import { familyName, type KindCluster, type KindNetwork, type KubePod } from '@tscni/testbed/kind';
import type { KindProbes } from './probes.js';

/**
 * What the kind suite's checks share. The suite fills it in its beforeAll;
 * the modules that register checks (family-checks.ts, fault-checks.ts) read
 * it only when their tests run.
 */
export interface KindSuiteContext {
  network: KindNetwork;
  cluster: KindCluster;
  probe: KindProbes;
  /** The outside container's name, and its address of each family on kind's network. */
  outside: string;
  outsideIps: Map<Family, string>;
  /** Runs a step and records how long it took (printed after the suite). */
  timed: <T>(what: string, work: () => Promise<T>) => Promise<T>;
}

/** For it.each: one check per family of the network, named by it. */
export const eachFamily = (network: KindNetwork): Array<[string, Family]> => network.families.map((family) => [familyName(family), family]);

export const inside = (cidr: string, ip: string): boolean => prefixContains(parsePrefix(cidr)!, parseIp(ip)!);

export const onNodeOf = (all: KubePod[], node: string): KubePod => all.find((pod) => pod.spec.nodeName === node)!;

/** busybox and iputils both print the IPv6 hop limit as ttl=. */
export const HOP_LIMIT_62 = /\bttl=62\b/;
