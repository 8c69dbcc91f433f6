import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN_DIR, Sandbox, binary, execPluginIn, type TestNamespace } from '@tscni/core/testing';

const PLUGIN = binary('tscni-route-sync');
const VERSIONS = ['0.3.1', '0.4.0', '1.0.0', '1.1.0'];
const PEERS = [
  { dst: '10.244.0.0/24', via: '172.17.0.2', node: 'kind-control-plane' },
  { dst: '10.244.1.0/24', via: '172.17.0.3', node: 'kind-worker2' },
];

function prevResult(version: string): Record<string, unknown> {
  const old = version.startsWith('0.');
  return {
    cniVersion: version,
    interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/pod' }],
    ips: [{ ...(old ? { version: '4' } : {}), address: '10.244.2.7/24', gateway: '10.244.2.1', interface: 0 }],
    routes: [{ dst: '0.0.0.0/0', gw: '10.244.2.1' }],
    dns: { nameservers: ['10.96.0.10'] },
  };
}

describe('tscni-route-sync, the plugin', () => {
  const sandbox = new Sandbox('rs');
  let node: TestNamespace;
  let stateDir: string;

  const config = (version: string, extra: Record<string, unknown> = {}) => ({
    cniVersion: version,
    name: 'tscni',
    type: 'tscni-route-sync',
    stateDir,
    prevResult: prevResult(version),
    ...extra,
  });
  const exec = (command: string, conf: unknown) =>
    execPluginIn(node, PLUGIN, { command, containerId: 'c1', netns: node.path, ifName: 'eth0', cniPath: BIN_DIR }, conf);
  const routes = async () => (await sandbox.exec(node, 'ip', ['-4', 'route', 'show', 'proto', '243'])).split('\n').map((line) => line.trim()).filter(Boolean);

  beforeAll(async () => {
    node = await sandbox.namespace('node');
    // A node's eth0 on the 172.17.0.0/16 segment (its peer end stays in the same namespace).
    await sandbox.exec(node, 'ip', ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p']);
    await sandbox.exec(node, 'ip', ['addr', 'add', '172.17.0.4/16', 'dev', 'eth0']);
    await sandbox.exec(node, 'ip', ['link', 'set', 'eth0', 'up']);
    await sandbox.exec(node, 'ip', ['link', 'set', 'eth0p', 'up']);
    stateDir = join(await sandbox.dir(), 'run');
    await mkdir(stateDir);
    await writeFile(join(stateDir, 'route-sync.json'), JSON.stringify({ node: 'kind-worker', routes: PEERS }));
  });
  afterAll(() => sandbox.cleanup());

  test.each(VERSIONS)('ADD (%s) makes the routes to known peers and prints prevResult through', async (version) => {
    await sandbox.exec(node, 'ip', ['route', 'flush', 'proto', '243']);
    const result = await exec('ADD', config(version));
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.json).toEqual(prevResult(version));
    expect(await routes()).toEqual(['10.244.0.0/24 via 172.17.0.2 dev eth0', '10.244.1.0/24 via 172.17.0.3 dev eth0']);
  });

  test('ADD is idempotent and leaves a route of another protocol alone', async () => {
    await sandbox.exec(node, 'ip', ['route', 'flush', 'proto', '243']);
    await sandbox.exec(node, 'ip', ['route', 'add', '10.244.1.0/24', 'via', '172.17.0.9', 'proto', 'static']);
    for (let i = 0; i < 2; i++) expect((await exec('ADD', config('1.1.0'))).exitCode).toBe(0);
    expect(await routes()).toEqual(['10.244.0.0/24 via 172.17.0.2 dev eth0']);
    expect((await sandbox.exec(node, 'ip', ['route', 'show', '10.244.1.0/24'])).trim()).toBe('10.244.1.0/24 via 172.17.0.9 dev eth0 proto static');
    await sandbox.exec(node, 'ip', ['route', 'del', '10.244.1.0/24', 'proto', 'static']);
  });

  test('CHECK passes when the routes are in place and fails (999) naming a missing one', async () => {
    expect((await exec('ADD', config('1.1.0'))).exitCode).toBe(0);
    expect((await exec('CHECK', config('1.1.0'))).exitCode).toBe(0);
    await sandbox.exec(node, 'ip', ['route', 'del', '10.244.1.0/24', 'proto', '243']);
    const result = await exec('CHECK', config('1.1.0'));
    expect(result.exitCode).toBe(1);
    expect(result.json).toMatchObject({ code: 999, msg: 'routes to peers missing or wrong: 10.244.1.0/24 via 172.17.0.3' });
  });

  test('DEL passes, with no prevResult, no netns and no state', async () => {
    const { prevResult: _, ...bare } = config('1.1.0', { stateDir: '/nonexistent' });
    const result = await execPluginIn(node, PLUGIN, { command: 'DEL', containerId: 'c1', ifName: 'eth0', cniPath: BIN_DIR }, bare);
    expect(result).toMatchObject({ exitCode: 0, stdout: '' });
  });

  test('ADD without prevResult: code 7', async () => {
    const { prevResult: _, ...bare } = config('1.1.0');
    expect((await exec('ADD', bare)).json).toMatchObject({ code: 7, msg: expect.stringContaining('no prevResult') });
  });

  test('a relative stateDir: code 7', async () => {
    expect((await exec('ADD', config('1.1.0', { stateDir: 'run/tscni' }))).json).toMatchObject({ code: 7 });
  });

  test('no state yet (the agent has not synced the node): code 11, try again later', async () => {
    const empty = await sandbox.dir();
    const result = await exec('ADD', config('1.1.0', { stateDir: empty }));
    expect(result.json).toMatchObject({ code: 11, msg: expect.stringContaining('has not synced this node yet') });
  });

  test('a state file that is not a state: code 6', async () => {
    const broken = await sandbox.dir();
    await writeFile(join(broken, 'route-sync.json'), '{"routes": ');
    expect((await exec('ADD', config('1.1.0', { stateDir: broken }))).json).toMatchObject({ code: 6 });
    await writeFile(join(broken, 'route-sync.json'), 'null');
    expect((await exec('ADD', config('1.1.0', { stateDir: broken }))).json).toMatchObject({ code: 6 });
  });

  test('a state file that cannot be read (a directory in its place): code 5', async () => {
    const odd = await sandbox.dir();
    await mkdir(join(odd, 'route-sync.json'));
    expect((await exec('ADD', config('1.1.0', { stateDir: odd }))).json).toMatchObject({ code: 5 });
  });
});
