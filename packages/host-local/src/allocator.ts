import { CniError, ErrorCode, formatIp, parseIp, type IpAddress, type IpConfig } from '@tscni/core';
import { HostLocalCode } from './errors.js';
import { describeSet, ipText, isAssignable, rangeFor, type Range, type RangeSet } from './range.js';
import type { Owner, Store } from './store.js';

/**
 * Hands out one address per range set, round-robin from the last reserved
 * one, so a crash-looping pod does not get the address it just released.
 * The caller holds the store's lock.
 */
export class Allocator {
  constructor(
    private readonly store: Store,
    private readonly rangeSets: RangeSet[],
  ) {}

  /** All-or-nothing: on any failure the addresses taken so far are released. */
  allocate(owner: Owner, requested: IpAddress[]): IpConfig[] {
    const held = this.store.findByOwner(owner);
    if (held.length > 0) {
      throw new CniError(
        HostLocalCode.AlreadyAllocated,
        `${owner.containerId}/${owner.ifName} already holds ${held.join(', ')}: duplicate allocation is not allowed (DEL it first)`,
      );
    }
    const unclaimed = [...requested];
    try {
      const ips = this.rangeSets.map((set, index) => {
        const wanted = unclaimed.findIndex((ip) => rangeFor(set, ip));
        if (wanted < 0) return this.reserveNext(owner, set, index);
        return this.reserveRequested(owner, set, index, unclaimed.splice(wanted, 1)[0]!);
      });
      if (unclaimed.length > 0) {
        throw new CniError(
          ErrorCode.InvalidConfig,
          `requested address ${unclaimed.map(formatIp).join(', ')} is outside every range (${this.rangeSets.map(describeSet).join('; ')})`,
        );
      }
      return ips;
    } catch (error) {
      this.store.releaseByOwner(owner);
      throw error;
    }
  }

  private reserveRequested(owner: Owner, set: RangeSet, index: number, ip: IpAddress): IpConfig {
    const range = rangeFor(set, ip)!;
    if (!isAssignable(range, ip.value)) {
      throw new CniError(ErrorCode.InvalidConfig, `requested address ${formatIp(ip)} is the network, broadcast or gateway address of ${describeSet([range])}`);
    }
    if (!this.store.reserve(formatIp(ip), owner, index)) {
      throw new CniError(HostLocalCode.AddressTaken, `requested address ${formatIp(ip)} is already allocated`);
    }
    return ipConfig(range, ip.value);
  }

  private reserveNext(owner: Owner, set: RangeSet, index: number): IpConfig {
    for (const { range, value } of candidates(set, this.store.lastReserved(index))) {
      if (this.store.reserve(ipText(range, value), owner, index)) return ipConfig(range, value);
    }
    throw new CniError(HostLocalCode.RangeExhausted, `no IP addresses available in range set ${describeSet(set)}`);
  }
}

/** Every assignable address of the set once, starting just after `last` (or at the first range's start). */
export function* candidates(set: RangeSet, last: string | undefined): Generator<{ range: Range; value: bigint }> {
  const lastIp = last === undefined ? undefined : parseIp(last);
  const lastRange = lastIp ? set.findIndex((range) => range === rangeFor(set, lastIp)) : -1;
  let rangeIndex = Math.max(lastRange, 0);
  let value = lastRange >= 0 ? lastIp!.value + 1n : set[0]!.start;
  let remaining = set.reduce((sum, range) => sum + range.end - range.start + 1n, 0n);
  for (; remaining > 0n; remaining--, value++) {
    if (value > set[rangeIndex]!.end) {
      rangeIndex = (rangeIndex + 1) % set.length;
      value = set[rangeIndex]!.start;
    }
    const range = set[rangeIndex]!;
    if (isAssignable(range, value)) yield { range, value };
  }
}

function ipConfig(range: Range, value: bigint): IpConfig {
  return { address: `${ipText(range, value)}/${range.subnet.prefixLength}`, gateway: ipText(range, range.gateway) };
}
