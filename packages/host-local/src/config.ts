import { invalidConfig, parsePrefix, type CmdArgs, type IpAddress, type NetConf, type Route } from '@tscni/core';
import type { Range, RangeSet } from './range.js';
import { parseRange, parseRangeSets, requireNoOverlap } from './range-config.js';
import { requestedIps } from './requested-ips.js';
import { parseRoutes } from './routes.js';

export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';

/** Everything one invocation needs, validated, with defaults filled in. */
export interface HostLocalConfig {
  network: string;
  dataDir: string;
  /** Runtime ipRanges first, then the legacy single range, then `ranges`, as the reference orders them. */
  rangeSets: RangeSet[];
  routes: Route[];
  resolvConf: string | undefined;
  /** Addresses asked for through CNI_ARGS IP=, args.cni.ips and runtimeConfig.ips. */
  requested: IpAddress[];
}

/** Loads the `ipam` section; every problem is code 7 naming the field. */
export function loadConfig(args: Pick<CmdArgs, 'command' | 'config' | 'args'>): HostLocalConfig {
  const ipam = args.config.ipam;
  if (!ipam) throw invalidConfig('"ipam" section is missing');
  const rangeSets = [...runtimeRangeSets(args.config), ...configuredRangeSets(ipam)];
  if (rangeSets.length === 0) throw invalidConfig('ipam: no ranges given (set "ranges", "subnet" or "podcidr")');
  requireNoOverlap(rangeSets, 'ranges');
  return {
    network: args.config.name,
    dataDir: optionalString(ipam.dataDir, 'ipam.dataDir') ?? DEFAULT_DATA_DIR,
    rangeSets,
    routes: parseRoutes(ipam.routes, 'ipam.routes'),
    resolvConf: optionalString(ipam.resolvConf, 'ipam.resolvConf'),
    // Only ADD uses them: a DEL must not fail over arguments it has no use for.
    requested: args.command === 'ADD' ? requestedIps(args) : [],
  };
}

function runtimeRangeSets(config: NetConf): RangeSet[] {
  const ipRanges = config.runtimeConfig?.ipRanges;
  if (ipRanges === undefined || ipRanges === null) return [];
  return parseRangeSets(ipRanges, 'runtimeConfig.ipRanges');
}

/** The legacy single range (fields directly in ipam) and the seed's `podcidr` come before `ranges`. */
function configuredRangeSets(ipam: Record<string, unknown>): RangeSet[] {
  const sets: RangeSet[] = [];
  if (ipam.podcidr !== undefined) sets.push([parsePodCidr(ipam.podcidr)]);
  if (ipam.subnet !== undefined) {
    const { subnet, rangeStart, rangeEnd, gateway } = ipam;
    sets.push([parseRange({ subnet, rangeStart, rangeEnd, gateway }, 'ipam')]);
  }
  if (ipam.ranges !== undefined) sets.push(...parseRangeSets(ipam.ranges, 'ipam.ranges'));
  return sets;
}

/** The seed's shorthand: one range on the node's pod CIDR, gateway .1. */
function parsePodCidr(raw: unknown): Range {
  if (typeof raw !== 'string' || !parsePrefix(raw)) {
    throw invalidConfig(`ipam.podcidr must be a CIDR such as "10.244.2.0/24", got ${JSON.stringify(raw)}`);
  }
  return parseRange({ subnet: raw }, 'ipam.podcidr');
}

function optionalString(raw: unknown, field: string): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw invalidConfig(`${field} must be a string`);
  return raw;
}
