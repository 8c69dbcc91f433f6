import { formatIp, formatPrefix, lastOf, parseIp, parsePrefix, prefixContains, prefixesOverlap } from '@tscni/core';

describe('ip', () => {
  it.each([
    ['10.244.2.7', '10.244.2.7'],
    ['fd00::1', 'fd00::1'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
  ])('round-trips %s', (text, canonical) => {
    const ip = parseIp(text);
    expect(ip).toBeDefined();
    expect(formatIp(ip!)).toBe(canonical);
  });

  it.each(['10.0.0', '10.0.0.256', 'fd00:::1', 'x', '10.0.0.1/24', ''])('rejects %s as an address', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/a', 'fd00::/129', '10.0.0.0/8/8'])('rejects %s as a prefix', (text) => {
    expect(parsePrefix(text)).toBeUndefined();
  });

  it('computes networks, last addresses, containment and overlap', () => {
    const p = parsePrefix('10.244.2.77/24')!;
    expect(formatPrefix(p)).toBe('10.244.2.0/24');
    expect(formatPrefix(p, true)).toBe('10.244.2.77/24');
    expect(formatIp({ family: 4, value: lastOf(p) })).toBe('10.244.2.255');
    expect(prefixContains(p, parseIp('10.244.2.254')!)).toBe(true);
    expect(prefixContains(p, parseIp('10.244.3.1')!)).toBe(false);
    expect(prefixesOverlap(parsePrefix('10.244.0.0/16')!, p)).toBe(true);
    expect(prefixesOverlap(parsePrefix('10.245.0.0/16')!, p)).toBe(false);
    expect(prefixesOverlap(parsePrefix('fd00::/64')!, p)).toBe(false);
    expect(formatPrefix(parsePrefix('fd00:10:244:2::5/64')!)).toBe('fd00:10:244:2::/64');
  });
});
