import { REFERENCE_BIN_DIR, Sandbox, binary, type TestNamespace } from '@tscni/core/testing';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addressesOf, ipam, type IpamNet } from './run.js';

// What kubelet passes (IgnoreUnknown: not every plugin knows the K8S_ keys).
const POD_ARGS = (name: string, uid: string) => `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${name};K8S_POD_UID=${uid};K8S_POD_INFRA_CONTAINER_ID=x`;

/**
 * `tscni ipam ls|check|release`, the built `tscni` CLI running the
 * tscni-host-local beside it, on a store filled by real ADDs: the pod each
 * ADD named in CNI_ARGS is recorded beside the reference-format files.
 */
describe('tscni ipam', () => {
  const sandbox = new Sandbox('hlipam');
  let dataDir: string;
  let live: TestNamespace;
  const net = (): IpamNet => ({ name: 'podnet', ipam: { type: 'tscni-host-local', dataDir, ranges: [[{ subnet: '10.40.0.0/24' }], [{ subnet: 'fd00:40::/64' }]] } });
  const tscni = (...args: string[]) => {
    const run = spawnSync(binary('tscni'), ['ipam', ...args, '--data-dir', dataDir], { encoding: 'utf8' });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const lines = (stdout: string) => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  const sideFile = (ip: string) => join(dataDir, '.tscni-host-local', 'podnet', 'pods', ip);

  beforeAll(async () => {
    live = await sandbox.namespace('live');
  });
  beforeEach(async () => {
    dataDir = await sandbox.dir();
  });
  afterAll(() => sandbox.cleanup());

  test('ls shows every address with its container, interface, pod and netns; DEL takes the record with the address', async () => {
    const ips = addressesOf(await ipam('ADD', 'ctr-web', net(), { args: POD_ARGS('web', 'uid-web'), netns: live.path }));
    const listed = tscni('ls', '--json');
    expect(listed.code).toBe(0);
    expect(lines(listed.stdout)).toEqual(
      ips.map((ip) => ({
        network: 'podnet',
        ip,
        owner: { containerId: 'ctr-web', ifName: 'eth0' },
        readable: true,
        pod: { containerId: 'ctr-web', ifName: 'eth0', netns: live.path, namespace: 'default', name: 'web', uid: 'uid-web', allocatedAt: expect.any(String) },
      })),
    );
    const table = tscni('ls').stdout;
    expect(table).toMatch(/^NETWORK\s+IP\s+CONTAINER\s+IFNAME\s+POD\s+ALLOCATED\s+NETNS\n/);
    expect(table).toContain('default/web');
    expect((await ipam('DEL', 'ctr-web', net())).exitCode).toBe(0);
    expect(tscni('ls', '--json').stdout).toBe('');
    for (const ip of ips) expect(existsSync(sideFile(ip))).toBe(false);
  });

  test('check names what looks leaked (netns gone, no readable owner) and exits 1; release frees it, and refuses a live one', async () => {
    const gone = await sandbox.namespace('gone');
    const [liveIp] = addressesOf(await ipam('ADD', 'ctr-live', net(), { args: POD_ARGS('live', 'u1'), netns: live.path }));
    const [goneIp, goneIp6] = addressesOf(await ipam('ADD', 'ctr-gone', net(), { args: POD_ARGS('gone', 'u2'), netns: gone.path }));
    await sandbox.removeNamespace(gone); // the runtime died before its DEL
    writeFileSync(join(dataDir, 'podnet', '10.40.0.200'), ''); // a power loss emptied it
    expect(tscni('check', '--json').code).toBe(1);
    const leaked = lines(tscni('check', '--json').stdout);
    expect(leaked.map((entry) => [entry.ip, entry.looksLeaked])).toEqual([
      [goneIp, expect.stringContaining(`network namespace ${gone.path} is gone`)],
      ['10.40.0.200', expect.stringContaining('names no owner')],
      [goneIp6, expect.stringContaining('is gone')],
    ]);
    expect(leaked.map((entry) => entry.ip)).not.toContain(liveIp);

    const refused = tscni('release', liveIp!);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toContain(`its network namespace ${live.path} still exists`);
    const released = tscni('release', goneIp!);
    expect(released).toMatchObject({ code: 0 });
    expect(released.stdout).toBe(`released ${goneIp} (network podnet, container ctr-gone/eth0, pod default/gone)\n`);
    expect(existsSync(join(dataDir, 'podnet', goneIp!))).toBe(false);
    expect(existsSync(sideFile(goneIp!))).toBe(false);
    // The released address is free for the next pod; the container's other address is still held.
    expect(tscni('ls', '--json').stdout).toContain(goneIp6);
    expect(tscni('release', '10.40.0.200', '--force')).toMatchObject({ code: 0 });
    expect(lines(tscni('check', '--json').stdout).map((entry) => entry.ip)).toEqual([goneIp6]);
    expect(tscni('release', liveIp!, '--force').code).toBe(0);
  });

  test('bad use: an address not held exits 1, an unknown command or a missing address exits 2 with the usage', () => {
    expect(tscni('release', '10.40.0.99')).toMatchObject({ code: 1, stderr: expect.stringContaining('10.40.0.99 is not held') });
    expect(tscni('frobnicate')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
    expect(tscni('release')).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: tscni ipam') });
    expect(tscni('ls', '--bogus')).toMatchObject({ code: 2 });
    expect(tscni('ls', '--json')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('a record the reference host-local outdated (it released the address) is never shown, and is pruned', async () => {
    const reference = join(REFERENCE_BIN_DIR, 'host-local');
    const [ip] = addressesOf(await ipam('ADD', 'ctr-a', net(), { args: POD_ARGS('a', 'ua'), netns: live.path }));
    expect(existsSync(sideFile(ip!))).toBe(true);
    expect((await ipam('DEL', 'ctr-a', net(), { plugin: reference })).exitCode).toBe(0);
    expect(tscni('ls', '--json').stdout).toBe('');
    // Our next operation sees the directory changed behind its back, rebuilds its index and drops the record.
    addressesOf(await ipam('ADD', 'ctr-b', net(), { netns: live.path }));
    expect(existsSync(sideFile(ip!))).toBe(false);
  });
});
