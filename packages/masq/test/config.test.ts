import type { NetConf } from '@tscni/core';
import { parseMasqConfig } from '../src/config.js';
import { DEFAULT_CHAIN, DEFAULT_LOCK_FILE } from '../src/options.js';

const conf = (extra: object): NetConf => ({ cniVersion: '1.1.0', name: 'net', type: 'tscni-masq', ...extra });

describe('parseMasqConfig', () => {
  it('applies the defaults', () => {
    const { nonMasqueradeCidrs, options } = parseMasqConfig(conf({}));
    expect(nonMasqueradeCidrs).toBeUndefined();
    expect(options).toMatchObject({ chain: DEFAULT_CHAIN, backend: 'auto', lockFile: DEFAULT_LOCK_FILE });
  });

  it('takes every key', () => {
    const parsed = parseMasqConfig(
      conf({ nonMasqueradeCIDRs: ['10.244.0.0/16'], chain: 'MY_MASQ-1', backend: 'nftables', lockFile: '/tmp/l' }),
    );
    expect(parsed.nonMasqueradeCidrs?.get(4)).toEqual(['10.244.0.0/16']);
    expect(parsed.options).toMatchObject({ chain: 'MY_MASQ-1', backend: 'nftables', lockFile: '/tmp/l' });
  });

  it.each([
    ['nonMasqueradeCIDRs not a list', { nonMasqueradeCIDRs: '10.0.0.0/8' }],
    ['nonMasqueradeCIDRs empty', { nonMasqueradeCIDRs: [] }],
    ['a CIDR without a prefix length', { nonMasqueradeCIDRs: ['10.0.0.1'] }],
    ['a chain with a space', { chain: 'A B' }],
    ['a chain that smuggles an option', { chain: '-F' }],
    ['a chain that is a built-in target', { chain: 'MASQUERADE' }],
    ['a chain longer than 28', { chain: 'A'.repeat(29) }],
    ['a chain that is not a string', { chain: 5 }],
    ['an unknown backend', { backend: 'ebtables' }],
    ['a relative lock file', { lockFile: 'masq.lock' }],
  ])('rejects %s with code 7', (_what, extra) => {
    expect(() => parseMasqConfig(conf(extra))).toThrow(expect.objectContaining({ code: 7 }));
  });
});
