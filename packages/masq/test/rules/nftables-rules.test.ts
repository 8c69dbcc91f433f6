import { NftablesRules, replaceScript, tableText } from '../../src/rules/nftables-rules.js';
import type { RuleSet } from '../../src/rules/rule-set.js';
import { FakeRunner } from '../fake-runner.js';

const set: RuleSet = { family: 6, chain: 'TSCNI-MASQ', nonMasqueradeCidrs: ['fd00:10:244::/56'] };

describe('nftables rules', () => {
  it('writes the table anew in one script, whatever was there', () => {
    const script = replaceScript(set).split('\n');
    expect(script.slice(0, 3)).toEqual(['table ip6 TSCNI-MASQ {}', 'delete table ip6 TSCNI-MASQ', 'table ip6 TSCNI-MASQ {']);
    expect(script).toContain('\t\tip6 daddr fd00:10:244::/56 return comment "tscni-masq: no masquerade to fd00:10:244::/56"');
  });

  it('compares the listed table with the expected one, ignoring indentation', async () => {
    const listed = tableText(set).replace(/\t/g, '  ') + '\n';
    const runner = new FakeRunner(() => ({ stdout: listed }));
    expect(await new NftablesRules(runner).inspect(set)).toEqual([]);
    expect(runner.commands()).toEqual(['nft list table ip6 TSCNI-MASQ']);
  });

  it('reports a missing or different table', async () => {
    const missing = new FakeRunner(() => ({ exitCode: 1 }));
    expect(await new NftablesRules(missing).inspect(set)).toEqual(['nftables table ip6 TSCNI-MASQ is missing']);
    const other = new FakeRunner(() => ({ stdout: tableText({ ...set, nonMasqueradeCidrs: [] }) }));
    expect((await new NftablesRules(other).inspect(set))[0]).toMatch(/differs/);
  });
});
