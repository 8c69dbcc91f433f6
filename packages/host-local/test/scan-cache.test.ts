import { Sandbox } from '@tscni/core/testing';
import { lstatSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCache, scanAllocations, type KnownFile } from '../src/scan-cache.js';

const alice = { containerId: 'alice', ifName: 'eth0' };
const bob = { containerId: 'bob', ifName: 'eth0' };
const LATER = 60_000_000_000n; // a minute in ns: far beyond the settling margin

describe('scanAllocations', () => {
  const sandbox = new Sandbox('hlscan');
  let dir: string;
  const identity = (name: string) => {
    const stat = lstatSync(join(dir, name), { bigint: true });
    return { ino: stat.ino, ctimeNs: stat.ctimeNs };
  };

  beforeEach(async () => {
    dir = await sandbox.dir();
    writeFileSync(join(dir, '10.0.0.2'), 'alice\r\neth0');
    writeFileSync(join(dir, 'last_reserved_ip.0'), '10.0.0.2');
    writeFileSync(join(dir, 'lock'), '');
    mkdirSync(join(dir, '10.0.0.9')); // not a file: the reference skips it too
  });
  afterAll(() => sandbox.cleanup());

  it('reads every allocation file it does not know, and nothing else', () => {
    const { allocations } = scanAllocations(dir, new Map(), identity('10.0.0.2').ctimeNs + LATER);
    expect(allocations).toEqual([{ ip: '10.0.0.2', owner: alice }]);
  });

  it('takes the owner from memory, without reading, for the same inode and ctime', () => {
    // The remembered owner differs from the file's on purpose: it shows the file was not read.
    const known = new Map<string, KnownFile>([['10.0.0.2', { ...identity('10.0.0.2'), owner: bob }]]);
    expect(scanAllocations(dir, known, identity('10.0.0.2').ctimeNs + LATER).allocations).toEqual([{ ip: '10.0.0.2', owner: bob }]);
  });

  it('reads a file again when it was replaced or changed since', () => {
    const remembered = { ...identity('10.0.0.2'), owner: alice };
    unlinkSync(join(dir, '10.0.0.2'));
    writeFileSync(join(dir, '10.0.0.2'), 'bob\r\neth0');
    const replaced = { ...remembered, ino: identity('10.0.0.2').ino }; // even if the inode number came back
    const now = identity('10.0.0.2').ctimeNs + LATER;
    expect(scanAllocations(dir, new Map([['10.0.0.2', remembered]]), now).allocations).toEqual([{ ip: '10.0.0.2', owner: bob }]);
    expect(scanAllocations(dir, new Map([['10.0.0.2', replaced]]), now).allocations).toEqual([{ ip: '10.0.0.2', owner: bob }]);
  });

  it('remembers only files whose ctime is well before the scan, and forgets files that are gone', () => {
    const { ctimeNs } = identity('10.0.0.2');
    expect(scanAllocations(dir, new Map(), ctimeNs).remember).toEqual(new Map());
    expect(scanAllocations(dir, new Map(), ctimeNs + LATER).remember).toEqual(new Map([['10.0.0.2', { ...identity('10.0.0.2'), owner: alice }]]));
    const gone = new Map<string, KnownFile>([['10.0.0.7', { ino: 1n, ctimeNs: 1n, owner: bob }]]);
    expect(scanAllocations(dir, gone, ctimeNs + LATER).remember.has('10.0.0.7')).toBe(false);
  });
});

describe('ScanCache', () => {
  const sandbox = new Sandbox('hlscan');
  afterAll(() => sandbox.cleanup());

  it('keeps what it is given across processes, odd names included', async () => {
    const cache = new ScanCache(await sandbox.dir());
    const known = new Map<string, KnownFile>([
      ['10.0.0.2', { ino: 12n, ctimeNs: 1_700_000_000_123_456_789n, owner: { containerId: 'a b\r\nc', ifName: 'net 1' } }],
      ['fd00::2', { ino: 13n, ctimeNs: 5n, owner: { containerId: 'old-style-id', ifName: '' } }],
    ]);
    cache.save(known);
    expect(cache.load()).toEqual(known);
  });

  it('ignores a file cut short, rather than trust a partial line', async () => {
    const dir = await sandbox.dir();
    writeFileSync(join(dir, 'scan-cache'), '10.0.0.2 12 5 ali');
    expect(new ScanCache(dir).load()).toEqual(new Map());
  });

  it('starts empty without a file', async () => {
    expect(new ScanCache(await sandbox.dir()).load()).toEqual(new Map());
  });
});
