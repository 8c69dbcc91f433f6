import { Sandbox, type TestNamespace } from '@tscni/core/testing';
import { syncNonMasqueradeCidrs } from '../src/index.js';
import { masqConfig, masqLines, natRules, podResult, runMasq } from './helpers.js';

const CLUSTER = ['10.244.0.0/16', '10.96.0.0/12'];
const returns = (lines: string[]) => lines.filter((line) => line.includes('-j RETURN')).map((line) => line.split(' ')[3] ?? '');

/** Many writers on one node end with exactly one rule set, and replacing the set leaves nothing stale. */
describe('one rule set per node', () => {
  const sandbox = new Sandbox('mq');
  let lockFile: string;
  beforeAll(async () => (lockFile = `${await sandbox.dir()}/masq.lock`));
  afterAll(() => sandbox.cleanup());

  it.each([
    ['iptables, nft flavour', 'auto', 'iptables-nft'],
    ['iptables, legacy flavour', 'auto', 'iptables-legacy'],
    ['nftables', 'nftables', 'nft'],
  ])('100 parallel ADDs of different pods leave exactly one rule set (%s)', async (_name, backend, tool) => {
    const node = await sandbox.namespace(`many-${tool}`);
    // A node "uses" legacy when its rules are there (what kube-proxy's wrapper checks).
    if (tool === 'iptables-legacy') await sandbox.exec(node, tool, ['-A', 'INPUT', '-j', 'ACCEPT']);
    const runs = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        runMasq(
          node,
          'ADD',
          masqConfig({ backend, lockFile, nonMasqueradeCIDRs: CLUSTER, prevResult: podResult(`10.244.1.${i + 2}/24`) }),
          { containerId: `mq-pod-${i}` },
        ),
      ),
    );
    expect(runs.filter((run) => run.exitCode !== 0).map((run) => run.stdout)).toEqual([]);
    if (tool === 'nft') {
      const ruleset = await sandbox.exec(node, 'nft', ['list', 'ruleset']);
      expect(ruleset.match(/^table /gm)).toEqual(['table ']);
      expect(ruleset.match(/ jump /g)).toHaveLength(1);
      expect([...ruleset.matchAll(/ip daddr (\S+) return/g)].map((match) => match[1])).toEqual(CLUSTER);
      expect(ruleset.match(/^\s+masquerade comment/gm)).toHaveLength(1);
      return;
    }
    const lines = masqLines(await natRules(sandbox, node, tool));
    expect(lines.filter((line) => line.startsWith('-A POSTROUTING'))).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('-N '))).toHaveLength(1);
    expect(returns(lines)).toEqual(CLUSTER);
    expect(lines.at(-1)).toMatch(/-j MASQUERADE$/);
    expect(lines).toHaveLength(5);
  });

  describe.each([
    ['iptables', 'iptables-nft'],
    ['nftables', 'nft'],
  ] as const)('syncNonMasqueradeCidrs with %s', (backend, tool) => {
    let node: TestNamespace;
    beforeAll(async () => (node = await sandbox.namespace(`sync-${backend}`)));
    const sync = (cidrs: string[]) => syncNonMasqueradeCidrs(cidrs, { backend, lockFile, netns: node.path });
    const kept = async (): Promise<string[]> => {
      if (tool === 'iptables-nft') return returns(masqLines(await natRules(sandbox, node)));
      const table = await sandbox.exec(node, 'nft', ['list', 'table', 'ip', 'TSCNI-MASQ']);
      return [...table.matchAll(/ip daddr (\S+) return/g)].map((match) => match[1] ?? '');
    };

    it('replaces the set: a removed node CIDR leaves no stale RETURN', async () => {
      await sync(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24', 'fd00:10:244::/64']);
      expect(await kept()).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
      await sync(['10.244.0.0/24', '10.244.2.0/24', '10.244.3.0/24']);
      expect(await kept()).toEqual(['10.244.0.0/24', '10.244.2.0/24', '10.244.3.0/24']);
    });

    it('concurrent replacements end with one of the sets whole, never a mix', async () => {
      const sets = Array.from({ length: 8 }, (_, i) => [`10.${i}.0.0/16`, `10.${i}.1.0/24`, '10.244.0.0/16']);
      await Promise.all(sets.map(sync));
      expect(sets).toContainEqual(await kept());
    });

    it('an ADD with the same set agrees with it (CHECK passes)', async () => {
      await sync(CLUSTER);
      const conf = masqConfig({ backend, lockFile, nonMasqueradeCIDRs: CLUSTER, prevResult: podResult('10.244.1.9/24') });
      expect((await runMasq(node, 'CHECK', conf)).exitCode).toBe(0);
    });
  });
});
