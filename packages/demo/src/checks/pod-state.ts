import { parseIp, parsePrefix, prefixContains, type AddrInfo, type Family, type LinkAddresses } from '@tscni/core';
import { checkPod, ip, netOf, podIp, type Pod } from '@tscni/testbed/netns-cluster';
import { fail, pass, type CheckResult } from './result.js';

export async function checkPodAttachment(pod: Pod): Promise<CheckResult> {
  const name = `${pod.name} CNI CHECK`;
  try {
    await checkPod(pod);
    return pass(name, 'every plugin of the chain confirms the attachment');
  } catch (error) {
    return fail(name, (error as Error).message);
  }
}

export function checkPodAddress(pod: Pod, family: Family): CheckResult {
  const name = `${pod.name} address`;
  const podCidr = netOf(pod.node, family).podCidr;
  const ip = podIp(pod, family);
  const [prefix, address] = [parsePrefix(podCidr), parseIp(ip)];
  return prefix && address && prefixContains(prefix, address) ? pass(name, `${ip} in ${podCidr}`) : fail(name, `${ip} is outside ${podCidr}`);
}

/** The flags `ip -j addr` adds to an IPv6 address while or instead of duplicate address detection. */
type DadFlags = AddrInfo & { nodad?: boolean; tentative?: boolean; dadfailed?: boolean };

/**
 * An IPv6 pod is usable as soon as ADD returns: its address and its
 * gateway's (cni0's) skip duplicate address detection, which would keep
 * them tentative, unable to send or answer, for a second or more. The
 * plugin knows both are unique: IPAM handed them out.
 */
export async function checkNoDadWait(pod: Pod): Promise<CheckResult> {
  const name = `${pod.name} no DAD wait`;
  const { bridgeIp } = netOf(pod.node, 6);
  const [podLinks, bridgeLinks] = await Promise.all([ip(pod.ns).addresses('eth0'), ip(pod.node.ns).addresses('cni0')]);
  const [podAddress, gateway] = [flagsOf(podLinks, podIp(pod, 6)), flagsOf(bridgeLinks, bridgeIp)];
  const problems = [
    ...(podAddress?.nodad ? [] : [`the pod's ${podIp(pod, 6)} is not nodad`]),
    ...(gateway?.nodad ? [] : [`cni0's ${bridgeIp} is not nodad`]),
    ...[podAddress, gateway].filter((a) => a?.tentative || a?.dadfailed).map((a) => `${a!.local} is tentative or failed DAD`),
  ];
  return problems.length === 0 ? pass(name, `${podIp(pod, 6)} and its gateway ${bridgeIp} are nodad: usable at once`) : fail(name, problems.join('; '));
}

function flagsOf(links: LinkAddresses[], address: string): DadFlags | undefined {
  return links.flatMap((link) => link.addr_info as DadFlags[]).find((info) => info.local === address);
}
