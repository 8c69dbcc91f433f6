import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Sandbox, binary, execIn, type TestNamespace } from '@tscni/core/testing';
import {
  FakeApiServer, kubeNode, API_PORT, SEED, agentLog, eventually, ipv6Of, makeSegment, ourRoutes, requireRunning, startAgent, stopAgent, writeKubeconfig, type TestNode,
} from '@tscni/testbed';

/** What the API says about each Node: the test's model of the cluster. */
const model = new Map<string, { ips: string[]; cidrs: string[] }>();

function put(server: FakeApiServer, name: string, ips: string[], cidrs: string[]): Promise<unknown> {
  model.set(name, { ips, cidrs });
  return server.put(kubeNode(name, ips, cidrs));
}

/** GET `url` from inside the node's namespace (process.stdout, not console.log: that one colours numbers when FORCE_COLOR is set). */
async function get(node: TestNode, url: string): Promise<{ status: number; body: string }> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))`;
  return JSON.parse(await execIn(node.ns, process.execPath, ['-e', script]));
}

/** A scrape of the agent's /metrics: each series' value by its name and labels as written, such as `tscni_sync_passes_total{result="success"}`. */
async function scrape(node: TestNode): Promise<Map<string, number>> {
  const { body } = await get(node, 'http://127.0.0.1:9440/metrics');
  const lines = body.split('\n').filter((line) => line && !line.startsWith('#'));
  return new Map(lines.map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]));
}

const onSegment = (ip: string): boolean => ip.startsWith('172.17.') || ip.startsWith('fd00:172:17::');
const sameFamily = (ip: string, cidr: string): boolean => ip.includes(':') === cidr.includes(':');

/** The routes a node should hold: every other node's pod CIDRs via its IP of that family on the segment. */
function expectedRoutes(self: string): Record<string, string> {
  const routes: Record<string, string> = {};
  for (const [name, { ips, cidrs }] of model) {
    if (name === self) continue;
    for (const cidr of cidrs) {
      const via = ips.find((ip) => sameFamily(ip, cidr));
      if (via && onSegment(via)) routes[cidr] = via;
    }
  }
  return routes;
}

describe('the agent in three nodes on one segment', () => {
  const sandbox = new Sandbox('rs');
  let api: TestNamespace;
  let nodes: TestNode[];
  let server: FakeApiServer;
  let kubeconfig: string;
  let binDir: string;
  const node = (i: number) => (): TestNode => nodes[i]!;
  const [controlPlane, worker, worker2] = [node(0), node(1), node(2)];

  const converged = (node: TestNode): Promise<void> =>
    eventually(async () => {
      await requireRunning(node);
      expect(await ourRoutes(sandbox, node.ns)).toEqual(expectedRoutes(node.name));
    });
  const allConverged = (): Promise<unknown> => Promise.all(nodes.map(converged));

  beforeAll(async () => {
    ({ api, nodes } = await makeSegment(sandbox));
    kubeconfig = await writeKubeconfig(await sandbox.dir());
    server = await FakeApiServer.start(api, API_PORT, await sandbox.dir());
    // kind-worker2 gets its podCIDR in the first test: until then its agent is not ready.
    for (const seed of SEED) await put(server, seed.name, [seed.ip], seed.name === 'kind-worker2' ? [] : [seed.podCidr]);
    // Left over from an earlier run of the agent: ours, so removed at start.
    await sandbox.exec(controlPlane().ns, 'ip', ['route', 'add', '10.99.0.0/24', 'via', '172.17.0.9', 'proto', '243']);
    // Someone else's route to a prefix a node will get later: never touched.
    await sandbox.exec(worker().ns, 'ip', ['route', 'add', '10.244.3.0/24', 'via', '172.17.0.2', 'proto', 'static']);
    binDir = join(await sandbox.dir(), 'opt-cni-bin');
    await startAgent(controlPlane(), kubeconfig, ['--install-plugins', '--cni-bin-dir', binDir]);
    await startAgent(worker(), kubeconfig);
    // The default, every address of both families (the later flag wins over the test bed's 127.0.0.1:9440).
    await startAgent(worker2(), kubeconfig, ['--health-addr', ':9440']);
  });

  afterAll(async () => {
    for (const node of nodes ?? []) await stopAgent(node);
    await server?.kill();
    await sandbox.cleanup();
  });

  test('readyz is 503 saying what is missing until its Node has a podCIDR, then 200; healthz stays 200', async () => {
    const notReady = await eventually(async () => {
      const response = await get(worker2(), 'http://127.0.0.1:9440/readyz');
      expect(response.status).toBe(503);
      expect(JSON.parse(response.body).missing).toEqual(["this node's conflist: its Node has no podCIDR yet"]);
      return response;
    });
    expect(notReady.status).toBe(503);
    expect((await get(worker2(), 'http://127.0.0.1:9440/healthz')).status).toBe(200);
    await put(server, 'kind-worker2', ['172.17.0.3'], ['10.244.1.0/24']);
    await eventually(async () => expect(await get(worker2(), 'http://127.0.0.1:9440/readyz')).toEqual({ status: 200, body: '{"ready":true,"missing":[]}\n' }));
  });

  test('listens on every address of both families by default: loopback and node IP, IPv4 and IPv6', async () => {
    for (const host of ['127.0.0.1', '[::1]', '172.17.0.3', `[${ipv6Of('172.17.0.3')}]`]) {
      expect((await get(worker2(), `http://${host}:9440/readyz`)).status).toBe(200);
    }
  });

  test("converges to the seed's route table and removes its own stale route", async () => {
    await allConverged();
    expect(await ourRoutes(sandbox, worker().ns)).toEqual({ '10.244.0.0/24': '172.17.0.2', '10.244.1.0/24': '172.17.0.3' });
    expect(await ourRoutes(sandbox, controlPlane().ns)).not.toHaveProperty(['10.99.0.0/24']);
  });

  test('--install-plugins copied the binary beside it and linked every plugin name to it', async () => {
    const installed = await eventually(async () => {
      const names = (await readdir(binDir)).sort();
      expect(names).toEqual(['tscni', 'tscni-bridge', 'tscni-host-local', 'tscni-masq', 'tscni-netpol', 'tscni-route-sync']);
      return names;
    });
    const copy = await stat(join(binDir, 'tscni'));
    expect(copy.size).toBe((await stat(binary('tscni'))).size);
    for (const name of installed) expect((await stat(join(binDir, name))).ino).toBe(copy.ino);
  });

  test("writes each node's conflist with its own pod CIDR and publishes the peers for the plugin", async () => {
    const conflist = await eventually(async () => JSON.parse(await readFile(join(worker().confDir, '10-tscni.conflist'), 'utf8')));
    expect(conflist).toEqual({
      cniVersion: '1.0.0',
      cniVersions: ['0.3.1', '0.4.0', '1.0.0', '1.1.0'],
      name: 'tscni',
      plugins: [
        {
          type: 'tscni-bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, hairpinMode: true, capabilities: { ips: true },
          ipam: { type: 'tscni-host-local', ranges: [[{ subnet: '10.244.2.0/24' }]] },
        },
        { type: 'tscni-masq', nonMasqueradeCIDRs: ['10.244.0.0/16'], lockFile: join(worker().stateDir, 'masq.lock') },
        { type: 'tscni-route-sync', stateDir: worker().stateDir },
      ],
    });
    const state = JSON.parse(await readFile(join(worker().stateDir, 'route-sync.json'), 'utf8'));
    expect(state.routes).toEqual([
      { dst: '10.244.0.0/24', via: '172.17.0.2', node: 'kind-control-plane' },
      { dst: '10.244.1.0/24', via: '172.17.0.3', node: 'kind-worker2' },
    ]);
  });

  test('turns on forwarding, syncs the non-masquerade set and reports healthy', async () => {
    expect((await execIn(worker().ns, 'cat', ['/proc/sys/net/ipv4/ip_forward'])).trim()).toBe('1');
    const rules = await eventually(async () => {
      const text = (await execIn(worker().ns, 'iptables-save', ['-t', 'nat'])) + (await execIn(worker().ns, 'nft', ['list', 'ruleset']));
      expect(text).toContain('10.244.0.0/16');
      return text;
    });
    expect(rules).toMatch(/masquerade/i);
    const health = await get(worker(), 'http://127.0.0.1:9440/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ healthy: true });
  });

  test('/metrics counts what it did: the routes it added and removed, the Nodes, the passes and lists', async () => {
    await allConverged();
    // Every peer's pod CIDR once (kind-worker2's came late, in a pass of its own); the stale route removed on the control plane.
    const metrics = await eventually(async () => {
      const scraped = await Promise.all(nodes.map(scrape));
      expect(scraped[1]!.get('tscni_routes_added_total')).toBe(2);
      return scraped;
    });
    expect(metrics[1]!.get('tscni_routes_removed_total')).toBe(0);
    expect(metrics[0]!.get('tscni_routes_removed_total')).toBe(1);
    for (const scraped of metrics) {
      expect(scraped.get('tscni_nodes')).toBe(3);
      expect(scraped.get('tscni_route_changes_failed_total')).toBe(0);
      expect(scraped.get('tscni_sync_passes_total{result="success"}')).toBeGreaterThanOrEqual(1);
      expect(scraped.get('tscni_sync_duration_seconds_count{full="true"}')).toBeGreaterThanOrEqual(1);
      expect(scraped.get('tscni_api_lists_total')).toBe(1);
      expect(scraped.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    }
  });

  test('routes IPv6 pod CIDRs via IPv6 InternalIPs once the nodes are dual stack', async () => {
    for (const [i, seed] of SEED.entries()) await put(server, seed.name, [seed.ip, ipv6Of(seed.ip)], [seed.podCidr, `fd00:10:244:${i + 1}::/64`]);
    await allConverged();
    expect(await ourRoutes(sandbox, worker().ns)).toEqual({
      '10.244.0.0/24': '172.17.0.2',
      '10.244.1.0/24': '172.17.0.3',
      'fd00:10:244:1::/64': 'fd00:172:17::2',
      'fd00:10:244:3::/64': 'fd00:172:17::3',
    });
  });

  test('routes a new node, except where a route of another protocol has the prefix', async () => {
    await put(server, 'kind-worker3', ['172.17.0.5'], ['10.244.3.0/24']);
    await converged(controlPlane());
    await converged(worker2());
    const expected = expectedRoutes(worker().name);
    delete expected['10.244.3.0/24'];
    await eventually(async () => expect(await agentLog(worker())).toContain('another protocol'));
    expect(await ourRoutes(sandbox, worker().ns)).toEqual(expected);
    const foreign = await sandbox.exec(worker().ns, 'ip', ['route', 'show', '10.244.3.0/24']);
    expect(foreign.trim()).toBe('10.244.3.0/24 via 172.17.0.2 dev eth0 proto static');
  });

  test('follows a node that is re-addressed, then gets another pod CIDR, then leaves the segment', async () => {
    await put(server, 'kind-worker3', ['172.17.0.6'], ['10.244.3.0/24']);
    await converged(controlPlane());
    await put(server, 'kind-worker3', ['172.17.0.6'], ['10.244.4.0/24']);
    await allConverged();
    await put(server, 'kind-worker3', ['192.168.50.5'], ['10.244.4.0/24']);
    await allConverged();
    await eventually(async () => expect(await agentLog(controlPlane())).toContain('not on a directly connected network'));
  });

  test('removes the routes of a deleted node', async () => {
    await put(server, 'kind-worker3', ['172.17.0.6'], ['10.244.4.0/24']);
    await allConverged();
    model.delete('kind-worker3');
    await server.delete('kind-worker3');
    await allConverged();
  });

  test("rewrites a node's conflist when its own pod CIDR changes (dual stack)", async () => {
    await put(server, 'kind-worker2', ['172.17.0.3'], ['10.244.5.0/24', 'fd00:10:244:5::/64']);
    await allConverged();
    await eventually(async () => {
      const conflist = JSON.parse(await readFile(join(worker2().confDir, '10-tscni.conflist'), 'utf8'));
      expect(conflist.plugins[0].ipam.ranges).toEqual([[{ subnet: '10.244.5.0/24' }], [{ subnet: 'fd00:10:244:5::/64' }]]);
    });
    // Replaced by a rename: no temporary file is left beside it.
    expect(await readdir(worker2().confDir)).toEqual(['10-tscni.conflist']);
  });

  test('relists after 410 Gone and rewatches after bookmarks and dropped connections', async () => {
    await server.bookmark();
    await server.expire();
    await put(server, 'kind-worker2', ['172.17.0.3'], ['10.244.1.0/24']);
    await allConverged();
    await server.drop();
    await put(server, 'kind-worker4', ['172.17.0.7'], ['10.244.7.0/24']);
    await allConverged();
    const metrics = await scrape(worker());
    expect(metrics.get('tscni_api_lists_total')).toBeGreaterThanOrEqual(2);
    expect(metrics.get('tscni_api_watch_restarts_total')).toBeGreaterThanOrEqual(2);
  });

  test('catches up after the API server restarts in the middle of a watch', async () => {
    const state = await server.state();
    await server.kill();
    // While it is down the cluster changes: a node goes, another comes.
    model.delete('kind-worker4');
    model.set('kind-worker5', { ips: ['172.17.0.8'], cidrs: ['10.244.8.0/24'] });
    const nodesAfter = state.nodes.filter((node) => node.metadata.name !== 'kind-worker4');
    nodesAfter.push({ ...kubeNode('kind-worker5', ['172.17.0.8'], ['10.244.8.0/24']), metadata: { name: 'kind-worker5', resourceVersion: String(state.resourceVersion + 2) } });
    server = await FakeApiServer.start(api, API_PORT, await sandbox.dir(), {
      state: { resourceVersion: state.resourceVersion + 2, nodes: nodesAfter },
      gone: 'http',
    });
    await allConverged();
    // The relist, paginated.
    expect(server.requests).toContain('GET /api/v1/nodes?limit=500');
  });

  test('stops on SIGTERM with exit code 0 and leaves the routes in place', async () => {
    expect(await stopAgent(worker())).toBe(0);
    expect(await ourRoutes(sandbox, worker().ns)).toEqual(expectedRoutes(worker().name));
  });
});
