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

    it('an ADD with the same set agrees with it (CHECK passes)', async () => {
      await sync(CLUSTER);
      const conf = masqConfig({ backend, lockFile, nonMasqueradeCIDRs: CLUSTER, prevResult: podResult('10.244.1.9/24') });
      expect((await runMasq(node, 'CHECK', conf)).exitCode).toBe(0);
    });
  });
});
