import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { IpRoute, silentLogger, type RunOptions, type RunResult, type Runner } from '@tscni/core';
import { Sandbox } from '@tscni/core/testing';
import { parseOptions, type AgentOptions } from '../../src/agent/options.js';
import { syncNode, type SyncDeps, type SyncMemory } from '../../src/agent/sync.js';

/** A node with eth0 on 172.17.0.0/16 and no routes yet; records the batches it is sent. */
class FakeNode implements Runner {
  readonly batches: string[] = [];
  async run(_file: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    if (args.includes('-batch')) this.batches.push(String(options?.input));
    const addresses = [{ ifindex: 2, ifname: 'eth0', addr_info: [{ family: 'inet', local: '172.17.0.4', prefixlen: 16, scope: 'global' }] }];
    return { stdout: args.includes('addr') ? JSON.stringify(addresses) : '[]', stderr: '', exitCode: 0 };
  }
}

const sandbox = new Sandbox('rs');
afterAll(() => sandbox.cleanup());

async function setup(): Promise<{ deps: SyncDeps; node: FakeNode; masq: string[][]; forwarding: number[][]; options: AgentOptions }> {
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
    log: silentLogger,
  };
  return { deps, node, masq, forwarding, options };
}

const nodes = [
  { name: 'kind-control-plane', internalIps: ['172.17.0.2'], podCidrs: ['10.244.0.0/24'] },
  { name: 'kind-worker', internalIps: ['172.17.0.4'], podCidrs: ['10.244.2.0/24'] },
  { name: 'kind-worker2', internalIps: ['172.17.0.3'], podCidrs: ['10.244.1.0/24'] },
];

describe('syncNode', () => {
  test('routes, state, masquerade set, forwarding and conflist from the Node list', async () => {
    const { deps, node, masq, forwarding, options } = await setup();
    await syncNode(deps, nodes, {});
    expect(node.batches).toEqual([
      'route replace 10.244.0.0/24 via 172.17.0.2 proto 243\nroute replace 10.244.1.0/24 via 172.17.0.3 proto 243\n',
    ]);
    const state = JSON.parse(await readFile(join(options.stateDir, 'route-sync.json'), 'utf8'));
    expect(state.routes.map((route: { dst: string }) => route.dst)).toEqual(['10.244.0.0/24', '10.244.1.0/24']);
    expect(masq).toEqual([['10.244.0.0/16']]);
    expect(forwarding).toEqual([[4]]);
    expect(await readdir(options.cniConfDir)).toEqual(['10-tscni.conflist']);
  });

  test('writes no conflist while its own Node has no podCIDR, but still routes to peers', async () => {
    const { deps, node, options } = await setup();
    const memory: SyncMemory = {};
    await syncNode(deps, [nodes[0]!, { name: 'kind-worker', internalIps: ['172.17.0.4'], podCidrs: [] }], memory);
    expect(node.batches).toHaveLength(1);
    await expect(readdir(options.cniConfDir)).rejects.toThrow('ENOENT');
  });
});
