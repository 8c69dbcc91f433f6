import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Sandbox, execIn } from '@tscni/core/testing';
import { API_IP, SEED, agentLog, eventually, kubeNode, makeSegment, requireRunning, stopAgent, type TestNode } from '@tscni/testbed';
import { buildToolchain, chooseKindMode, DEPLOY_DIR } from '@tscni/testbed/kind';
import { RealControlPlane } from '@tscni/testbed/control-plane';
import { KubeApi } from '../src/netpol/api.js';
import {
  HOST_PORT, conflistText, coverWaits, health, isolatedNamespaces, pathWithoutNft, podRecords, policyNode, startPolicyAgent, waitPolicyKnown, waitReady, type PolicyNode,
} from '../src/netpol/nodes.js';
import { PodSandbox, type PodSpec } from '../src/netpol/pods.js';
import type { Attempt } from '../src/netpol/probe.js';

// The same toolchain as the offline kind cluster: where that cannot be built, neither can this.
const choice = await chooseKindMode({ ...process.env, TSCNI_KIND_OFFLINE: '1' });
const describeReal = choice.usable ? describe : describe.skip;

const FAMILIES = [4, 6] as const;
const HTTP = { name: 'http', containerPort: 8080 };
const METRICS = { name: 'metrics', containerPort: 9090 };
/** What a refused TCP connection returns here: the rules reject with a TCP reset, so connect() fails at once. */
const REFUSED = 'ECONNREFUSED';

const refusals = (attempts: readonly Attempt[]) => attempts.filter((attempt) => !attempt.ok && attempt.error === REFUSED).length;

/**
 * NetworkPolicy end to end on network-namespace nodes: the built agents
 * (TSCNI_NETWORK_POLICY=enforce) against a real etcd and kube-apiserver, as
 * the ServiceAccount deploy/rbac.yaml binds; pods made as a runtime makes
 * them, through the conflist the agent wrote (tscni-netpol last); traffic
 * between the pods' namespaces. Every node and pod is dual stack.
 *
 * kind-control-plane (A) holds the pods under test, kind-worker (B) the
 * clients of other namespaces, kind-worker2 (C) only a host server (and the
 * agent without nft).
 */
describeReal(`NetworkPolicy against a real kube-apiserver${choice.usable ? '' : ` (skipped: ${choice.reason})`}`, () => {
  const sandbox = new Sandbox('np');
  let plane: RealControlPlane;
  let api: KubeApi;
  let dir: string;
  let kubeconfig: string;
  let a: PolicyNode;
  let b: PolicyNode;
  let c: PolicyNode;
  /** Clients: in np-blue (team=blue) and np-red (team=red), on B and on A. */
  let blueClient: PodSandbox;
  let redClient: PodSandbox;
  let blueLocal: PodSandbox;
  let otherLocal: PodSandbox;
  /** ADD times of pods a policy selects (tscni-netpol's wait for the rules included). */
  const coveredAdds: number[] = [];

  const pod = (spec: PodSpec) => PodSandbox.create(sandbox, api, spec);
  /** Creates and ADDs a pod some policy selects, keeping how long its ADD took. */
  async function coveredPod(spec: PodSpec): Promise<PodSandbox> {
    const created = await PodSandbox.prepare(sandbox, api, spec);
    coveredAdds.push(await created.add());
    return created;
  }

  beforeAll(async () => {
    const bin = await buildToolchain();
    const segment = await makeSegment(sandbox);
    dir = await sandbox.dir();
    plane = await RealControlPlane.start(bin, segment.api, API_IP, dir);
    await plane.kubectl(['apply', '-f', join(DEPLOY_DIR, 'rbac.yaml')]);
    api = await KubeApi.start(plane, bin('kubectl'), segment.api, dir);
    const [n0, n1, n2] = segment.nodes as [TestNode, TestNode, TestNode];
    [a, b, c] = await Promise.all([policyNode(sandbox, n0, SEED[0].ip, SEED[0].podCidr), policyNode(sandbox, n1, SEED[1].ip, SEED[1].podCidr), policyNode(sandbox, n2, SEED[2].ip, SEED[2].podCidr)]);
    for (const node of [a, b, c]) {
      const object = kubeNode(node.node.name, [node.ips[4], node.ips[6]], [node.podCidrs[4], node.podCidrs[6]]);
      await api.call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: object.metadata, spec: object.spec });
      await api.call('PATCH', `/api/v1/nodes/${node.node.name}/status`, { status: object.status }, 'application/merge-patch+json');
    }
    kubeconfig = await plane.serviceAccountKubeconfig('kube-system', 'tscni', join(dir, 'tscni.kubeconfig'));
    for (const node of [a, b]) await startPolicyAgent(node, kubeconfig);
    for (const [name, labels] of [
      ['np-deny', {}], ['np-allow', {}], ['np-blue', { team: 'blue' }], ['np-red', { team: 'red' }],
      ['np-cidr', {}], ['np-egress', {}], ['np-reply', {}], ['np-open', {}],
    ] as const) {
      await api.createNamespace(name, labels);
    }
    await Promise.all([waitReady(a), waitReady(b)]);
    const client = { labels: { role: 'client' }, listen: [{ proto: 'tcp', port: HOST_PORT }] } as const;
    [blueClient, redClient, blueLocal, otherLocal] = await Promise.all([
      pod({ ...client, namespace: 'np-blue', name: 'client', node: b }),
      pod({ ...client, namespace: 'np-red', name: 'client', node: b }),
      pod({ ...client, namespace: 'np-blue', name: 'client-local', node: a }),
      pod({ ...client, namespace: 'np-blue', name: 'other-local', node: a, labels: { role: 'other' } }),
    ]);
  }, 10 * 60_000);

  afterAll(async () => {
    if (coveredAdds.length > 0) {
      const sorted = [...coveredAdds].sort((x, y) => x - y);
      console.log(`ADD of a pod a policy selects (whole chain, tscni-netpol's wait for cover included): ${sorted.map((ms) => Math.round(ms)).join(', ')} ms`);
    }
    for (const node of [a, b, c]) if (node) await stopAgent(node.node);
    api?.stop();
    await plane?.stop();
    await sandbox.cleanup();
  });

  test('the conflist each agent wrote chains tscni-netpol last, meeting the agent in its run dir', async () => {
    for (const node of [a, b]) {
      const plugins = (JSON.parse(await conflistText(node)) as { plugins: Array<{ type: string; runDir?: string }> }).plugins;
      expect(plugins.at(-1)).toEqual({ type: 'tscni-netpol', runDir: node.runDir });
    }
  });

  test('deny-all ingress in force before the pod exists: from the moment ADD returns, 0 of 20 connections per family get through from other namespaces (other node and same node: each refused, ECONNREFUSED); the pod\'s own node connects', async () => {
    await api.createPolicy('np-deny', 'deny-all-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
    await waitPolicyKnown(a, 'np-deny');
    const web = await PodSandbox.prepare(sandbox, api, { namespace: 'np-deny', name: 'web', node: a, labels: { app: 'web' }, ports: [HTTP], listen: [{ proto: 'tcp', port: 8080 }] });
    coveredAdds.push(await web.add());
    // The clients' probes are running already: their first SYN leaves right after ADD returned.
    const hammers = await Promise.all(
      FAMILIES.flatMap((family) => [redClient, otherLocal].map((client) => client.probe.connect(web.ip(family), 8080, { count: 20, timeoutMs: 1_000 }))),
    );
    for (const attempts of hammers) {
      expect(attempts).toHaveLength(20);
      expect(refusals(attempts)).toBe(20);
    }
    expect(await web.probe.accepted()).toEqual({ 'tcp/8080': 0 });
    // Traffic from the pod's own node is never judged (it is not forwarded).
    for (const family of FAMILIES) expect(await a.host.once(web.ip(family), 8080)).toMatchObject({ ok: true, reply: 'np-deny/web:8080' });
    expect(await web.probe.accepted()).toEqual({ 'tcp/8080': 2 });
  });

  test('podSelector + namespaceSelector on a named port: only role=client pods of team=blue namespaces reach port "http" (8080), from either node; port "metrics" (9090), a team=red namespace and a role=other pod are refused (ECONNREFUSED)', async () => {
    await api.createPolicy('np-allow', 'blue-clients-on-http', {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } }, namespaceSelector: { matchLabels: { team: 'blue' } } }], ports: [{ port: 'http' }] }],
    });
    await waitPolicyKnown(a, 'np-allow');
    const web = await coveredPod({ namespace: 'np-allow', name: 'web', node: a, labels: { app: 'web' }, ports: [HTTP, METRICS], listen: [{ proto: 'tcp', port: 8080 }, { proto: 'tcp', port: 9090 }] });
    for (const family of FAMILIES) {
      const target = web.ip(family);
      expect(await blueClient.probe.once(target, 8080)).toMatchObject({ ok: true, reply: 'np-allow/web:8080' });
      expect(await blueLocal.probe.once(target, 8080)).toMatchObject({ ok: true, reply: 'np-allow/web:8080' });
      expect(await blueClient.probe.once(target, 9090)).toMatchObject({ ok: false, error: REFUSED });
      expect(await redClient.probe.once(target, 8080)).toMatchObject({ ok: false, error: REFUSED });
      expect(await otherLocal.probe.once(target, 8080)).toMatchObject({ ok: false, error: REFUSED });
    }
    expect(await web.probe.accepted()).toEqual({ 'tcp/8080': 4, 'tcp/9090': 0 });
  });

  test('egress ipBlock with except: the pod\'s first connect to the excepted node address is refused (ECONNREFUSED), one to another address of the block is answered, in both families', async () => {
    const [excepted, allowed] = [c, b];
    await api.createPolicy('np-cidr', 'segment-but-one', {
      podSelector: { matchLabels: { app: 'cidr' } },
      policyTypes: ['Egress'],
      egress: [{
        to: [
          { ipBlock: { cidr: '172.17.0.0/16', except: [`${excepted.ips[4]}/32`] } },
          { ipBlock: { cidr: 'fd00:172:17::/64', except: [`${excepted.ips[6]}/128`] } },
        ],
      }],
    });
    await waitPolicyKnown(a, 'np-cidr');
    const client = await coveredPod({ namespace: 'np-cidr', name: 'client', node: a, labels: { app: 'cidr' } });
    expect(await client.probe.once(excepted.ips[4], HOST_PORT)).toMatchObject({ ok: false, error: REFUSED });
    expect(await client.probe.once(allowed.ips[4], HOST_PORT)).toMatchObject({ ok: true, reply: `node ${allowed.node.name}:${HOST_PORT}` });
    expect(await client.probe.once(excepted.ips[6], HOST_PORT)).toMatchObject({ ok: false, error: REFUSED });
    expect(await client.probe.once(allowed.ips[6], HOST_PORT)).toMatchObject({ ok: true, reply: `node ${allowed.node.name}:${HOST_PORT}` });
    // The excepted node does answer a pod no policy selects: the refusal was the policy's.
    expect(await blueLocal.probe.once(excepted.ips[4], HOST_PORT)).toMatchObject({ ok: true });
  });

  test('egress deny-all: the pod\'s very first connect after ADD is refused (ECONNREFUSED), to a pod on another node, a pod on its own node and another node; its own node still answers (not forwarded, never judged)', async () => {
    await api.createPolicy('np-egress', 'deny-all-egress', { podSelector: { matchLabels: { app: 'locked' } }, policyTypes: ['Egress'] });
    await waitPolicyKnown(a, 'np-egress');
    const locked = await coveredPod({ namespace: 'np-egress', name: 'locked', node: a, labels: { app: 'locked' } });
    expect(await locked.probe.once(blueClient.ip(4), HOST_PORT)).toMatchObject({ ok: false, error: REFUSED });
    for (const family of FAMILIES) {
      expect(await locked.probe.once(blueClient.ip(family), HOST_PORT)).toMatchObject({ ok: false, error: REFUSED });
      expect(await locked.probe.once(blueLocal.ip(family), HOST_PORT)).toMatchObject({ ok: false, error: REFUSED });
      expect(await locked.probe.once(b.ips[family], HOST_PORT)).toMatchObject({ ok: false, error: REFUSED });
      expect(await locked.probe.once(a.ips[family], HOST_PORT)).toMatchObject({ ok: true });
    }
    expect(await blueClient.probe.accepted()).toEqual({ [`tcp/${HOST_PORT}`]: 0 });
  });

  test('replies of allowed connections pass: a server with all egress denied still answers an allowed client over TCP and UDP, both families; its own new connections are refused (ECONNREFUSED)', async () => {
    await api.createPolicy('np-reply', 'blue-in-nothing-out', {
      podSelector: { matchLabels: { app: 'server' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }] }],
      egress: [],
    });
    await waitPolicyKnown(a, 'np-reply');
    const server = await coveredPod({ namespace: 'np-reply', name: 'server', node: a, labels: { app: 'server' }, listen: [{ proto: 'tcp', port: 8080 }, { proto: 'udp', port: 8053 }] });
    for (const family of FAMILIES) {
      expect(await blueClient.probe.once(server.ip(family), 8080)).toMatchObject({ ok: true, reply: 'np-reply/server:8080' });
      expect(await blueClient.probe.once(server.ip(family), 8053, 'udp')).toMatchObject({ ok: true, reply: 'np-reply/server:8053' });
      expect(await server.probe.once(blueClient.ip(family), HOST_PORT)).toMatchObject({ ok: false, error: REFUSED });
    }
    const waits = await coverWaits(a);
    console.log(`the agent on ${a.node.name} covered ${waits.count} ADDs, waiting ${waits.meanMs} ms on average (tscni_netpol_pod_cover_duration_seconds)`);
  });

  test('deleting a policy lets traffic flow again (time from the API\'s acknowledgement to the first answered connection printed)', async () => {
    const web = await podIp('np-deny', 'web');
    // The first test's policy goes first: each round below starts from traffic flowing.
    await api.deletePolicy('np-deny', 'deny-all-ingress');
    await eventually(async () => expect(await redClient.probe.once(web, 8080)).toMatchObject({ ok: true }));
    const samples: number[] = [];
    for (let round = 0; round < 3; round++) {
      await api.createPolicy('np-deny', `deny-${round}`, { podSelector: {}, policyTypes: ['Ingress'] });
      await eventually(async () => expect(await redClient.probe.once(web, 8080)).toMatchObject({ ok: false, error: REFUSED }), 30_000, 50);
      // The client polls (every 20 ms) from before the delete; `at` is when its first connection was answered.
      const flowing = redClient.probe.until(web, 8080, 20_000);
      await api.deletePolicy('np-deny', `deny-${round}`);
      const acknowledged = Date.now();
      const first = await flowing;
      expect(first).toMatchObject({ ok: true });
      samples.push(first.at - acknowledged);
    }
    console.log(`NetworkPolicy deleted -> traffic flows: ${samples.join(', ')} ms (the API's acknowledgement of the DELETE to the first answered connection, a client polling every 20 ms)`);
    // Written just after the table: a moment after the traffic flows.
    await eventually(async () => expect(await isolatedNamespaces(a)).not.toContain('np-deny'));
  });

  test('agent SIGKILLed and restarted with a policy in force: the table stays in the node, forbidden traffic stays refused (ECONNREFUSED) and allowed traffic flows, during the outage and after', async () => {
    const web = await podIp('np-allow', 'web');
    const rounds: Array<{ phase: string; allowed: Attempt; forbidden: Attempt }> = [];
    let phase = 'before';
    let monitoring = true;
    const monitor = (async () => {
      while (monitoring) {
        const [allowed, forbidden] = await Promise.all([blueClient.probe.once(web, 8080), redClient.probe.once(web, 8080)]);
        rounds.push({ phase, allowed, forbidden });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const agent = a.node.agent!;
    const killed = new Promise((resolve) => agent.once('exit', resolve));
    phase = 'outage';
    agent.kill('SIGKILL');
    await killed;
    const table = await execIn(a.node.ns, 'nft', ['list', 'table', 'inet', 'tscni_netpol']);
    expect(table).toContain('chain verdict_ingress_');
    await eventually(async () => expect(rounds.filter((round) => round.phase === 'outage').length).toBeGreaterThanOrEqual(5));
    await startPolicyAgent(a, kubeconfig);
    phase = 'restarting';
    await waitReady(a);
    phase = 'after';
    await eventually(async () => expect(rounds.filter((round) => round.phase === 'after').length).toBeGreaterThanOrEqual(5));
    monitoring = false;
    await monitor;
    for (const round of rounds) {
      expect({ phase: round.phase, allowed: round.allowed.ok }).toEqual({ phase: round.phase, allowed: true });
      expect({ phase: round.phase, forbidden: round.forbidden.error }).toEqual({ phase: round.phase, forbidden: REFUSED });
    }
  });

  test('agent down: ADD of a pod in a namespace with policies fails at once with CNI code 11 (try again later), leaving no record; in a namespace without policies ADD succeeds', async () => {
    await stopAgent(a.node);
    const late = await PodSandbox.prepare(sandbox, api, { namespace: 'np-allow', name: 'late', node: a, labels: { app: 'web' } });
    const outcome = await late.tryAdd();
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    console.log(`ADD with the agent down, namespace np-allow (has policies), after ${Math.round(outcome.ms)} ms: ${JSON.stringify(outcome.error.toJSON('1.0.0'))}`);
    expect(outcome.error.code).toBe(11);
    expect(outcome.error.message).toContain('did not answer');
    // tscni-netpol's own wait is 5 s at most; the agent's socket is gone, so it does not wait at all.
    expect(outcome.ms).toBeLessThan(5_000);
    expect(await podRecords(a)).not.toContain(late.containerId);
    // The runtime's DEL after the failed ADD releases what the bridge and IPAM made.
    await late.del();

    const open = await PodSandbox.prepare(sandbox, api, { namespace: 'np-open', name: 'late', node: a, labels: { app: 'web' }, listen: [{ proto: 'tcp', port: 8080 }] });
    const opened = await open.tryAdd();
    expect(opened.ok ? 'added' : opened.error.message).toBe('added');
    expect(await podRecords(a)).toContain(open.containerId);
    expect(await redClient.probe.once(open.ip(4), 8080)).toMatchObject({ ok: true, reply: 'np-open/late:8080' });
  });

  test('nft missing for the agent: /healthz answers 503 with networkPolicyError, /readyz names it, and the log says why', async () => {
    const path = await pathWithoutNft(await mkdirIn(dir, 'path-without-nft'));
    await startPolicyAgent(c, kubeconfig, { PATH: path });
    const healthz = await eventually(async () => {
      await requireRunning(c.node);
      const answer = await health(c, '/healthz');
      expect(answer).toMatchObject({ status: 503, body: { healthy: false, networkPolicyError: expect.stringContaining('nft') } });
      return answer;
    });
    console.log(`/healthz without nft: ${JSON.stringify(healthz.body)}`);
    expect(await health(c, '/readyz')).toMatchObject({ status: 503, body: { ready: false, missing: expect.arrayContaining([expect.stringContaining('NetworkPolicy rules: ')]) } });
    expect(await agentLog(c.node)).toMatch(/"controller":"network-policy".*ENOENT|ENOENT.*"controller":"network-policy"/);
    await stopAgent(c.node);
  });

  /** A pod's IPv4 address from the API, as the earlier tests left it. */
  async function podIp(namespace: string, name: string): Promise<string> {
    const object = await api.call('GET', `/api/v1/namespaces/${namespace}/pods/${name}`);
    return (object.status as { podIP: string }).podIP;
  }
});

async function mkdirIn(parent: string, name: string): Promise<string> {
  const path = join(parent, name);
  await mkdir(path);
  return path;
}
