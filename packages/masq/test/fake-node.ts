import { chainRules, jumpRule } from '../src/rules/iptables-rules.js';
import { FakeRunner } from './fake-runner.js';

/**
 * A node whose nft-flavour iptables holds exactly the rules for `inPlace`
 * (none when undefined), as iptables-save and `iptables -S` print them;
 * restores succeed, or fail with "killed" when `failRestore`.
 */
export function nodeWith(inPlace: string[] | undefined, failRestore = false): FakeRunner {
  const set = { family: 4 as const, chain: 'TSCNI-MASQ', nonMasqueradeCidrs: inPlace ?? [] };
  const [declare, ...rules] = chainRules(set);
  const nat = inPlace ? [declare!.replace(/^-N (.+)$/, ':$1 - [0:0]'), jumpRule(set), ...rules] : [];
  const saved = ['*nat', ':POSTROUTING ACCEPT [0:0]', ...nat, 'COMMIT', ''].join('\n');
  return new FakeRunner((argv) => {
    if (argv[0] === 'iptables-legacy-save') return { stdout: '' };
    if (argv[0] === 'iptables-nft-save') return { stdout: saved };
    if (argv[0]?.endsWith('-restore')) return failRestore ? { exitCode: 1, stderr: 'killed' } : {};
    if (!inPlace) return { exitCode: argv.includes('POSTROUTING') ? 0 : 1 };
    return { stdout: (argv.includes('POSTROUTING') ? [jumpRule(set)] : chainRules(set)).join('\n') };
  });
}
