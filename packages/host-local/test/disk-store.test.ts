import { Sandbox } from '@tscni/core/testing';
import { linkSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiskStore } from '../src/disk-store.js';

const alice = { containerId: 'alice', ifName: 'eth0' };
const bob = { containerId: 'bob', ifName: 'eth0' };

describe('DiskStore', () => {
  const sandbox = new Sandbox('hl');
  let dataDir: string;
  const locked = <T>(fn: (store: DiskStore) => T) => DiskStore.locked(dataDir, 'net', 1, fn);

  beforeEach(async () => {
    dataDir = await sandbox.dir();
  });
  afterAll(() => sandbox.cleanup());

  it('writes the reference format and nothing else in the network directory', async () => {
    expect(await locked((store) => store.reserve('10.0.0.2', alice, 0))).toBe(true);
    expect(readFileSync(join(dataDir, 'net', '10.0.0.2'), 'utf8')).toBe('alice\r\neth0');
    expect(readFileSync(join(dataDir, 'net', 'last_reserved_ip.0'), 'utf8')).toBe('10.0.0.2');
    expect(readdirSync(join(dataDir, 'net')).sort()).toEqual(['10.0.0.2', 'last_reserved_ip.0', 'lock']);
  });

  it('refuses an address that is already held, as O_EXCL does', async () => {
    await locked((store) => store.reserve('10.0.0.2', alice, 0));
    expect(await locked((store) => store.reserve('10.0.0.2', bob, 0))).toBe(false);
    expect(readFileSync(join(dataDir, 'net', '10.0.0.2'), 'utf8')).toBe('alice\r\neth0');
  });

  it('finds and releases by owner, idempotently', async () => {
    await locked((store) => [store.reserve('10.0.0.2', alice, 0), store.reserve('10.0.0.3', bob, 0)]);
    expect(await locked((store) => store.releaseByOwner(alice))).toEqual(['10.0.0.2']);
    expect(await locked((store) => store.releaseByOwner(alice))).toEqual([]);
    expect(await locked((store) => store.findByOwner(bob))).toEqual(['10.0.0.3']);
  });

  it('sees allocations another plugin added behind its back', async () => {
    await locked((store) => store.reserve('10.0.0.2', alice, 0));
    writeFileSync(join(dataDir, 'net', '10.0.0.9'), 'bob\r\neth0');
    writeFileSync(join(dataDir, 'net', '10.0.0.10'), 'old-style-id'); // an old reference wrote the ID alone
    expect(await locked((store) => store.findByOwner(bob))).toEqual(['10.0.0.9']);
    expect(await locked((store) => store.releaseByOwner({ containerId: 'old-style-id', ifName: 'eth0' }))).toEqual(['10.0.0.10']);
  });

  it('notices a release behind its back', async () => {
    await locked((store) => store.reserve('10.0.0.2', alice, 0));
    unlinkSync(join(dataDir, 'net', '10.0.0.2'));
    expect(await locked((store) => store.findByOwner(alice))).toEqual([]);
  });

  it('checks an index entry against the file it names before trusting it', async () => {
    await locked((store) => [store.reserve('10.0.0.2', alice, 0), store.reserve('10.0.0.3', bob, 0)]);
    // Rewriting a file in place leaves the directory's fingerprint unchanged.
    writeFileSync(join(dataDir, 'net', '10.0.0.2'), 'carol\r\neth0');
    expect(await locked((store) => store.findByOwner(alice))).toEqual([]);
  });

  it('rebuilds its index when it is lost', async () => {
    await locked((store) => store.reserve('10.0.0.2', alice, 0));
    rmSync(join(dataDir, '.tscni-host-local'), { recursive: true });
    expect(await locked((store) => store.findByOwner(alice))).toEqual(['10.0.0.2']);
  });

  it('keeps many owners apart across its shards, and agrees with a rebuild from scratch', async () => {
    const owners = Array.from({ length: 300 }, (_, i) => ({ containerId: `pod-${i}`, ifName: i % 2 ? 'eth0' : 'net1' }));
    const ipOf = (i: number) => `10.0.${(i + 2) >> 8}.${(i + 2) & 255}`;
    await locked((store) => owners.forEach((owner, i) => store.reserve(ipOf(i), owner, 0)));
    await locked((store) => owners.filter((_, i) => i % 3 === 0).forEach((owner) => store.releaseByOwner(owner)));
    const expected = owners.map((_, i) => (i % 3 === 0 ? [] : [ipOf(i)]));
    expect(await locked((store) => owners.map((owner) => store.findByOwner(owner)))).toEqual(expected);
    rmSync(join(dataDir, '.tscni-host-local'), { recursive: true });
    expect(await locked((store) => owners.map((owner) => store.findByOwner(owner)))).toEqual(expected);
  });

  it('never lets a scratch file left by a crash rewrite a live allocation', async () => {
    await locked((store) => store.reserve('10.0.0.2', alice, 0));
    // A crash between link() and unlink() leaves the scratch name sharing the allocation's inode.
    linkSync(join(dataDir, 'net', '10.0.0.2'), join(dataDir, '.tscni-host-local', 'net', 'scratch'));
    expect(await locked((store) => store.reserve('10.0.0.3', bob, 0))).toBe(true);
    expect(readFileSync(join(dataDir, 'net', '10.0.0.2'), 'utf8')).toBe('alice\r\neth0');
    expect(readFileSync(join(dataDir, 'net', '10.0.0.3'), 'utf8')).toBe('bob\r\neth0');
  });

  describe('with the allocation file staged before the lock', () => {
    const stagedNames = () => readdirSync(join(dataDir, '.tscni-host-local', 'net')).filter((name) => name.startsWith('staged.'));

    it('links the staged file into place, once per range set, and removes its own name afterwards', async () => {
      const reserved = await DiskStore.locked(dataDir, 'net', 2, (store) => [store.reserve('10.0.0.2', alice, 0), store.reserve('fd00::2', alice, 1)], {
        stageFor: alice,
      });
      expect(reserved).toEqual([true, true]);
      expect(readFileSync(join(dataDir, 'net', '10.0.0.2'), 'utf8')).toBe('alice\r\neth0');
      expect(readFileSync(join(dataDir, 'net', 'fd00::2'), 'utf8')).toBe('alice\r\neth0');
      expect(stagedNames()).toEqual([]);
      expect(await DiskStore.locked(dataDir, 'net', 2, (store) => store.releaseByOwner(alice))).toEqual(['10.0.0.2', 'fd00::2']);
    });

    it('writes the right owner when asked to reserve for another one than it staged for', async () => {
      await DiskStore.locked(dataDir, 'net', 1, (store) => store.reserve('10.0.0.2', bob, 0), { stageFor: alice });
      expect(readFileSync(join(dataDir, 'net', '10.0.0.2'), 'utf8')).toBe('bob\r\neth0');
      expect(stagedNames()).toEqual([]);
    });

    it('leaves neither an allocation nor a staged file when the work fails', async () => {
      const failing = DiskStore.locked(
        dataDir,
        'net',
        1,
        () => {
          throw new Error('boom');
        },
        { stageFor: alice },
      );
      await expect(failing).rejects.toThrow('boom');
      expect(readdirSync(join(dataDir, 'net')).filter((name) => name.startsWith('10.'))).toEqual([]);
      expect(stagedNames()).toEqual([]);
    });
  });
});
