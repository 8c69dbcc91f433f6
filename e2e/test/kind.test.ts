import { formatIp, networkOf, parsePrefix } from '@tscni/core';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chooseKindMode,
  DEMO_MANIFEST,
  hostState,
  hostStateChanges,
  isReady,
  KindCluster,
  kindNetworkFromEnv,
  ofFamily,
  podCidrs,
  podIps,
  prepareKind,
  type HostState,
} from '@tscni/testbed/kind';
import { faultChecks } from '../src/kind/fault-checks.js';
import { familyChecks } from '../src/kind/family-checks.js';
import { netpolChecks } from '../src/kind/netpol-checks.js';
import { upgradeChecks } from '../src/kind/upgrade-checks.js';
import { KindProbes, podIpOf } from '../src/kind/probes.js';
import { inside, onNodeOf, type KindSuiteContext } from '../src/kind/suite-context.js';
import { web, webDualStack, webNodePort, webService } from '../src/kind/workloads.js';

const choice = await chooseKindMode();
/** deploy/kind-config-dual.yaml unless TSCNI_KIND_IP_FAMILY says otherwise: dual-stack covers every IPv4 check, and IPv6 beside it. */
const network = kindNetworkFromEnv();

if (choice.usable) {
  kindSuite(choice.mode);
} else {
  console.warn(`kind suite skipped: ${choice.reason}`);
  describe('tscni on a kind cluster', () => {
    it.skip(`skipped: ${choice.reason}`, () => undefined);
  });
}

/** deploy/ on a fresh kind cluster, checked as a user would in each of its address families, then shaken. */
function kindSuite(mode: 'online' | 'offline'): void {
  describe(`tscni on a kind cluster (${mode}, ${network.ipFamily})`, () => {
    const id = randomBytes(3).toString('hex');
    const timings: Array<[string, number]> = [];
    let hostBefore: HostState;
    let dir: string;
    let stopped = false;
    const ctx = {
      network,
      outside: `tscni-e2e-${id}-outside`,
      timed: async <T>(what: string, work: () => Promise<T>): Promise<T> => {
        const started = Date.now();
        const value = await work();
        timings.push([what, Date.now() - started]);
        return value;
      },
    } as KindSuiteContext;
    const families = network.families;

    beforeAll(async () => {
      hostBefore = await hostState();
      dir = await mkdtemp(join(tmpdir(), 'tscni-kind-'));
      const setup = await ctx.timed('offline build (cached) and engine start', () => prepareKind(mode, id));
      ctx.cluster = new KindCluster(`tscni-${id}`, setup, dir, network);
      ctx.probe = new KindProbes(ctx.cluster);
      await ctx.timed(`kind create cluster (3 nodes, ${network.ipFamily})`, () => ctx.cluster.create());
    }, 60 * 60_000);

    afterAll(async () => {
      if (!stopped) await teardown();
      console.log(['kind suite timings:', ...timings.map(([what, ms]) => `  ${(ms / 1000).toFixed(1)} s  ${what}`)].join('\n'));
    }, 5 * 60_000);

    async function teardown(): Promise<void> {
      stopped = true;
      if (ctx.cluster) {
        await ctx.cluster.removeContainer(ctx.outside);
        await ctx.cluster.delete().catch(() => undefined);
        await ctx.cluster.setup.engine.stop();
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    }

    it('has NotReady nodes before tscni runs', async () => {
      const all = await ctx.probe.nodes();
      expect(all).toHaveLength(3);
      for (const node of all) expect(isReady(node)).toBe(false);
    });

    it('rolls out the DaemonSet from deploy/, and every node goes Ready', async () => {
      await ctx.timed('tscni image build and kind load', () => ctx.cluster.loadImage());
      await ctx.timed('DaemonSet rollout and nodes Ready', () => ctx.cluster.rollOutTscni());
      for (const node of await ctx.probe.nodes()) expect(isReady(node)).toBe(true);
      await ctx.timed('demo, web and Services ready', async () => {
        await ctx.cluster.kubectl(['apply', '-f', DEMO_MANIFEST]);
        await ctx.cluster.apply(web, webService, webNodePort, ...(network.ipFamily === 'dual' ? [webDualStack] : []));
        await ctx.probe.rollout('daemonset/demo');
        await ctx.probe.rollout('daemonset/web');
      });
      ctx.outsideIps = await ctx.cluster.runOutside(ctx.outside, 'busybox:1.36', ['httpd', '-f', '-vv', '-p', '8080', '-h', '/tmp']);
    });

    it('runs CoreDNS on the pod network, and a pod resolves kubernetes.default', async () => {
      await ctx.probe.rollout('deployment/coredns', 'kube-system');
      const coredns = await ctx.probe.pods('k8s-app=kube-dns', 'kube-system');
      expect(coredns.length).toBeGreaterThan(0);
      for (const pod of coredns) for (const [i, family] of families.entries()) expect(inside(network.podSubnets[i]!, podIpOf(pod, family))).toBe(true);
      const [demo] = await ctx.probe.pods('app=demo');
      // The API server's Service has the first address of the primary family's service subnet.
      const primary = parsePrefix(network.serviceSubnets[0]!)!;
      const apiServer = formatIp({ family: primary.family, value: networkOf(primary) + 1n });
      expect(await ctx.probe.execIn(demo!, ['nslookup', 'kubernetes.default.svc.cluster.local'])).toMatch(new RegExp(`Address:\\s+${apiServer.replace(/\./g, '\\.')}\\b`));
    });

    it("gives every pod an address of each family, inside its node's podCIDR of that family", async () => {
      const all = await ctx.probe.nodes();
      const everyPod = [...(await ctx.probe.pods('app=demo')), ...(await ctx.probe.pods('app=web'))];
      expect(everyPod).toHaveLength(4);
      for (const pod of everyPod) {
        const cidrs = podCidrs(all.find((node) => node.metadata.name === pod.spec.nodeName)!);
        expect(cidrs).toHaveLength(families.length);
        expect(podIps(pod)).toHaveLength(families.length);
        for (const family of families) expect(inside(ofFamily(cidrs, family)!, podIpOf(pod, family))).toBe(true);
      }
    });

    it("records the pod kubelet names at each ADD (tscni ipam ls); the agent's reconcile, with the DaemonSet's RBAC, releases a leaked address of each family and nothing else", async () => {
      const { cluster, probe } = ctx;
      const demo = (await probe.pods('app=demo'))[0]!;
      const node = demo.spec.nodeName;
      const held = (await cluster.onNode(node, ['/opt/cni/bin/tscni', 'ipam', 'ls', '--json'])).trim().split('\n').map((line) => JSON.parse(line));
      for (const ip of podIps(demo)) {
        expect(held).toContainEqual(expect.objectContaining({ network: 'tscni', ip, pod: expect.objectContaining({ namespace: 'default', name: demo.metadata.name, uid: demo.metadata.uid }) }));
      }
      // What a runtime that died between ADD and DEL leaves: an address held for a pod that is gone.
      // One range per family, as the agent's conflist has: the leak holds an address of each.
      const ranges = podCidrs((await probe.nodes()).find((n) => n.metadata.name === node)!).map((subnet) => [{ subnet }]);
      const config = JSON.stringify({ cniVersion: '1.0.0', name: 'tscni', type: 'tscni-bridge', ipam: { type: 'tscni-host-local', ranges } });
      const env = 'CNI_COMMAND=ADD CNI_CONTAINERID=leaked-sandbox CNI_NETNS=/var/run/netns/gone CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=gone;K8S_POD_UID=0b7a6a2e-0000-4000-8000-00000000dead"';
      const leaked: string[] = JSON.parse(await cluster.onNode(node, ['sh', '-c', `echo '${config}' | ${env} /opt/cni/bin/tscni-host-local`])).ips.map((ip: { address: string }) => ip.address.split('/')[0]);
      expect(leaked).toHaveLength(families.length);
      const check = await cluster.onNode(node, ['sh', '-c', '/opt/cni/bin/tscni ipam check --json; echo exit $?']);
      for (const ip of leaked) expect(check).toMatch(new RegExp(`"ip":"${ip}".*its network namespace /var/run/netns/gone is gone[^]*exit 1`));
      const agent = onNodeOf(await probe.pods('app=tscni', 'kube-system'), node);
      const out = await cluster.kubectl(['-n', 'kube-system', 'exec', agent.metadata.name, '--', '/opt/tscni/bin/tscni-agent', 'reconcile-ipam', '--ipam-reconcile-grace', '0s']);
      expect(out.trim().split('\n').map((line) => JSON.parse(line))).toEqual(expect.arrayContaining(leaked.map((ip) => ({ released: expect.objectContaining({ ip }) }))));
      expect(out.trim().split('\n')).toHaveLength(leaked.length);
      for (const ip of leaked) expect(await probe.addressFiles(node)).not.toContain(ip);
      for (const ip of podIps(demo)) expect(await probe.addressFiles(node)).toContain(ip);
    });

    familyChecks(ctx);
    netpolChecks(ctx);
    upgradeChecks(ctx);
    faultChecks(ctx);

    it('leaves the host as it found it: links, firewall and sysctls', async () => {
      await ctx.timed('cluster and engine removed', teardown);
      expect(hostStateChanges(hostBefore, await hostState())).toEqual([]);
    });
  });
}
