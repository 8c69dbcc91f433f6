import { CniError, ErrorCode, parsePrefix, prefixesOverlap, type AddrInfo, type IpRoute, type LinkAddresses, type Runner } from '@tscni/core';
import { isAlreadyDone, requireNoFailure, runBatch } from './batch.js';
import { addressCommand } from './addressing.js';
import type { BridgeConfig } from './config.js';

/** Throws unless `link` is a bridge: a device of another kind under that name is never touched. */
export function requireBridge(link: LinkAddresses, name: string): void {
  if (link.linkinfo?.info_kind !== 'bridge') {
    throw new CniError(ErrorCode.Internal, `"${name}" already exists but is not a bridge (it is ${link.linkinfo?.info_kind ?? 'a plain device'})`);
  }
}

/** The bridge with its addresses, or undefined when there is none; refuses a non-bridge of that name. */
export async function readBridge(ip: IpRoute, name: string): Promise<LinkAddresses | undefined> {
  const [link] = await ip.addresses(name);
  if (link) requireBridge(link, name);
  return link;
}

/**
 * The `ip -batch` line that creates the bridge up (and promiscuous when
 * asked) in one step, so it never changes a device that exists already:
 * when many ADDs start on an empty node at once, all but one get "File
 * exists", which the caller accepts. The MAC is set explicitly so that it
 * does not follow the lowest port's.
 */
export function createBridgeCommand(config: BridgeConfig, mac: string): string[] {
  const mtu = config.mtu === undefined ? [] : ['mtu', String(config.mtu)];
  const promisc = config.promiscMode ? ['promisc', 'on'] : [];
  return ['link', 'add', config.bridge, 'address', mac, ...mtu, 'up', ...promisc, 'type', 'bridge'];
}

/** Lines that bring an existing bridge (made down, or without promisc, elsewhere) to what the config wants. */
export function bridgeRepairCommands(bridge: LinkAddresses, config: BridgeConfig): string[][] {
  const flags = bridge.flags ?? [];
  return [
    ...(flags.includes('UP') ? [] : [['link', 'set', config.bridge, 'up']]),
    ...(config.promiscMode && !flags.includes('PROMISC') ? [['link', 'set', config.bridge, 'promisc', 'on']] : []),
  ];
}

/**
 * `ip -batch` lines that put the gateway addresses (CIDRs) on the bridge,
 * with the reference bridge's rule for the addresses already there: an
 * IPv4 address, or an IPv6 one whose subnet overlaps, that is not the
 * gateway is a conflict; forceAddress replaces it, otherwise ADD fails.
 */
export function gatewayCommands(bridge: string, present: readonly AddrInfo[], gateways: readonly string[], forceAddress: boolean): string[][] {
  const commands: string[][] = [];
  const global = present.filter((a) => a.scope !== 'link');
  for (const gateway of gateways) {
    const wanted = parsePrefix(gateway);
    if (!wanted) continue;
    if (global.some((a) => `${a.local}/${a.prefixlen}` === gateway)) continue;
    const conflicts = global.filter((a) => {
      const other = parsePrefix(`${a.local}/${a.prefixlen}`);
      return other?.family === wanted.family && (wanted.family === 4 || prefixesOverlap(other, wanted));
    });
    if (conflicts.length > 0 && !forceAddress) {
      throw new CniError(
        ErrorCode.Internal,
        `bridge "${bridge}" already has the address ${conflicts[0]?.local}/${conflicts[0]?.prefixlen}, not the gateway ${gateway} (set forceAddress to replace it)`,
      );
    }
    for (const old of conflicts) commands.push(['addr', 'del', `${old.local}/${old.prefixlen}`, 'dev', bridge]);
    commands.push(addressCommand(gateway, bridge));
  }
  return commands;
}

/** Puts the gateway addresses on the bridge; "already there" is a concurrent ADD's work and fine. */
export async function addGatewayAddresses(
  runner: Runner,
  config: BridgeConfig,
  present: readonly AddrInfo[],
  gateways: readonly string[],
): Promise<void> {
  const commands = gatewayCommands(config.bridge, present, gateways, config.forceAddress);
  const { failures } = await runBatch(runner, commands);
  // A replaced address another ADD already removed is gone, as wanted.
  requireNoFailure(failures, `adding the gateway addresses to ${config.bridge}`, (f) => f.command[1] === 'del' || isAlreadyDone(f));
}
