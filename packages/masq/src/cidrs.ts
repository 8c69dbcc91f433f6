import { formatPrefix, invalidConfig, parsePrefix, type Family, type Result } from '@tscni/core';

/** Non-masquerade destinations per address family, in network form ("10.244.0.0/16"). */
export type CidrsByFamily = Map<Family, string[]>;

/**
 * Validates CIDRs and writes each as its network ("10.244.1.5/16" becomes
 * "10.244.0.0/16"), the form iptables and nft print back, so the rules read
 * from the node compare equal to the ones we render. Duplicates are dropped.
 */
export function groupCidrs(cidrs: readonly unknown[], where: string): CidrsByFamily {
  const byFamily: CidrsByFamily = new Map();
  for (const cidr of cidrs) {
    const prefix = typeof cidr === 'string' ? parsePrefix(cidr) : undefined;
    if (!prefix) throw invalidConfig(`${where}: "${String(cidr)}" is not a CIDR such as 10.244.0.0/16 or fd00::/64`);
    const list = byFamily.get(prefix.family) ?? [];
    const network = formatPrefix(prefix);
    if (!list.includes(network)) list.push(network);
    byFamily.set(prefix.family, list);
  }
  return byFamily;
}

/** The pod's own subnets, by family, from the addresses of the previous result. */
export function podSubnets(result: Result): CidrsByFamily {
  return groupCidrs(
    (result.ips ?? []).map((ip) => ip.address),
    'prevResult.ips',
  );
}

/**
 * What the plugin ensures for one pod: the configured CIDRs for each family
 * the pod has an address in; a family the config names no CIDR for falls
 * back to the pod's own subnet, so that family's pod traffic is not hidden
 * behind the node's address by omission.
 */
export function cidrsForPod(configured: CidrsByFamily | undefined, result: Result): CidrsByFamily {
  const own = podSubnets(result);
  const wanted: CidrsByFamily = new Map();
  for (const [family, subnets] of own) wanted.set(family, configured?.get(family) ?? subnets);
  return wanted;
}
