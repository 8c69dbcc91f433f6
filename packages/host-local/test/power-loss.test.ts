import { Sandbox, lockIsFree, waitFor } from '@tscni/core/testing';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addressesOf, ipam, type IpamNet } from './run.js';

/**
 * What a power loss or a crash leaves in the store, and what tscni-host-local
 * makes of it: allocation keeps working, never hands out a taken address,
 * and the log says what was found and repaired.
 */
describe('tscni-host-local after a power loss', () => {
  const sandbox = new Sandbox('crash');
  let dataDir: string;
  let logFile: string;
  const net = (): IpamNet => ({ name: 'plnet', cniVersion: '1.1.0', logFile, ipam: { type: 'tscni-host-local', dataDir, subnet: '10.252.0.0/24' } });
  const networkDir = () => join(dataDir, 'plnet');
  const file = (name: string) => join(networkDir(), name);
  const allocated = () => readdirSync(networkDir()).filter((name) => name.startsWith('10.')).sort();
  const logLines = (): Array<Record<string, unknown>> =>
    existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) : [];
  const gc = (valid: Array<{ containerID: string; ifname: string }>) =>
    ipam('GC', '', { ...net(), 'cni.dev/valid-attachments': valid }, { ifName: '' });

  beforeEach(async () => {
    dataDir = await sandbox.dir();
    logFile = join(dataDir, 'plugin.log');
    mkdirSync(networkDir(), { recursive: true });
  });
  afterAll(() => sandbox.cleanup());

  describe.each([
    ['empty', ''],
    ['filled with zeros', '\0'.repeat(24)],
  ])('an allocation file %s', (_what, content) => {
    it('stays taken: ADD skips it, no DEL matches it, GC keeps it, and the log names it', async () => {
      addressesOf(await ipam('ADD', 'pl-before', net())); // .2
      writeFileSync(file('10.252.0.3'), content); // what the reference leaves if power goes between create and write
      const added = ['pl-a', 'pl-b'].map(async (id) => addressesOf(await ipam('ADD', id, net())));
      expect((await Promise.all(added)).flat().sort()).toEqual(['10.252.0.4', '10.252.0.5']);
      for (const id of ['pl-a', 'pl-b', 'pl-before']) expect((await ipam('DEL', id, net(), { netns: '' })).exitCode).toBe(0);
      expect((await gc([])).exitCode).toBe(0);
      expect(allocated()).toEqual(['10.252.0.3']);
      expect(readFileSync(file('10.252.0.3'), 'utf8')).toBe(content);
      expect(logLines()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ level: 'warn', msg: expect.stringContaining('no readable owner'), addresses: ['10.252.0.3'], command: 'ADD' }),
          expect.objectContaining({ level: 'warn', msg: expect.stringContaining('GC keeps'), addresses: ['10.252.0.3'], command: 'GC' }),
        ]),
      );
    });
  });

  it('a file cut short after the container ID reads as the old format: valid for that container, DEL releases it', async () => {
    writeFileSync(file('10.252.0.2'), 'pl-cut'); // of "pl-cut\r\neth0"
    expect(addressesOf(await ipam('ADD', 'pl-other', net()))).toEqual(['10.252.0.3']);
    // GC must not take an address from a valid attachment because its file lost the ifname.
    expect((await gc([{ containerID: 'pl-cut', ifname: 'eth0' }, { containerID: 'pl-other', ifname: 'eth0' }])).exitCode).toBe(0);
    expect(allocated()).toEqual(['10.252.0.2', '10.252.0.3']);
    expect((await ipam('DEL', 'pl-cut', net())).exitCode).toBe(0);
    expect(allocated()).toEqual(['10.252.0.3']);
  });

  it.each([
    ['empty', ''],
    ['zeros', '\0\0\0\0\0\0\0\0'],
    ['an address cut short', '10.252.0.'],
    ['garbage', 'not an address'],
  ])('a last_reserved_ip.0 that is %s: allocation starts over, skips what is taken, rewrites the cursor and says so', async (_what, content) => {
    addressesOf(await ipam('ADD', 'pl-1', net()));
    addressesOf(await ipam('ADD', 'pl-2', net()));
    writeFileSync(file('last_reserved_ip.0'), content);
    expect(addressesOf(await ipam('ADD', 'pl-3', net()))).toEqual(['10.252.0.4']);
    expect(readFileSync(file('last_reserved_ip.0'), 'utf8')).toBe('10.252.0.4');
    expect(logLines()).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: expect.stringContaining('round-robin cursor is unreadable'), content: JSON.stringify(content) }),
    );
  });

  it('a lock file left behind, with content, or by a holder that was killed: the lock is free, ADD goes on', async () => {
    writeFileSync(file('lock'), '4242\n');
    expect(addressesOf(await ipam('ADD', 'pl-1', net()))).toEqual(['10.252.0.2']);
    // flock(2) locks die with their holders: kill one (flock and the command it runs) while it holds the lock.
    const holder = spawn('flock', ['-x', file('lock'), 'sleep', '30'], { detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    await waitFor('the holder to take the lock', async () => !(await lockIsFree(file('lock'))));
    process.kill(-holder.pid!, 'SIGKILL');
    await exited;
    expect(addressesOf(await ipam('ADD', 'pl-2', net()))).toEqual(['10.252.0.3']);
  });

  it('removes the files staged by processes that died before linking them, and keeps those of live ones', async () => {
    const side = join(dataDir, '.tscni-host-local', 'plnet');
    mkdirSync(side, { recursive: true });
    const namespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]!;
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('close', resolve));
    const anHourAgo = new Date(Date.now() - 3_600_000);
    const staged = {
      dead: `staged.${namespace}.${dead.pid}.0`,
      live: `staged.${namespace}.${process.pid}.0`,
      otherNamespaceOld: 'staged.4026531999.77.0',
      otherNamespaceNew: 'staged.4026531999.78.0',
      oldFormatOld: 'staged.79.0',
    };
    for (const name of Object.values(staged)) writeFileSync(join(side, name), 'someone\r\neth0');
    for (const name of [staged.otherNamespaceOld, staged.oldFormatOld]) utimesSync(join(side, name), anHourAgo, anHourAgo);

    expect(addressesOf(await ipam('ADD', 'pl-1', net()))).toEqual(['10.252.0.2']);
    expect(readdirSync(side).filter((name) => name.startsWith('staged.')).sort()).toEqual([staged.live, staged.otherNamespaceNew].sort());
    expect(logLines()).toContainEqual(
      expect.objectContaining({
        msg: expect.stringContaining('staged by processes that died'),
        files: expect.arrayContaining([staged.dead, staged.otherNamespaceOld, staged.oldFormatOld].map((name) => join(side, name))),
      }),
    );
    expect(allocated()).toEqual(['10.252.0.2']);
  });
});
