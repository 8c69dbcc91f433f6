import { Sandbox, type TestNamespace } from '@tscni/core/testing';
import { syncNonMasqueradeCidrs } from '../src/index.js';
import { masqConfig, masqLines, natRules, podResult, returnTargets, runMasq } from './helpers.js';

const CLUSTER = ['10.244.0.0/16', '10.96.0.0/12'];

/** syncNonMasqueradeCidrs, as the node agent calls it: replacing the set leaves nothing stale. */
describe('syncNonMasqueradeCidrs', () => {
  const sandbox = new Sandbox('mq');
  let lockFile: string;
  beforeAll(async () => (lockFile = `${await sandbox.dir()}/masq.lock`));
  afterAll(() => sandbox.cleanup());

  describe.each([
    ['iptables', 'iptables-nft'],
    ['nftables', 'nft'],
  ] as const)('with %s', (backend, tool) => {
    let node: TestNamespace;
    beforeAll(async () => (node = await sandbox.namespace(`sync-${backend}`)));
    const sync = (cidrs: string[]) => syncNonMasqueradeCidrs(cidrs, { backend, lockFile, netns: node.path });
    const kept = async (): Promise<string[]> => {
      if (tool === 'iptables-nft') return returnTargets(masqLines(await natRules(sandbox, node)));
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

    // The agent replaces the set while kubelet ADDs pods whose conflist still names the old one.
    it('ADDs racing the set replacements: every state seen is one whole set, and one rule set ends it', async () => {
      const sets = Array.from({ length: 6 }, (_, i) => [`10.${i}.0.0/16`, '10.244.0.0/16']);
      const before = await kept();
      const seen: string[][] = [];
      let racing = true;
      const watcher = (async () => {
        while (racing) seen.push(await kept());
      })();
      const adds = Array.from({ length: 40 }, (_, i) =>
        runMasq(node, 'ADD', masqConfig({ backend, lockFile, nonMasqueradeCIDRs: CLUSTER, prevResult: podResult(`10.244.1.${i + 2}/24`) }), {
          containerId: `race-${i}`,
        }),
      );
      const [runs] = await Promise.all([Promise.all(adds), Promise.all(sets.map(sync))]);
      racing = false;
      await watcher;
      expect(runs.filter((run) => run.exitCode !== 0).map((run) => run.stdout)).toEqual([]);
      const whole = [before, CLUSTER, ...sets];
      for (const state of seen.filter((state) => state.length > 0)) expect(whole).toContainEqual(state);
      expect(whole).toContainEqual(await kept());
      if (tool === 'nft') {
        // The IPv4 table: the first test left an IPv6 one beside it.
        const ruleset = await sandbox.exec(node, 'nft', ['list', 'table', 'ip', 'TSCNI-MASQ']);
        expect(ruleset.match(/ jump /g)).toHaveLength(1);
        expect(ruleset.match(/^\s+masquerade comment/gm)).toHaveLength(1);
      } else {
        const lines = masqLines(await natRules(sandbox, node));
        expect(lines.filter((line) => line.startsWith('-A POSTROUTING'))).toHaveLength(1);
        expect(lines.filter((line) => line.endsWith('-j MASQUERADE'))).toHaveLength(1);
      }
    });

    it('an ADD with the same set agrees with it (CHECK passes)', async () => {
      await sync(CLUSTER);
      const conf = masqConfig({ backend, lockFile, nonMasqueradeCIDRs: CLUSTER, prevResult: podResult('10.244.1.9/24') });
      expect((await runMasq(node, 'CHECK', conf)).exitCode).toBe(0);
    });
  });
});
