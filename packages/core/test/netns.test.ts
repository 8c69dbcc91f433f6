import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { netnsExists, requireNetns } from '@tscni/core';
import { Sandbox } from '@tscni/core/testing';

const sandbox = new Sandbox('nsx');
afterAll(() => sandbox.cleanup());

describe('netns paths', () => {
  test('a namespace file is one, a plain file or a missing path is not', async () => {
    const ns = await sandbox.namespace('a');
    const file = join(await sandbox.dir(), 'plain');
    await writeFile(file, '');
    expect(await netnsExists(ns.path)).toBe(true);
    expect(await netnsExists(`/proc/${process.pid}/ns/net`)).toBe(true);
    expect(await netnsExists(file)).toBe(false);
    expect(await netnsExists('/nonexistent/ns')).toBe(false);
  });

  // What ADD and CHECK answer for each (nsenter would otherwise fail with 999).
  test.each([
    ['relative/ns', 4],
    ['/nonexistent/ns', 3],
    ['/etc/hostname', 4],
  ])('requireNetns(%s) is code %i', async (path, code) => {
    await expect(requireNetns(path)).rejects.toMatchObject({ code });
  });

  test('a deleted namespace whose ip-netns file is left is gone: code 3', async () => {
    const ns = await sandbox.namespace('b');
    await sandbox.removeNamespace(ns);
    // ip netns delete removes the file too; a leftover is an unmounted file of the same name.
    await writeFile(ns.path, '');
    try {
      await expect(requireNetns(ns.path)).rejects.toMatchObject({ code: 3 });
    } finally {
      await rm(ns.path, { force: true });
    }
  });
});
