import { formatIp, formatPrefix, lastOf, networkOf, type Family, type IpAddress, type IpPrefix } from '@tscni/core';

/** One validated `{subnet, rangeStart, rangeEnd, gateway}` with every default filled in. */
export interface Range {
  subnet: IpPrefix;
  start: bigint;
  end: bigint;
  gateway: bigint;
}

/** A range set: the ranges one address of one family may come from. */
export type RangeSet = Range[];

export function familyOfSet(set: RangeSet): Family {
  return set[0]!.subnet.family;
}

export function rangeContains(range: Range, ip: IpAddress): boolean {
  return ip.family === range.subnet.family && ip.value >= range.start && ip.value <= range.end;
}

/**
 * Whether the address may be handed out: inside the range and not the
 * network address, the gateway, or (IPv4) the broadcast address. A
 * rangeStart written as the network address must still not hand it out.
 */
export function isAssignable(range: Range, value: bigint): boolean {
  if (value < range.start || value > range.end) return false;
  if (value === range.gateway || value === networkOf(range.subnet)) return false;
  return !(range.subnet.family === 4 && value === lastOf(range.subnet));
}

export function rangeFor(set: RangeSet, ip: IpAddress): Range | undefined {
  return set.find((range) => rangeContains(range, ip));
}

export function ipText(range: Range, value: bigint): string {
  return formatIp({ family: range.subnet.family, value });
}

/** "10.244.0.0/24 (10.244.0.2-10.244.0.254)", how errors name a range. */
export function describeRange(range: Range): string {
  return `${formatPrefix(range.subnet)} (${ipText(range, range.start)}-${ipText(range, range.end)})`;
}

export function describeSet(set: RangeSet): string {
  return set.map(describeRange).join(', ');
}

/** How many addresses of the range may be handed out at most. */
export function assignableCount(range: Range): bigint {
  const excluded = [range.gateway, networkOf(range.subnet), ...(range.subnet.family === 4 ? [lastOf(range.subnet)] : [])];
  const inside = new Set(excluded.filter((value) => value >= range.start && value <= range.end));
  return range.end - range.start + 1n - BigInt(inside.size);
}
