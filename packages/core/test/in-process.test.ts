import { CniError, delegateAdd, registerInProcessPlugin, type PluginHandlers } from '@tscni/core';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A shell-script IPAM plugin: what runs when the delegate is executed. */
const SCRIPT = '#!/bin/sh\necho \'{"cniVersion":"1.0.0","ips":[{"address":"10.9.9.9/24"}]}\'\n';

const handlers: PluginHandlers = {
  add: async (args) => {
    if (args.config.fail) throw new CniError(11, 'busy');
    return { ips: [{ address: '10.1.1.1/24' }] };
  },
  del: async () => undefined,
  check: async () => undefined,
};

describe('in-process delegates', () => {
  let ours: string;
  let elsewhere: string;
  const argv1 = process.argv[1];
  const config = (extra: object = {}) => Buffer.from(JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'x', ...extra }));
  const args = (cniPath: string, stdin = config()) => ({
    cniPath: [cniPath],
    env: { CNI_CONTAINERID: 'c', CNI_NETNS: '/x', CNI_IFNAME: 'eth0', CNI_PATH: cniPath },
    stdin,
    version: '1.0.0' as const,
  });

  beforeAll(async () => {
    ours = await mkdtemp(join(tmpdir(), 'tscni-inproc-'));
    elsewhere = await mkdtemp(join(tmpdir(), 'tscni-inproc-'));
    for (const dir of [ours, elsewhere]) {
      await writeFile(join(dir, 'fake-ipam'), SCRIPT);
      await chmod(join(dir, 'fake-ipam'), 0o755);
    }
    registerInProcessPlugin('fake-ipam', handlers);
    process.argv[1] = join(ours, 'main-plugin');
  });
  afterAll(async () => {
    process.argv[1] = argv1!;
    await rm(ours, { recursive: true, force: true });
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('runs the registered handlers when CNI_PATH resolves to our own directory', async () => {
    expect((await delegateAdd('fake-ipam', args(ours))).ips).toEqual([{ address: '10.1.1.1/24' }]);
  });

  it('passes a delegate error through with its code, as from a child', async () => {
    await expect(delegateAdd('fake-ipam', args(ours, config({ fail: true })))).rejects.toMatchObject({ code: 11, message: 'busy' });
  });

  it('executes the plugin when CNI_PATH resolves elsewhere', async () => {
    expect((await delegateAdd('fake-ipam', args(elsewhere))).ips).toEqual([{ address: '10.9.9.9/24' }]);
  });
});
