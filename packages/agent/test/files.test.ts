import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '@tscni/core';
import { Sandbox } from '@tscni/core/testing';
import { writeFileAtomically } from '@tscni/core/node-agent';
import { buildConflist } from '../src/conflist.js';
import { MULTI_CALL_BINARY, PLUGIN_NAMES, installPlugins } from '../src/install.js';

const sandbox = new Sandbox('rs');
afterAll(() => sandbox.cleanup());

describe('writeFileAtomically', () => {
  test('replaces the file by rename only when the content changes, leaving no temporary file', async () => {
    const dir = await sandbox.dir();
    const path = join(dir, 'net.d', '10-tscni.conflist');
    expect(await writeFileAtomically(path, 'one')).toBe(true);
    const first = await stat(path);
    expect(await writeFileAtomically(path, 'one')).toBe(false);
    expect((await stat(path)).ino).toBe(first.ino);
    expect(await writeFileAtomically(path, 'two')).toBe(true);
    // A new inode: readers holding the old file keep reading a whole old file.
    expect((await stat(path)).ino).not.toBe(first.ino);
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(join(dir, 'net.d'))).toEqual(['10-tscni.conflist']);
  });
});

describe('buildConflist', () => {
  test('one host-local range set per family, masq with the set, route-sync last', () => {
    const conflist = buildConflist({
      podCidrs: ['fd10::/64', '10.244.1.0/24'],
      nonMasqueradeCidrs: ['10.244.0.0/16', 'fd10::/56'],
      stateDir: '/run/tscni',
    });
    expect(conflist.plugins.map((plugin) => plugin.type)).toEqual(['tscni-bridge', 'tscni-masq', 'tscni-route-sync']);
    expect(conflist.plugins[0]).toMatchObject({ ipam: { type: 'tscni-host-local', ranges: [[{ subnet: '10.244.1.0/24' }], [{ subnet: 'fd10::/64' }]] } });
    expect(conflist.plugins[1]).toEqual({ type: 'tscni-masq', nonMasqueradeCIDRs: ['10.244.0.0/16', 'fd10::/56'], lockFile: '/run/tscni/masq.lock' });
  });

  test('a port-mapping plugin for hostPorts, after masq and before route-sync, when named', () => {
    const conflist = buildConflist({ podCidrs: ['10.244.1.0/24'], nonMasqueradeCidrs: [], stateDir: '/run/tscni', portMapPlugin: 'portmap' });
    expect(conflist.plugins.map((plugin) => plugin.type)).toEqual(['tscni-bridge', 'tscni-masq', 'portmap', 'tscni-route-sync']);
    expect(conflist.plugins[2]).toEqual({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
  });

  test('with NetworkPolicy on, tscni-netpol last: a pod starts only once the rules cover it', () => {
    const conflist = buildConflist({ podCidrs: ['10.244.1.0/24'], nonMasqueradeCidrs: [], stateDir: '/run/tscni', portMapPlugin: 'portmap', netpolRunDir: '/run/tscni/netpol' });
    expect(conflist.plugins.map((plugin) => plugin.type)).toEqual(['tscni-bridge', 'tscni-masq', 'portmap', 'tscni-route-sync', 'tscni-netpol']);
    expect(conflist.plugins[4]).toEqual({ type: 'tscni-netpol', runDir: '/run/tscni/netpol' });
  });

  // A pod reaching its own Service may be sent back to itself (the Services conformance tests do).
  test('hairpin mode on the bridge ports', () => {
    const conflist = buildConflist({ podCidrs: ['10.244.1.0/24'], nonMasqueradeCidrs: [], stateDir: '/run/tscni' });
    expect(conflist.plugins[0]).toMatchObject({ type: 'tscni-bridge', hairpinMode: true });
  });

  // Runtimes pass runtimeConfig only for declared capabilities: without `ips`,
  // podman's --ip (a requested address) would never reach tscni-host-local.
  test('the bridge declares the ips capability, which tscni-host-local serves', () => {
    const conflist = buildConflist({ podCidrs: ['10.244.1.0/24'], nonMasqueradeCidrs: [], stateDir: '/run/tscni' });
    expect(conflist.plugins[0]).toMatchObject({ type: 'tscni-bridge', capabilities: { ips: true } });
    expect(conflist.plugins.slice(1).map((plugin) => plugin.capabilities)).toEqual([undefined, undefined]);
  });

  // libcni 1.1 (containerd 1.6 and 1.7) runs a chain at cniVersion and cannot read
  // 1.1.0 results: a 1.1.0 default left every pod of a kind cluster without a network.
  test('cniVersion 1.0.0 by default, cniVersions up to 1.1.0 for runtimes that read them', () => {
    const conflist = buildConflist({ podCidrs: ['10.244.1.0/24'], nonMasqueradeCidrs: [], stateDir: '/run/tscni' });
    expect(conflist.cniVersion).toBe('1.0.0');
    expect(conflist.cniVersions).toEqual(['0.3.1', '0.4.0', '1.0.0', '1.1.0']);
    expect(conflist.plugins[0]).toMatchObject({ ipam: { type: 'tscni-host-local' } });
    expect(conflist.plugins[0]!.ipam).not.toHaveProperty('dataDir');
  });

  test('cniVersion and the IPAM store as asked', () => {
    const conflist = buildConflist({
      podCidrs: ['10.244.1.0/24'],
      nonMasqueradeCidrs: [],
      stateDir: '/run/tscni',
      cniVersion: '1.1.0',
      ipamDataDir: '/run/tscni/ipam',
    });
    expect(conflist.cniVersion).toBe('1.1.0');
    expect(conflist.plugins[0]).toMatchObject({ ipam: { dataDir: '/run/tscni/ipam' } });
  });
});

describe('installPlugins', () => {
  test('copies the binary beside it into the bin dir, links every plugin name to it, then changes nothing', async () => {
    const source = await sandbox.dir();
    const target = join(await sandbox.dir(), 'opt-cni-bin');
    await mkdir(target);
    await writeFile(join(source, MULTI_CALL_BINARY), '#!/bin/sh\necho tscni\n');
    await writeFile(join(target, 'tscni-node'), 'what an earlier version installed');
    await writeFile(join(target, 'tscni-masq'), 'an earlier plugin, its own file');
    await installPlugins(target, silentLogger, source);
    expect((await readdir(target)).sort()).toEqual([MULTI_CALL_BINARY, ...PLUGIN_NAMES].sort());
    const binary = await stat(join(target, MULTI_CALL_BINARY));
    expect(binary.mode & 0o777).toBe(0o755);
    for (const name of PLUGIN_NAMES) expect((await stat(join(target, name))).ino).toBe(binary.ino);
    await installPlugins(target, silentLogger, source);
    for (const name of [MULTI_CALL_BINARY, ...PLUGIN_NAMES]) expect((await stat(join(target, name))).ino).toBe(binary.ino);
  });

  test('a changed binary replaces the old one under every name', async () => {
    const source = await sandbox.dir();
    const target = await sandbox.dir();
    await writeFile(join(source, MULTI_CALL_BINARY), 'v1');
    await installPlugins(target, silentLogger, source);
    await writeFile(join(source, MULTI_CALL_BINARY), 'v2, longer');
    await installPlugins(target, silentLogger, source);
    for (const name of [MULTI_CALL_BINARY, ...PLUGIN_NAMES]) expect(await readFile(join(target, name), 'utf8')).toBe('v2, longer');
  });

  test('fails naming the missing binary', async () => {
    const source = await sandbox.dir();
    await expect(installPlugins(await sandbox.dir(), silentLogger, source)).rejects.toThrow(`${join(source, 'tscni')} does not exist`);
  });
});
