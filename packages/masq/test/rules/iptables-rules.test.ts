import { chainRules, IptablesRules, jumpRule, restoreInput, rulesFromSave } from '../../src/rules/iptables-rules.js';
import type { RuleSet } from '../../src/rules/rule-set.js';
import { FakeRunner } from '../fake-runner.js';

const set: RuleSet = { family: 4, chain: 'TSCNI-MASQ', nonMasqueradeCidrs: ['10.244.0.0/16', '10.96.0.0/12'] };
const lines = (...all: string[]) => all.join('\n') + '\n';

describe('iptables rule rendering', () => {
  it('replaces the chain whole and adds a missing jump, in one transaction', () => {
    const input = restoreInput(set, 0).split('\n');
    expect(input[0]).toBe('*nat');
    expect(input[1]).toBe(':TSCNI-MASQ - [0:0]'); // with --noflush this flushes the chain
    expect(input.filter((line) => line.includes('-j RETURN'))).toHaveLength(2);
    expect(input.at(-3)).toBe(jumpRule(set));
    expect(input.at(-2)).toBe('COMMIT');
  });

  it('leaves a single jump alone and deletes extra ones', () => {
    expect(restoreInput(set, 1)).not.toContain('POSTROUTING');
    expect(restoreInput(set, 3).split('\n').filter((line) => line.startsWith('-D POSTROUTING'))).toHaveLength(2);
  });

  it('comments every rule as tscni-masq', () => {
    for (const rule of [jumpRule(set), ...chainRules(set).slice(1)]) expect(rule).toMatch(/--comment "tscni-masq: /);
  });
});

describe('IptablesRules', () => {
  const node = (postrouting: string, chain: string | undefined) =>
    new FakeRunner((argv) => {
      if (argv[0]?.endsWith('-restore')) return {};
      if (argv.includes('POSTROUTING')) return { stdout: postrouting };
      return chain === undefined ? { exitCode: 1, stderr: 'No chain/target/match by that name.' } : { stdout: chain };
    });

  it('finds nothing to change when exactly the set is in place', async () => {
    const runner = node(lines('-P POSTROUTING ACCEPT', jumpRule(set)), lines(...chainRules(set)));
    expect(await new IptablesRules(runner, 'nft', '/n').inspect(set)).toEqual([]);
    expect(runner.calls.every((call) => call.argv[0] === 'iptables-nft' && call.netns === '/n')).toBe(true);
  });

  it('reports a missing chain, a stale RETURN and a duplicated jump', async () => {
    const stale = chainRules({ ...set, nonMasqueradeCidrs: ['10.1.0.0/16', ...set.nonMasqueradeCidrs] });
    expect(await new IptablesRules(node('', undefined), 'nft').inspect(set)).toEqual([
      'nat POSTROUTING has 0 jumps to TSCNI-MASQ, expected 1',
      'nat chain TSCNI-MASQ is missing',
    ]);
    const problems = await new IptablesRules(node(lines(jumpRule(set), jumpRule(set)), lines(...stale)), 'nft').inspect(set);
    expect(problems).toHaveLength(2);
    expect(problems[1]).toContain('10.1.0.0/16');
  });

  it('replaces through ip6tables-<flavour>-restore --noflush for IPv6', async () => {
    const runner = node('', undefined);
    await new IptablesRules(runner, 'legacy').replace({ family: 6, chain: 'M', nonMasqueradeCidrs: ['fd00::/64'] });
    const restore = runner.calls.at(-1);
    expect(restore?.argv).toEqual(['ip6tables-legacy-restore', '-w', '5', '--noflush']);
    expect(restore?.input).toContain('-A M -d fd00::/64');
  });
});

describe('rulesFromSave', () => {
  it('reads the jumps and the chain of the nat table as iptables -S prints them', () => {
    const saved = lines(
      '*filter', ':TSCNI-MASQ - [0:0]', '-A TSCNI-MASQ -j ACCEPT', 'COMMIT',
      '*nat', ':POSTROUTING ACCEPT [0:0]', ':TSCNI-MASQ - [0:0]', jumpRule(set), ...chainRules(set).slice(1), 'COMMIT',
    );
    expect(rulesFromSave(saved, set)).toEqual({ jumps: 1, chain: chainRules(set) });
  });

  it('tells a missing chain from an empty one', () => {
    expect(rulesFromSave(lines('*nat', ':POSTROUTING ACCEPT [0:0]', 'COMMIT'), set)).toEqual({ jumps: 0, chain: undefined });
    expect(rulesFromSave(lines('*nat', ':TSCNI-MASQ - [0:0]', 'COMMIT'), set)).toEqual({ jumps: 0, chain: ['-N TSCNI-MASQ'] });
  });
});
