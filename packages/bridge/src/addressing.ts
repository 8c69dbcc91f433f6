import { CniError, ErrorCode, familyOf, formatIp, networkOf, parseIp, parsePrefix, type Family, type IpConfig, type Route } from '@tscni/core';

/**
 * The IPAM result's addresses with their gateways. When the bridge is the
 * gateway and IPAM named none, it is the subnet's first address (the
 * reference bridge's rule).
 */
export function withGateways(ips: readonly IpConfig[], isGateway: boolean): IpConfig[] {
  return ips.map((ip) => {
    const prefix = parsePrefix(ip.address);
    if (!prefix) throw invalidFromIpam('address', ip.address);
    if (ip.gateway && !parseIp(ip.gateway)) throw invalidFromIpam('gateway', ip.gateway);
    if (ip.gateway || !isGateway) return { ...ip };
    return { ...ip, gateway: formatIp({ family: prefix.family, value: networkOf(prefix) + 1n }) };
  });
}

/** The gateway CIDRs to put on the bridge: each gateway with its address's prefix length. */
export function bridgeGatewayCidrs(ips: readonly IpConfig[]): string[] {
  const cidrs = ips.flatMap((ip) => (ip.gateway ? [`${ip.gateway}/${ip.address.split('/')[1]}`] : []));
  return [...new Set(cidrs)];
}

/** The first gateway of each family: where routes without their own `gw` go. */
export function gatewaysByFamily(ips: readonly IpConfig[]): Map<Family, string> {
  const gateways = new Map<Family, string>();
  for (const ip of ips) {
    const family = familyOf(ip.address);
    if (family && ip.gateway && !gateways.has(family)) gateways.set(family, ip.gateway);
  }
  return gateways;
}

/** IPAM's routes plus, for isDefaultGateway, a default route per family unless IPAM gave one. */
export function withDefaultRoutes(routes: readonly Route[], ips: readonly IpConfig[], isDefaultGateway: boolean): Route[] {
  for (const route of routes) {
    if (!parsePrefix(route.dst)) throw invalidFromIpam('route destination', route.dst);
    if (route.gw && !parseIp(route.gw)) throw invalidFromIpam('route gateway', route.gw);
  }
  const out = [...routes];
  if (!isDefaultGateway) return out;
  for (const [family, gw] of gatewaysByFamily(ips)) {
    const dst = family === 4 ? '0.0.0.0/0' : '::/0';
    const hasDefault = out.some((r) => familyOf(r.dst) === family && parsePrefix(r.dst)?.prefixLength === 0);
    if (!hasDefault) out.push({ dst, gw });
  }
  return out;
}

export function familiesOf(ips: readonly IpConfig[]): Family[] {
  return [...new Set(ips.flatMap((ip) => familyOf(ip.address) ?? []))];
}

/**
 * `addr add` as the reference plugins do it: IPv4 with its broadcast
 * address, IPv6 without duplicate detection (usable at once; the IPAM store
 * already made it unique).
 */
export function addressCommand(cidr: string, dev: string): string[] {
  const extra = familyOf(cidr) === 6 ? ['nodad'] : ['brd', '+'];
  return ['addr', 'add', cidr, 'dev', dev, ...extra];
}

/** Everything from IPAM ends up on an `ip` command line: only real addresses may. */
function invalidFromIpam(what: string, value: string): CniError {
  return new CniError(ErrorCode.DecodeFailure, `IPAM returned an invalid ${what} "${value}"`);
}
