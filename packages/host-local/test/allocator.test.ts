import { parseIp } from '@tscni/core';
import { Allocator } from '../src/allocator.js';
import { HostLocalCode } from '../src/errors.js';
import { parseRangeSet } from '../src/range-config.js';
import { FakeStore } from './fake-store.js';

const owner = (id: string) => ({ containerId: id, ifName: 'eth0' });
const set = (...ranges: object[]) => parseRangeSet(ranges, 'ranges[0]');
const addressOf = (allocator: Allocator, id: string) => allocator.allocate(owner(id), [])[0]!.address;

describe('Allocator', () => {
  it('hands out addresses in order, skipping network, gateway and broadcast', () => {
    const allocator = new Allocator(new FakeStore(), [set({ subnet: '10.0.0.0/29' })]);
    const got = ['a', 'b', 'c', 'd', 'e'].map((id) => addressOf(allocator, id));
    expect(got).toEqual(['10.0.0.2/29', '10.0.0.3/29', '10.0.0.4/29', '10.0.0.5/29', '10.0.0.6/29']);
  });

  it('never hands out the network address even when rangeStart names it', () => {
    const allocator = new Allocator(new FakeStore(), [set({ subnet: '10.0.0.0/30', rangeStart: '10.0.0.0', gateway: '10.0.0.2' })]);
    expect(addressOf(allocator, 'a')).toBe('10.0.0.1/30');
    expect(() => addressOf(allocator, 'b')).toThrow(expect.objectContaining({ code: HostLocalCode.RangeExhausted }));
  });

  it('round-robins from the last reserved address, not from the lowest free one', () => {
    const store = new FakeStore();
    const allocator = new Allocator(store, [set({ subnet: '10.0.0.0/29' })]);
    addressOf(allocator, 'a');
    addressOf(allocator, 'b');
    store.releaseByOwner(owner('a'));
    expect(addressOf(allocator, 'c')).toBe('10.0.0.4/29');
  });

  it('wraps around to the start, and across the ranges of a set', () => {
    const store = new FakeStore();
    const allocator = new Allocator(store, [
      set({ subnet: '10.0.0.0/24', rangeStart: '10.0.0.10', rangeEnd: '10.0.0.11' }, { subnet: '10.0.1.0/24', rangeStart: '10.0.1.20', rangeEnd: '10.0.1.20' }),
    ]);
    expect(['a', 'b', 'c'].map((id) => addressOf(allocator, id))).toEqual(['10.0.0.10/24', '10.0.0.11/24', '10.0.1.20/24']);
    store.releaseByOwner(owner('a'));
    expect(addressOf(allocator, 'd')).toBe('10.0.0.10/24');
  });

  it('names the range when it is exhausted (code 100)', () => {
    const allocator = new Allocator(new FakeStore(), [set({ subnet: '10.0.0.0/30' })]);
    addressOf(allocator, 'a');
    expect(() => addressOf(allocator, 'b')).toThrow(expect.objectContaining({ code: 100, message: expect.stringContaining('10.0.0.0/30') }));
  });

  it('refuses a second address for the same containerID + ifname (code 102)', () => {
    const allocator = new Allocator(new FakeStore(), [set({ subnet: '10.0.0.0/24' })]);
    addressOf(allocator, 'a');
    expect(() => addressOf(allocator, 'a')).toThrow(expect.objectContaining({ code: HostLocalCode.AlreadyAllocated }));
    expect(allocator.allocate({ containerId: 'a', ifName: 'net1' }, [])[0]!.address).toBe('10.0.0.3/24');
  });

  it('gives one address per range set (dual stack) with each gateway', () => {
    const allocator = new Allocator(new FakeStore(), [set({ subnet: '10.0.0.0/24' }), set({ subnet: 'fd00::/120' })]);
    expect(allocator.allocate(owner('a'), [])).toEqual([
      { address: '10.0.0.2/24', gateway: '10.0.0.1' },
      { address: 'fd00::2/120', gateway: 'fd00::1' },
    ]);
  });

  it('honours a requested address in its own set', () => {
    const allocator = new Allocator(new FakeStore(), [set({ subnet: '10.0.0.0/24' }), set({ subnet: 'fd00::/120' })]);
    const ips = allocator.allocate(owner('a'), [parseIp('fd00::42')!]);
    expect(ips.map((ip) => ip.address)).toEqual(['10.0.0.2/24', 'fd00::42/120']);
  });

  it.each([
    ['taken', '10.0.0.2', HostLocalCode.AddressTaken],
    ['outside every range', '10.9.9.9', 7],
    ['the gateway', '10.0.0.1', 7],
  ])('rejects a requested address that is %s, releasing what it took', (_, ip, code) => {
    const store = new FakeStore();
    const allocator = new Allocator(store, [set({ subnet: '10.0.0.0/24' })]);
    addressOf(allocator, 'a');
    expect(() => allocator.allocate(owner('b'), [parseIp(ip)!])).toThrow(expect.objectContaining({ code }));
    expect(store.findByOwner(owner('b'))).toEqual([]);
  });

  it('rolls back the first set when the second is exhausted', () => {
    const store = new FakeStore();
    const allocator = new Allocator(store, [set({ subnet: '10.0.0.0/24' }), set({ subnet: 'fd00::/126', gateway: 'fd00::3' })]);
    allocator.allocate(owner('a'), []);
    allocator.allocate(owner('b'), []);
    expect(() => allocator.allocate(owner('c'), [])).toThrow(expect.objectContaining({ code: 100 }));
    expect(store.findByOwner(owner('c'))).toEqual([]);
  });
});
