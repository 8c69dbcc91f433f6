import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IpRoute, createLogger, silentLogger, type RunOptions, type RunResult, type Runner } from '@tscni/core';
import { Sandbox } from '@tscni/core/testing';
import { parseOptions, type AgentOptions } from '../src/options.js';
import { NodeSync, type SyncDeps } from '../src/node-sync.js';

/** A node with eth0 on 172.17.0.0/16 and no routes yet; records the batches it is sent. */
class FakeNode implements Runner {
  readonly batches: string[] = [];
  /** Every `ip` run: reads and batches. */
  runs = 0;
  async run(_file: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    this.runs++;
    if (args.includes('-batch')) this.batches.push(String(options?.input));
    const addresses = [{ ifindex: 2, ifname: 'eth0', addr_info: [{ family: 'inet', local: '172.17.0.4', prefixlen: 16, scope: 'global' }] }];
    return { stdout: args.includes('addr') ? JSON.stringify(addresses) : '[]', stderr: '', exitCode: 0 };
  }
}

const sandbox = new Sandbox('rs');
afterAll(() => sandbox.cleanup());

async function setup(
  installed: string[] = [],
): Promise<{ deps: SyncDeps; node: FakeNode; masq: string[][]; forwarding: number[][]; options: AgentOptions; installed: string[] }> {
  const dir = await sandbox.dir();
  const options = parseOptions(
    ['--cluster-cidr', '10.244.0.0/16', '--cni-conf-dir', join(dir, 'net.d'), '--state-dir', join(dir, 'run')],
    { NODE_NAME: 'kind-worker' },
  ) as AgentOptions;
  const node = new FakeNode();
  const masq: string[][] = [];
  const forwarding: number[][] = [];
  const deps: SyncDeps = {
    options,
    ip: new IpRoute(node),
    syncNonMasquerade: async (cidrs) => void masq.push(cidrs),
    enableForwarding: async (families) => void forwarding.push(families),
    hasPlugin: async (name) => installed.includes(name),
    log: silentLogger,
  };
  return { deps, node, masq, forwarding, options, installed };
}

const nodes = [
  { name: 'kind-control-plane', internalIps: ['172.17.0.2'], podCidrs: ['10.244.0.0/24'] },
  { name: 'kind-worker', internalIps: ['172.17.0.4'], podCidrs: ['10.244.2.0/24'] },
  { name: 'kind-worker2', internalIps: ['172.17.0.3'], podCidrs: ['10.244.1.0/24'] },
];

describe('NodeSync', () => {
  test('routes, state, masquerade set, forwarding and conflist from the Node list', async () => {
    const { deps, node, masq, forwarding, options } = await setup();
    const changes: object[] = [];
    expect(await new NodeSync({ ...deps, onRouteChanges: (report) => changes.push(report) }).sync(nodes, true)).toBe(true);
    expect(changes).toEqual([{ added: 2, removed: 0, failed: 0 }]);
    expect(node.batches).toEqual([
      'route replace 10.244.0.0/24 via 172.17.0.2 proto 243\nroute replace 10.244.1.0/24 via 172.17.0.3 proto 243\n',
    ]);
    const state = JSON.parse(await readFile(join(options.stateDir, 'route-sync.json'), 'utf8'));
    expect(state.routes.map((route: { dst: string }) => route.dst)).toEqual(['10.244.0.0/24', '10.244.1.0/24']);
    expect(masq).toEqual([['10.244.0.0/16']]);
    expect(forwarding).toEqual([[4]]);
    expect(await readdir(options.cniConfDir)).toEqual(['10-tscni.conflist']);
  });

  // A conflist naming a missing plugin would fail every pod's ADD.
  test('chains the port-mapping plugin while the CNI bin dir holds it, from the next full pass', async () => {
    const { deps, options, installed } = await setup();
    const types = async () =>
      (JSON.parse(await readFile(join(options.cniConfDir, '10-tscni.conflist'), 'utf8')) as { plugins: Array<{ type: string }> }).plugins.map((p) => p.type);
    const sync = new NodeSync(deps);
    await sync.sync(nodes, true);
    expect(await types()).toEqual(['tscni-bridge', 'tscni-masq', 'tscni-route-sync']);
    installed.push('portmap');
    await sync.sync(nodes, false);
    expect(await types()).toEqual(['tscni-bridge', 'tscni-masq', 'tscni-route-sync']);
    await sync.sync(nodes, true);
    expect(await types()).toEqual(['tscni-bridge', 'tscni-masq', 'portmap', 'tscni-route-sync']);
    installed.pop();
    await sync.sync(nodes, true);
    expect(await types()).toEqual(['tscni-bridge', 'tscni-masq', 'tscni-route-sync']);
  });

  test('a read-only /proc/sys (an unprivileged agent container) holds back neither the pass nor the conflist', async () => {
    const { deps, options } = await setup();
    const warnings: string[] = [];
    deps.log = createLogger({ sink: (line) => warnings.push(line), level: 'warn' });
    deps.enableForwarding = () => Promise.reject(Object.assign(new Error("EROFS: read-only file system, open '/proc/sys/net/ipv4/ip_forward'"), { code: 'EROFS' }));
    await new NodeSync(deps).sync(nodes, true);
    expect(await readdir(options.cniConfDir)).toEqual(['10-tscni.conflist']);
    expect(warnings.join('\n')).toContain('IP forwarding is off and /proc/sys is read-only here');
  });

  test('any other failure to turn forwarding on fails the pass', async () => {
    const { deps } = await setup();
    deps.enableForwarding = () => Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await expect(new NodeSync(deps).sync(nodes, true)).rejects.toThrow('EIO');
  });

  test('writes no conflist while its own Node has no podCIDR, but still routes to peers', async () => {
    const { deps, node, options } = await setup();
    const inPlace = await new NodeSync(deps).sync([nodes[0]!, { name: 'kind-worker', internalIps: ['172.17.0.4'], podCidrs: [] }], true);
    expect(inPlace).toBe(false);
    expect(node.batches).toHaveLength(1);
    await expect(readdir(options.cniConfDir)).rejects.toThrow('ENOENT');
  });

  test('a pass without changes runs nothing and writes nothing', async () => {
    const { deps, node, masq, forwarding, options } = await setup();
    const sync = new NodeSync(deps);
    await sync.sync(nodes, true);
    const runs = node.runs;
    await rm(join(options.stateDir, 'route-sync.json'));
    await sync.sync(nodes, false);
    expect(node.runs).toBe(runs);
    expect(masq).toHaveLength(1);
    expect(forwarding).toHaveLength(1);
    // Not even read back: a file removed by someone else comes back with the next full pass.
    await expect(readdir(options.stateDir)).resolves.not.toContain('route-sync.json');
    await sync.sync(nodes, true);
    await expect(readdir(options.stateDir)).resolves.toContain('route-sync.json');
  });

  test('a pass after one Node changed sends that route alone and republishes the state', async () => {
    const { deps, node, masq, options } = await setup();
    const sync = new NodeSync(deps);
    await sync.sync(nodes, true);
    const added = { name: 'kind-worker3', internalIps: ['172.17.0.5'], podCidrs: ['10.244.3.0/24'] };
    await sync.sync([...nodes, added], false);
    expect(node.batches.at(-1)).toBe('route replace 10.244.3.0/24 via 172.17.0.5 proto 243\n');
    const state = JSON.parse(await readFile(join(options.stateDir, 'route-sync.json'), 'utf8'));
    expect(state.routes.map((route: { dst: string }) => route.dst)).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.3.0/24']);
    // The new /24 is inside the cluster CIDR: the set is the same, so the rules are left as they are.
    expect(masq).toEqual([['10.244.0.0/16']]);
    await sync.sync(nodes, false);
    expect(node.batches.at(-1)).toBe('route del 10.244.3.0/24 proto 243\n');
  });

  test('a full pass reads the node again: puts back missing routes, redoes the masquerade set and forwarding', async () => {
    const { deps, node, masq, forwarding } = await setup();
    const sync = new NodeSync(deps);
    await sync.sync(nodes, true);
    // The fake's table stays empty, as if someone had deleted our routes.
    await sync.sync(nodes, true);
    expect(node.batches).toHaveLength(2);
    expect(node.batches[1]).toBe(node.batches[0]);
    expect(masq).toHaveLength(2);
    expect(forwarding).toHaveLength(2);
  });
});
