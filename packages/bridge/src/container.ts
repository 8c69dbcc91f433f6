import { familyOf, writeSysctl, type IpConfig, type Route, type Runner } from '@tscni/core';
import { addressCommand, gatewaysByFamily } from './addressing.js';
import { requireNoFailure, runBatch } from './batch.js';

/** Route attributes of spec 1.1 and the iproute2 words for them. */
const ROUTE_OPTIONS = [
  ['priority', 'metric'],
  ['mtu', 'mtu'],
  ['advmss', 'advmss'],
  ['table', 'table'],
  ['scope', 'scope'],
] as const;

/** `ip -batch` lines that give the container interface its addresses and routes and bring it up. */
export function containerCommands(ifName: string, ips: readonly IpConfig[], routes: readonly Route[]): string[][] {
  const gateways = gatewaysByFamily(ips);
  const commands = ips.map((ip) => addressCommand(ip.address, ifName));
  commands.push(['link', 'set', ifName, 'up']);
  for (const route of routes) {
    const family = familyOf(route.dst);
    const gw = route.gw ?? (family ? gateways.get(family) : undefined);
    const options = ROUTE_OPTIONS.flatMap(([field, word]) => (route[field] === undefined ? [] : [word, String(route[field])]));
    commands.push(['route', 'add', route.dst, ...(gw ? ['via', gw] : []), 'dev', ifName, ...options]);
  }
  return commands;
}

/**
 * Configures the container end inside the pod's namespace. With IPv6,
 * duplicate address detection is switched off first: with hairpin or
 * promiscuous bridges a pod hears its own probes and would reject its address.
 */
export async function configureContainer(
  runner: Runner,
  netns: string,
  ifName: string,
  ips: readonly IpConfig[],
  routes: readonly Route[],
): Promise<void> {
  if (ips.some((ip) => familyOf(ip.address) === 6)) {
    await writeSysctl(runner, `net/ipv6/conf/${ifName}/accept_dad`, '0', netns);
  }
  const { failures } = await runBatch(runner, containerCommands(ifName, ips, routes), netns);
  requireNoFailure(failures, `configuring ${ifName} in ${netns}`);
}
