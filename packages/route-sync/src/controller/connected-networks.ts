import { parsePrefix, type IpPrefix, type IpRoute } from '@tscni/core';

/** The networks of this node's global addresses: where a peer is one hop away. */
export async function connectedNetworks(ip: IpRoute): Promise<IpPrefix[]> {
  const links = await ip.addresses();
  return links
    .flatMap((link) => link.addr_info)
    .filter((address) => address.scope !== 'host' && address.scope !== 'link')
    .map((address) => parsePrefix(`${address.local}/${address.prefixlen}`))
    .filter((prefix): prefix is IpPrefix => prefix !== undefined);
}
