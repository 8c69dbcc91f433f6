import { familyOf, type Family } from '@tscni/core';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';

/** A kind cluster's address families, as kind's `networking.ipFamily` names them. */
export type IpFamilyMode = 'ipv4' | 'dual' | 'ipv6';

/** One of deploy/'s kind configs, and what the suites expect of a cluster made from it. */
export interface KindNetwork {
  ipFamily: IpFamilyMode;
  config: string;
  /** The cluster's families, its primary one first (kind puts IPv4 first on a dual-stack cluster). */
  families: Family[];
  /** networking.podSubnet, one per family, in the same order. */
  podSubnets: string[];
  /** networking.serviceSubnet (kind's defaults), one per family, in the same order. */
  serviceSubnets: string[];
}

const config = (file: string) => join(REPO_ROOT, 'deploy', file);

export const KIND_NETWORKS: Record<IpFamilyMode, KindNetwork> = {
  ipv4: { ipFamily: 'ipv4', config: config('kind-config.yaml'), families: [4], podSubnets: ['10.244.0.0/16'], serviceSubnets: ['10.96.0.0/16'] },
  dual: {
    ipFamily: 'dual',
    config: config('kind-config-dual.yaml'),
    families: [4, 6],
    podSubnets: ['10.244.0.0/16', 'fd00:10:244::/56'],
    serviceSubnets: ['10.96.0.0/16', 'fd00:10:96::/112'],
  },
  ipv6: { ipFamily: 'ipv6', config: config('kind-config-ipv6.yaml'), families: [6], podSubnets: ['fd00:10:244::/56'], serviceSubnets: ['fd00:10:96::/112'] },
};

/**
 * The network a suite's cluster gets: TSCNI_KIND_IP_FAMILY (ipv4, dual,
 * ipv6), else `fallback`. Dual-stack is the suites' default: it covers
 * what an IPv4 cluster has, and IPv6 beside it.
 */
export function kindNetworkFromEnv(env: NodeJS.ProcessEnv = process.env, fallback: IpFamilyMode = 'dual'): KindNetwork {
  const asked = env.TSCNI_KIND_IP_FAMILY || fallback;
  if (!Object.hasOwn(KIND_NETWORKS, asked)) throw new Error(`TSCNI_KIND_IP_FAMILY=${asked}: one of ${Object.keys(KIND_NETWORKS).join(', ')}`);
  return KIND_NETWORKS[asked as IpFamilyMode];
}

/** The one address (or CIDR) of a family in a list the API gives (podIPs, podCIDRs, InternalIPs). */
export function ofFamily(addresses: readonly string[], family: Family): string | undefined {
  return addresses.find((address) => familyOf(address) === family);
}

/** How an address goes into a URL: IPv6 in brackets. */
export const urlHost = (address: string): string => (familyOf(address) === 6 ? `[${address}]` : address);

export const familyName = (family: Family): string => `IPv${family}`;
