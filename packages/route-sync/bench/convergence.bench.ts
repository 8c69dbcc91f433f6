import { Sandbox, type TestNamespace } from '@tscni/core/testing';
import {
  FakeApiServer, kubeNode, API_PORT, SEED, eventually, makeSegment, ourRoutes, startAgent, stopAgent, writeKubeconfig, type TestNode,
} from '@tscni/route-sync/testing';

/**
 * How long three agents take to converge: from a cold start, after a Node is
 * added or deleted, and after the API server restarts with changes. Printed,
 * never asserted. Polling every 10 ms bounds the resolution.
 */
const ROUNDS = 5;

describe('route-sync convergence', () => {
  const sandbox = new Sandbox('rsb');
  let api: TestNamespace;
  let nodes: TestNode[];
  let server: FakeApiServer;
  const results: Record<string, number[]> = {};

  const allHave = (dst: string, present: boolean) =>
    eventually(
      async () => {
        for (const node of nodes) expect(Object.hasOwn(await ourRoutes(sandbox, node.ns), dst)).toBe(present);
      },
      60_000,
      10,
    );
  const measure = async (name: string, action: () => Promise<unknown>, converged: () => Promise<unknown>) => {
    const start = performance.now();
    await action();
    await converged();
    (results[name] ??= []).push(performance.now() - start);
  };

  beforeAll(async () => {
    ({ api, nodes } = await makeSegment(sandbox));
    server = await FakeApiServer.start(api, API_PORT, await sandbox.dir());
    for (const seed of SEED) await server.put(kubeNode(seed.name, [seed.ip], [seed.podCidr]));
  });
  afterAll(async () => {
    for (const node of nodes ?? []) await stopAgent(node);
    await server?.kill();
    await sandbox.cleanup();
    const lines = Object.entries(results).map(([name, times]) => {
      const sorted = [...times].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
      return `${name.padEnd(40)} median ${median.toFixed(0).padStart(5)} ms  (n=${times.length}, min ${sorted[0]?.toFixed(0)}, max ${sorted.at(-1)?.toFixed(0)})`;
    });
    process.stdout.write(`\nroute-sync convergence, 3 agents\n${lines.join('\n')}\n`);
  });

  test('measures', async () => {
    const kubeconfig = await writeKubeconfig(await sandbox.dir());
    await measure(
      'cold start to seed route table',
      () => Promise.all(nodes.map((node) => startAgent(node, kubeconfig))),
      () => eventually(async () => {
        for (const node of nodes) expect(Object.keys(await ourRoutes(sandbox, node.ns))).toHaveLength(SEED.length - 1);
      }, 60_000, 10),
    );
    for (let round = 0; round < ROUNDS; round++) {
      const name = `kind-extra${round}`;
      const dst = `10.244.${100 + round}.0/24`;
      await measure('node added', () => server.put(kubeNode(name, [`172.17.1.${round + 1}`], [dst])), () => allHave(dst, true));
      await measure('node deleted', () => server.delete(name), () => allHave(dst, false));
    }
    for (let round = 0; round < 2; round++) {
      const dst = `10.244.${200 + round}.0/24`;
      await measure(
        'API server restart with a change (410)',
        async () => {
          const state = await server.state();
          await server.kill();
          const added = { ...kubeNode(`kind-late${round}`, [`172.17.2.${round + 1}`], [dst]), metadata: { name: `kind-late${round}`, resourceVersion: String(state.resourceVersion + 1) } };
          server = await FakeApiServer.start(api, API_PORT, await sandbox.dir(), {
            state: { resourceVersion: state.resourceVersion + 1, nodes: [...state.nodes, added] },
            gone: 'http',
          });
        },
        () => allHave(dst, true),
      );
    }
  });
});
