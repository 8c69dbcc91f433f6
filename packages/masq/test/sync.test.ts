import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupCidrs } from '../src/cidrs.js';
import { stampFileFor } from '../src/rules/stamp.js';
import { ensureRuleSets, verifyRuleSets } from '../src/sync.js';
import type { FakeRunner } from './fake-runner.js';
import { nodeWith } from './fake-node.js';

describe('ensureRuleSets', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'tscni-mq-unit-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const cidrs = groupCidrs(['10.244.0.0/16'], 'x');
  const restores = (runner: FakeRunner) => runner.calls.filter((call) => call.argv[0]?.endsWith('-restore'));

  it('writes nothing when the set is in place', async () => {
    const runner = nodeWith(['10.244.0.0/16']);
    await ensureRuleSets(cidrs, { runner, netns: '/n', lockFile: join(dir, 'lock') });
    expect(restores(runner)).toHaveLength(0);
    // Forwarding is the plugin's ADD, not the rule sets' (the agent may not write /proc/sys).
    expect(runner.commands().filter((command) => command.startsWith('sysctl'))).toEqual([]);
  });

  it('without a stamp: the flavour detection alone, under the lock, finds the set in place, and stamps it', async () => {
    const runner = nodeWith(['10.244.0.0/16']);
    const lockFile = join(dir, 'fresh', 'lock');
    await ensureRuleSets(cidrs, { runner, lockFile }, { trustStamp: true });
    expect(runner.commands().sort()).toEqual(['iptables-legacy-save', 'iptables-nft-save']);
    expect(existsSync(stampFileFor(lockFile))).toBe(true);
  });

  it('replaces a different set in one restore', async () => {
    const runner = nodeWith(['10.1.0.0/16']);
    await ensureRuleSets(cidrs, { runner, netns: '/n', lockFile: join(dir, 'lock') });
    expect(restores(runner)).toHaveLength(1);
  });

  it('validates options before touching the node (code 7)', async () => {
    const runner = nodeWith(undefined);
    await expect(ensureRuleSets(cidrs, { runner, chain: 'bad chain' })).rejects.toMatchObject({ code: 7 });
    expect(runner.calls).toHaveLength(0);
  });

  it('CHECK fails with the differences', async () => {
    await expect(verifyRuleSets(cidrs, { runner: nodeWith(undefined) })).rejects.toMatchObject({
      details: expect.stringContaining('nat chain TSCNI-MASQ is missing'),
    });
    await expect(verifyRuleSets(cidrs, { runner: nodeWith(['10.244.0.0/16']) })).resolves.toBeUndefined();
  });
});
