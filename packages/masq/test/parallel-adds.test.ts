import { Sandbox } from '@tscni/core/testing';
import { masqConfig, masqLines, natRules, podResult, returnTargets, runMasq } from './helpers.js';

const CLUSTER = ['10.244.0.0/16', '10.96.0.0/12'];

/** Many pods ADDed at once on one node end with exactly one rule set, in every backend. */
describe('parallel ADDs', () => {
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
    expect(returnTargets(lines)).toEqual(CLUSTER);
    expect(lines.at(-1)).toMatch(/-j MASQUERADE$/);
    expect(lines).toHaveLength(5);
  });
});
