import { withFileLock } from '@tscni/core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupCidrs } from '../../src/cidrs.js';
import { STAMP_TRUST_MS, stampFileFor } from '../../src/rules/stamp.js';
import { ensureRuleSets, verifyRuleSets } from '../../src/sync.js';
import type { FakeRunner } from '../fake-runner.js';
import { nodeWith } from '../fake-node.js';

/** The stamp: what an ADD reads instead of running iptables when its set was seen in place. */
describe('the rule stamp', () => {
  let dir: string;
  let n = 0;
  /** A lock file of its own per test, and a stand-in namespace path (any file has a device and an inode). */
  let lockFile: string;
  let netns: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'tscni-mq-stamp-'))));
  beforeEach(() => {
    lockFile = join(dir, `t${++n}`, 'masq.lock');
    netns = join(dir, `ns${n}`);
    writeFileSync(netns, '');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const WANTED = ['10.244.0.0/16'];
  const cidrs = groupCidrs(WANTED, 'x');
  const add = (runner: FakeRunner, extra: object = {}) =>
    ensureRuleSets(cidrs, { runner, lockFile, netns, ...extra }, { trustStamp: true });
  const restores = (runner: FakeRunner) => runner.calls.filter((call) => call.argv[0]?.endsWith('-restore'));
  const editStamp = (edit: (stamp: { sets: Record<string, { at: number }> }) => void) => {
    const stamp = JSON.parse(readFileSync(stampFileFor(lockFile), 'utf8'));
    edit(stamp);
    writeFileSync(stampFileFor(lockFile), JSON.stringify(stamp));
  };

  it('lives next to the lock', () => {
    expect(stampFileFor('/run/tscni/masq.lock')).toBe('/run/tscni/masq.stamp');
    expect(stampFileFor('/x/lockfile')).toBe('/x/lockfile.stamp');
  });

  it('a hit runs no process and does not wait for the lock', async () => {
    await add(nodeWith(WANTED));
    const runner = nodeWith(WANTED);
    // Another writer holds the lock: the hit does not need it.
    await withFileLock(lockFile, () => add(runner));
    expect(runner.calls).toEqual([]);
  });

  it('is written after a commit, and then hit', async () => {
    const empty = nodeWith(undefined);
    await add(empty);
    expect(restores(empty)).toHaveLength(1);
    const runner = nodeWith(WANTED);
    await add(runner);
    expect(runner.calls).toEqual([]);
  });

  it('a commit that fails (a kill between commit and stamp is the same) leaves no stamp', async () => {
    await add(nodeWith(WANTED));
    expect(existsSync(stampFileFor(lockFile))).toBe(true);
    // Another set is wanted: the old stamp goes before the commit, which fails.
    const other = groupCidrs(['10.1.0.0/16'], 'x');
    await expect(ensureRuleSets(other, { runner: nodeWith(WANTED, true), lockFile, netns }, { trustStamp: true })).rejects.toThrow('killed');
    expect(existsSync(stampFileFor(lockFile))).toBe(false);
  });

  it.each([
    ['older than STAMP_TRUST_MS', () => editStamp((stamp) => Object.values(stamp.sets).forEach((entry) => (entry.at = Date.now() - STAMP_TRUST_MS - 1)))],
    ['from the future (the clock went back)', () => editStamp((stamp) => Object.values(stamp.sets).forEach((entry) => (entry.at = Date.now() + 60_000)))],
    ['garbage', () => writeFileSync(stampFileFor(lockFile), '{"sets": nul')],
    ['not an object', () => writeFileSync(stampFileFor(lockFile), '42')],
    ['of another namespace', () => editStamp((stamp) => Object.assign(stamp, { netns: '0:1' }))],
    ['of another boot', () => editStamp((stamp) => Object.assign(stamp, { boot: 'another' }))],
  ])('a stamp %s is not believed: the rules are read and repaired, and stamped again', async (_what, spoil) => {
    await add(nodeWith(WANTED));
    spoil();
    const flushed = nodeWith(undefined);
    await add(flushed);
    expect(restores(flushed)).toHaveLength(1);
    const next = nodeWith(WANTED);
    await add(next);
    expect(next.calls).toEqual([]);
  });

  it('a stamp of another set, chain or backend is not believed', async () => {
    await add(nodeWith(WANTED));
    for (const [options, other] of [
      [{}, groupCidrs(['10.245.0.0/16'], 'x')],
      [{ chain: 'OTHER' }, cidrs],
      [{ backend: 'nftables' }, cidrs],
    ] as const) {
      const runner = nodeWith(WANTED);
      await ensureRuleSets(other, { runner, lockFile, netns, ...options }, { trustStamp: true }).catch(() => undefined);
      expect(runner.calls.length).toBeGreaterThan(0);
    }
  });

  it('a family the stamp does not name is read', async () => {
    await add(nodeWith(WANTED));
    const runner = nodeWith(WANTED);
    await ensureRuleSets(groupCidrs([...WANTED, 'fd00::/64'], 'x'), { runner, lockFile, netns }, { trustStamp: true });
    expect(runner.calls.length).toBeGreaterThan(0);
  });

  it('the library (the agent\'s pass) always reads the rules: a flush is repaired at once', async () => {
    await add(nodeWith(WANTED));
    const flushed = nodeWith(undefined);
    await ensureRuleSets(cidrs, { runner: flushed, lockFile, netns });
    expect(restores(flushed)).toHaveLength(1);
  });

  it('CHECK never believes the stamp, and removes it when the rules differ', async () => {
    await add(nodeWith(WANTED));
    await expect(verifyRuleSets(cidrs, { runner: nodeWith(undefined), lockFile, netns })).rejects.toMatchObject({ code: 999 });
    expect(existsSync(stampFileFor(lockFile))).toBe(false);
    const flushed = nodeWith(undefined);
    await add(flushed);
    expect(restores(flushed)).toHaveLength(1);
  });
});
