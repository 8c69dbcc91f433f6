import { waitFor } from '@tscni/core/testing';
import type { KubePod } from '@tscni/testbed/kind';
import { podIpOf } from './probes.js';
import { onNodeOf, type KindSuiteContext } from './suite-context.js';
import { WEB_PORT } from './workloads.js';

const BUSYBOX = 'busybox:1.36';
/** Where the policies of these checks live; the clients stay in default, which has none. */
const SERVER_NAMESPACE = 'netpol-server';

/** A pod on one node; its command runs in busybox's sh. */
function pod(name: string, namespace: string, node: string, command: string, labels: Record<string, string> = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { 'tscni-e2e': 'netpol', ...labels } },
    spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', command], ports: [{ name: 'http', containerPort: WEB_PORT }] }] },
  };
}

const serve = `mkdir -p /www && hostname >/www/index.html && exec httpd -f -p ${WEB_PORT} -h /www`;

function namespace(name: string): object {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'tscni-e2e': 'netpol' } } };
}

function policy(name: string, namespaceName: string, spec: object): object {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: namespaceName }, spec };
}

/** Busybox sh: `tries` connections, one after the other, each bounded to 1 s; prints "ok=N fail=M". */
const hammer = (url: string, tries: number, pauseSeconds = 0): string =>
  `ok=0; fail=0; i=0; while [ $i -lt ${tries} ]; do if timeout 1 wget -q -O /dev/null ${url}; then ok=$((ok+1)); else fail=$((fail+1)); fi; i=$((i+1)); sleep ${pauseSeconds}; done; echo ok=$ok fail=$fail`;

const counts = (out: string): { ok: number; fail: number } => {
  const match = /ok=(\d+) fail=(\d+)/.exec(out);
  if (!match) throw new Error(`no counts in: ${out}`);
  return { ok: Number(match[1]), fail: Number(match[2]) };
};

const url = (ip: string): string => `http://${ip.includes(':') ? `[${ip}]` : ip}:${WEB_PORT}/`;

/**
 * NetworkPolicy on the kind cluster, as a user meets it: a policy in force
 * from a pod's first packet, in each family; a deleted policy stops
 * applying (and how fast); an agent killed under policies lets nothing
 * forbidden through and drops nothing allowed.
 */
export function netpolChecks(ctx: KindSuiteContext): void {
  const families = ctx.network.families;
  const exec = (namespaceName: string, name: string, command: string): Promise<string> =>
    ctx.cluster.kubectl(['-n', namespaceName, 'exec', name, '--', 'sh', '-c', command]);
  const podNamed = async (namespaceName: string, name: string): Promise<KubePod> =>
    ctx.cluster.kubectlJson<KubePod>(['-n', namespaceName, 'get', 'pod', name]);
  const workers = async (): Promise<[string, string]> => {
    const [a, b] = (await ctx.probe.workers()).map((node) => node.metadata.name);
    return [a!, b!];
  };
  const demoOn = async (node: string): Promise<KubePod> => onNodeOf(await ctx.probe.pods('app=demo'), node);

  it('holds a deny-all-ingress policy from the first packet of a new pod: a client hammering its address from the moment the API shows it gets nothing through, in each family; its node gets through', async () => {
    const [a, b] = await workers();
    await ctx.cluster.apply(namespace(SERVER_NAMESPACE), policy('deny-ingress', SERVER_NAMESPACE, { podSelector: {}, policyTypes: ['Ingress'] }));
    await ctx.cluster.apply(pod('server', SERVER_NAMESPACE, b, serve, { app: 'np-server' }));
    const server = await waitFor('the server pod has its addresses in the API', async () => {
      const found = await podNamed(SERVER_NAMESPACE, 'server');
      return (found.status.podIPs?.length ?? 0) === families.length ? found : undefined;
    }, { timeoutMs: 120_000, intervalMs: 100 });
    const client = await demoOn(a);
    // From the moment the address is in the API: 30 connections per family, one every 0.25 s, each given 1 s.
    const hammerStarted = Date.now();
    const hammers = Promise.all(families.map((family) => ctx.probe.execIn(client, ['sh', '-c', hammer(url(podIpOf(server, family)), 30, 0.25)])));
    // Meanwhile its own node (always allowed) finds out when the server starts answering: the hammers must outlast that by seconds,
    // or they could have failed only because nothing listened yet.
    const serving = waitFor('the server answers its node', async () => {
      const answers = await Promise.all(families.map((family) => ctx.cluster.onNode(b, ['curl', '-sS', '-m', '1', '-g', url(podIpOf(server, family))]).catch(() => '')));
      return answers.every((answer) => answer.includes('server')) ? Date.now() : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100 });
    const [results, servingAt] = await Promise.all([hammers, serving]);
    const hammerEnded = Date.now();
    console.log(`deny-all ingress from the first packet: server answering its node ${servingAt - hammerStarted} ms into the hammering, which lasted ${hammerEnded - hammerStarted} ms; ${results.map((out) => out.trim()).join(', ')}`);
    expect(hammerEnded - servingAt).toBeGreaterThan(2_000);
    for (const out of results) expect(counts(out).ok).toBe(0);
  });

  it("denies an egress-isolated pod's very first connection, in each family; the same pod without the policy connects at once", async () => {
    const [a, b] = await workers();
    await ctx.cluster.apply(namespace('netpol-egress'), namespace('netpol-open'), policy('deny-egress', 'netpol-egress', { podSelector: {}, policyTypes: ['Egress'] }));
    // The web DaemonSet's pod on the other worker: a server no policy isolates.
    const web = onNodeOf(await ctx.probe.pods('app=web'), b);
    const firstToWeb = families
      .map((family) => `if timeout 2 wget -q -O /dev/null ${url(podIpOf(web, family))}; then echo first-v${family}=ok; else echo first-v${family}=refused; fi`)
      .join('; ');
    await ctx.cluster.apply(pod('first', 'netpol-egress', a, `${firstToWeb}; sleep 3600`), pod('first', 'netpol-open', a, `${firstToWeb}; sleep 3600`));
    for (const [namespaceName, verdict] of [['netpol-egress', 'refused'], ['netpol-open', 'ok']] as const) {
      const log = await waitFor(`the first connections of ${namespaceName}/first`, async () => {
        const text = await ctx.cluster.kubectl(['-n', namespaceName, 'logs', 'first']).catch(() => '');
        return families.every((family) => text.includes(`first-v${family}=`)) ? text : undefined;
      }, { timeoutMs: 120_000, intervalMs: 500 });
      for (const family of families) expect(log).toContain(`first-v${family}=${verdict}`);
    }
  });

  it('stops enforcing a deleted policy: new connections get through (the time it took is printed)', async () => {
    const [a] = await workers();
    const server = await podNamed(SERVER_NAMESPACE, 'server');
    const client = await demoOn(a);
    const started = Date.now();
    await ctx.cluster.kubectl(['-n', SERVER_NAMESPACE, 'delete', 'networkpolicy', 'deny-ingress']);
    const deleted = Date.now();
    await ctx.probe.execIn(client, ['sh', '-c', `until timeout 1 wget -q -O /dev/null ${url(podIpOf(server, families[0]!))}; do sleep 0.05; done`]);
    const flowing = Date.now();
    console.log(`NetworkPolicy deleted (kubectl returned after ${deleted - started} ms): traffic flows ${flowing - deleted} ms after the delete returned`);
    expect(flowing - deleted).toBeLessThan(10_000);
  });

  it("serves /metrics that match what the agent did: Nodes known, routes added for each peer and family, a pod covered by policy, the rules in force", async () => {
    const [a] = await workers();
    const agent = onNodeOf(await ctx.probe.pods('app=tscni', 'kube-system'), a);
    const script = "fetch('http://127.0.0.1:9440/metrics').then(async (r) => process.stdout.write(await r.text()))";
    const text = await ctx.cluster.kubectl(['-n', 'kube-system', 'exec', agent.metadata.name, '--', 'node', '-e', script]);
    const value = (series: string): number => {
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
      if (!line) throw new Error(`no ${series} in /metrics`);
      return Number(line.slice(series.length + 1));
    };
    expect(value('tscni_nodes')).toBe(3);
    // Two peers, a route of each family to each.
    expect(value('tscni_routes_added_total')).toBeGreaterThanOrEqual(2 * families.length);
    expect(value('tscni_sync_passes_total{result="success"}')).toBeGreaterThan(0);
    // netpol-egress/first started on this node under its deny-egress policy: covered before its ADD returned.
    expect(value('tscni_netpol_pod_cover_duration_seconds_count{result="covered"}')).toBeGreaterThanOrEqual(1);
    expect(value('tscni_netpol_applies_total{result="failure"}')).toBe(0);
    expect(value('tscni_netpol_local_pods')).toBeGreaterThanOrEqual(2);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('lets no forbidden connection through and drops no allowed one while the agent on the server\'s node is killed (SIGKILL) and comes back', async () => {
    const [a, b] = await workers();
    await ctx.cluster.apply(
      policy('allow-granted', SERVER_NAMESPACE, {
        podSelector: { matchLabels: { app: 'np-server' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { access: 'granted' } } }], ports: [{ port: 'http' }] }],
      }),
    );
    await ctx.cluster.apply(pod('granted', 'default', a, 'sleep 3600', { access: 'granted' }));
    await ctx.cluster.kubectl(['wait', '--for=condition=Ready', 'pod/granted', '--timeout=120s']);
    const server = await podNamed(SERVER_NAMESPACE, 'server');
    const target = url(podIpOf(server, families[0]!));
    const forbiddenClient = await demoOn(a);
    // Policy in force before the clock starts: the granted pod gets through, the demo pod does not.
    await waitFor('the granted pod gets through', () => exec('default', 'granted', `timeout 1 wget -q -O /dev/null ${target} && echo ok`), { timeoutMs: 30_000, intervalMs: 200 });
    // About 20 s of connections, one every 0.2 s, from each client.
    const allowed = exec('default', 'granted', hammer(target, 60, 0.2));
    const forbidden = ctx.probe.execIn(forbiddenClient, ['sh', '-c', hammer(target, 60, 0.2)]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await ctx.probe.killAgent(b);
    const [granted, denied] = await Promise.all([allowed, forbidden]);
    console.log(`agent killed under policy: allowed client ${granted.trim()}, forbidden client ${denied.trim()}`);
    expect(counts(granted).fail).toBe(0);
    expect(counts(denied).ok).toBe(0);
  });

  afterAll(async () => {
    await ctx.cluster?.kubectl(['delete', 'namespace', SERVER_NAMESPACE, 'netpol-egress', 'netpol-open', '--wait=false', '--ignore-not-found']).catch(() => undefined);
    await ctx.cluster?.kubectl(['delete', 'pod', 'granted', '--wait=false', '--ignore-not-found']).catch(() => undefined);
  });
}
