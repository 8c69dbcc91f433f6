import {
  invalidConfig,
  lastOf,
  networkOf,
  parseIp,
  parsePrefix,
  prefixContains,
  type IpAddress,
  type IpPrefix,
} from '@tscni/core';
import type { Range, RangeSet } from './range.js';

/**
 * Turns the `ranges` lists of the ipam section into validated range sets.
 * Every error is code 7 and names the field as written, e.g.
 * `ipam.ranges[0][1].gateway`.
 */
export function parseRangeSets(raw: unknown, field: string): RangeSet[] {
  if (!Array.isArray(raw)) throw invalidConfig(`${field} must be a list of range sets`);
  return raw.map((set, i) => parseRangeSet(set, `${field}[${i}]`));
}

export function parseRangeSet(raw: unknown, field: string): RangeSet {
  if (!Array.isArray(raw) || raw.length === 0) throw invalidConfig(`${field} must be a non-empty list of ranges`);
  const set = raw.map((range, i) => parseRange(range, `${field}[${i}]`));
  if (set.some((range) => range.subnet.family !== set[0]!.subnet.family)) {
    throw invalidConfig(`${field} mixes IPv4 and IPv6 ranges (use one range set per family)`);
  }
  return set;
}

export function parseRange(raw: unknown, field: string): Range {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidConfig(`${field} must be an object`);
  const fields = raw as Record<string, unknown>;
  const written = requiredPrefix(fields.subnet, `${field}.subnet`);
  // Host bits are ignored, as the reference does: "10.0.0.5/24" is 10.0.0.0/24.
  const subnet: IpPrefix = { ...written, address: networkOf(written) };
  const maxLength = subnet.family === 4 ? 30 : 126;
  if (subnet.prefixLength > maxLength) {
    throw invalidConfig(`${field}.subnet ${fields.subnet as string} is too small to allocate from (at most /${maxLength})`);
  }
  const inSubnet = (name: string): IpAddress | undefined => {
    const ip = optionalIp(fields[name], `${field}.${name}`);
    if (ip && !prefixContains(subnet, ip)) throw invalidConfig(`${field}.${name} ${fields[name] as string} is outside subnet ${fields.subnet as string}`);
    return ip;
  };
  const network = subnet.address;
  const start = inSubnet('rangeStart')?.value ?? network + 1n;
  const end = inSubnet('rangeEnd')?.value ?? (subnet.family === 4 ? lastOf(subnet) - 1n : lastOf(subnet));
  const gateway = inSubnet('gateway')?.value ?? network + 1n;
  if (start > end) throw invalidConfig(`${field}.rangeStart is after ${field}.rangeEnd`);
  return { subnet, start, end, gateway };
}

/** Two ranges overlap when their address spans meet (same family only). */
export function rangesOverlap(a: Range, b: Range): boolean {
  return a.subnet.family === b.subnet.family && a.start <= b.end && b.start <= a.end;
}

/** Throws code 7 naming the first pair of ranges, across all sets, that overlap. */
export function requireNoOverlap(sets: RangeSet[], field: string): void {
  const all = sets.flatMap((set, i) => set.map((range, j) => ({ range, name: `${field}[${i}][${j}]` })));
  all.forEach((a, i) => {
    const b = all.slice(i + 1).find((other) => rangesOverlap(a.range, other.range));
    if (b) throw invalidConfig(`${a.name} overlaps ${b.name}`);
  });
}

function requiredPrefix(raw: unknown, field: string): IpPrefix {
  const prefix = typeof raw === 'string' ? parsePrefix(raw) : undefined;
  if (!prefix) throw invalidConfig(`${field} must be a CIDR such as "10.244.0.0/24", got ${JSON.stringify(raw ?? null)}`);
  return prefix;
}

function optionalIp(raw: unknown, field: string): IpAddress | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const ip = typeof raw === 'string' ? parseIp(raw) : undefined;
  if (!ip) throw invalidConfig(`${field} must be an IP address, got ${JSON.stringify(raw)}`);
  return ip;
}
