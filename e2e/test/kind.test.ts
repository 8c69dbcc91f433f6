import { parseIp, parsePrefix, prefixContains } from '@tscni/core';
import { ROUTE_PROTOCOL } from '@tscni/route-sync';
import { waitFor } from '@tscni/core/testing';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chooseKindMode,
  DEMO_MANIFEST,
  hostState,
  hostStateChanges,
  internalIp,
  isReady,
  KindCluster,
  prepareKind,
  type HostState,
  type KubeList,
  type KubeNode,
  type KubePod,
} from '@tscni/testbed/kind';
import { HOST_PORT, hostPortPod, pinnedPod, scaleDeployment, web, WEB_PORT, webNodePort, webService } from '../src/kind/workloads.js';

const IPAM_DIR = '/var/lib/cni/networks/tscni';
const choice = await chooseKindMode();

if (choice.usable) {
  kindSuite(choice.mode);
} else {
  console.warn(`kind suite skipped: ${choice.reason}`);
  describe('tscni on a kind cluster', () => {
    it.skip(`skipped: ${choice.reason}`, () => undefined);
  });
}

/** deploy/ on a fresh kind cluster, checked as a user would, then shaken. */
function kindSuite(mode: 'online' | 'offline'): void {
  describe(`tscni on a kind cluster (${mode})`, () => {
    const id = randomBytes(3).toString('hex');
    const timings: Array<[string, number]> = [];
    let hostBefore: HostState;
    let dir: string;
    let cluster: KindCluster;
    let outsideIp: string;
    const outside = `tscni-e2e-${id}-outside`;
    let stopped = false;

    const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      const value = await work();
      timings.push([what, Date.now() - started]);
      return value;
    };
    const nodes = async () => (await cluster.kubectlJson<KubeList<KubeNode>>(['get', 'nodes'])).items;
    const pods = async (selector: string) =>
      (await cluster.kubectlJson<KubeList<KubePod>>(['get', 'pods', '-l', selector])).items.filter((pod) => pod.status.podIP);
    const execIn = (pod: KubePod, command: string[]) => cluster.kubectl(['exec', pod.metadata.name, '--', ...command]);
    const workers = async () => (await nodes()).filter((node) => !node.metadata.name.endsWith('control-plane'));
    const onNodeOf = (all: KubePod[], node: string) => all.find((pod) => pod.spec.nodeName === node)!;
    const ourRoutes = async (node: string): Promise<Record<string, string>> => {
      const routes = JSON.parse(await cluster.onNode(node, ['ip', '-j', 'route', 'show', 'proto', String(ROUTE_PROTOCOL)])) as Array<{ dst: string; gateway: string }>;
      return Object.fromEntries(routes.map((route) => [route.dst, route.gateway]));
    };
    const expectedRoutes = (all: KubeNode[], node: string) =>
      Object.fromEntries(all.filter((n) => n.metadata.name !== node).map((n) => [n.spec.podCIDR!, internalIp(n)]));
    const masqRules = async (node: string) => (await cluster.onNode(node, ['iptables', '-t', 'nat', '-S', 'TSCNI-MASQ'])).trim().split('\n');
    const addressFiles = async (node: string) =>
      (await cluster.onNode(node, ['sh', '-c', `ls ${IPAM_DIR} 2>/dev/null || true`])).split('\n').filter((name) => parseIp(name));
    const veths = async (node: string) => (await cluster.onNode(node, ['ip', '-o', 'link', 'show', 'type', 'veth'])).split('\n').filter(Boolean).length;
    const rollout = (what: string, namespace = 'default') =>
      cluster.kubectl(['-n', namespace, 'rollout', 'status', what, '--timeout=300s']);
    // Debian's busybox 1.35 wget crashes with -T: `timeout` bounds it instead.
    const httpGet = (pod: KubePod, url: string) => execIn(pod, ['timeout', '5', 'wget', '-q', '-O', '-', url]);
    const pingsFrom = async (pod: KubePod, ip: string, count = 1) => execIn(pod, ['ping', '-c', String(count), '-W', '5', ip]);

    beforeAll(async () => {
      hostBefore = await hostState();
      dir = await mkdtemp(join(tmpdir(), 'tscni-kind-'));
      const setup = await timed('offline build (cached) and engine start', () => prepareKind(mode, id));
      cluster = new KindCluster(`tscni-${id}`, setup, dir);
      await timed('kind create cluster (3 nodes)', () => cluster.create());
    }, 60 * 60_000);

    afterAll(async () => {
      if (!stopped) await teardown();
      console.log(['kind suite timings:', ...timings.map(([what, ms]) => `  ${(ms / 1000).toFixed(1)} s  ${what}`)].join('\n'));
    }, 5 * 60_000);

    async function teardown(): Promise<void> {
      stopped = true;
      if (cluster) {
        await cluster.removeContainer(outside);
        await cluster.delete().catch(() => undefined);
        await cluster.setup.engine.stop();
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    }

    it('has NotReady nodes before tscni runs', async () => {
      const all = await nodes();
      expect(all).toHaveLength(3);
      for (const node of all) expect(isReady(node)).toBe(false);
    });

    it('rolls out the DaemonSet from deploy/, and every node goes Ready', async () => {
      await timed('tscni image build and kind load', () => cluster.loadImage());
      await timed('DaemonSet rollout and nodes Ready', () => cluster.rollOutTscni());
      for (const node of await nodes()) expect(isReady(node)).toBe(true);
      await timed('demo, web and Services ready', async () => {
        await cluster.kubectl(['apply', '-f', DEMO_MANIFEST]);
        await cluster.apply(web, webService, webNodePort);
        await rollout('daemonset/demo');
        await rollout('daemonset/web');
      });
      outsideIp = await cluster.runOutside(outside, 'busybox:1.36', ['httpd', '-f', '-vv', '-p', '8080', '-h', '/tmp']);
    });

    it('runs CoreDNS on the pod network, and a pod resolves kubernetes.default', async () => {
      await cluster.kubectl(['-n', 'kube-system', 'rollout', 'status', 'deployment/coredns', '--timeout=300s']);
      const coredns = (await cluster.kubectlJson<KubeList<KubePod>>(['-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns'])).items;
      expect(coredns.length).toBeGreaterThan(0);
      for (const pod of coredns) expect(prefixContains(parsePrefix('10.244.0.0/16')!, parseIp(pod.status.podIP)!)).toBe(true);
      const [demo] = await pods('app=demo');
      expect(await execIn(demo!, ['nslookup', 'kubernetes.default.svc.cluster.local'])).toMatch(/Address:\s+10\.96\.0\.1/);
    });

    it('gives every pod an IP inside its node podCIDR', async () => {
      const all = await nodes();
      const everyPod = [...(await pods('app=demo')), ...(await pods('app=web'))];
      expect(everyPod).toHaveLength(4);
      for (const pod of everyPod) {
        const cidr = parsePrefix(all.find((node) => node.metadata.name === pod.spec.nodeName)!.spec.podCIDR!)!;
        expect(prefixContains(cidr, parseIp(pod.status.podIP)!)).toBe(true);
      }
    });

    it("records the pod kubelet names at each ADD (tscni ipam ls); the agent's reconcile, with the DaemonSet's RBAC, releases a leaked address and nothing else", async () => {
      const demo = (await pods('app=demo'))[0]!;
      const node = demo.spec.nodeName;
      const held = (await cluster.onNode(node, ['/opt/cni/bin/tscni', 'ipam', 'ls', '--json'])).trim().split('\n').map((line) => JSON.parse(line));
      expect(held).toContainEqual(expect.objectContaining({ network: 'tscni', ip: demo.status.podIP, pod: expect.objectContaining({ namespace: 'default', name: demo.metadata.name, uid: demo.metadata.uid }) }));
      // What a runtime that died between ADD and DEL leaves: an address held for a pod that is gone.
      const podCidr = (await nodes()).find((n) => n.metadata.name === node)!.spec.podCIDR!;
      const config = JSON.stringify({ cniVersion: '1.0.0', name: 'tscni', type: 'tscni-bridge', ipam: { type: 'tscni-host-local', ranges: [[{ subnet: podCidr }]] } });
      const env = 'CNI_COMMAND=ADD CNI_CONTAINERID=leaked-sandbox CNI_NETNS=/var/run/netns/gone CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=gone;K8S_POD_UID=0b7a6a2e-0000-4000-8000-00000000dead"';
      const leaked = JSON.parse(await cluster.onNode(node, ['sh', '-c', `echo '${config}' | ${env} /opt/cni/bin/tscni-host-local`])).ips[0].address.split('/')[0];
      expect(await cluster.onNode(node, ['sh', '-c', '/opt/cni/bin/tscni ipam check --json; echo exit $?'])).toMatch(new RegExp(`"ip":"${leaked}".*its network namespace /var/run/netns/gone is gone[^]*exit 1`));
      const agent = (await cluster.kubectlJson<KubeList<KubePod>>(['-n', 'kube-system', 'get', 'pods', '-l', 'app=tscni'])).items.find((pod) => pod.spec.nodeName === node)!;
      const out = await cluster.kubectl(['-n', 'kube-system', 'exec', agent.metadata.name, '--', '/opt/tscni/bin/tscni-agent', 'reconcile-ipam', '--ipam-reconcile-grace', '0s']);
      expect(out.trim().split('\n').map((line) => JSON.parse(line))).toEqual([{ released: expect.objectContaining({ ip: leaked }) }]);
      expect(await addressFiles(node)).not.toContain(leaked);
      expect(await addressFiles(node)).toContain(demo.status.podIP);
    });

    it("routes each peer's podCIDR via its InternalIP (protocol 243), with one masquerade rule set per node", async () => {
      const all = await nodes();
      for (const node of all) {
        expect(await ourRoutes(node.metadata.name)).toEqual(expectedRoutes(all, node.metadata.name));
        expect(await masqRules(node.metadata.name)).toEqual([
          '-N TSCNI-MASQ',
          '-A TSCNI-MASQ -d 10.244.0.0/16 -m comment --comment "tscni-masq: no masquerade to 10.244.0.0/16" -j RETURN',
          '-A TSCNI-MASQ -m comment --comment "tscni-masq: masquerade the rest" -j MASQUERADE',
        ]);
      }
    });

    it('pings a pod on another node with ttl 62, and the other pod sees the source pod IP', async () => {
      const [a, b] = (await workers()).map((node) => node.metadata.name);
      const from = onNodeOf(await pods('app=demo'), a!);
      const to = onNodeOf(await pods('app=web'), b!);
      expect(await pingsFrom(from, to.status.podIP)).toMatch(/ttl=62/);
      expect((await httpGet(from, `http://${to.status.podIP}:${WEB_PORT}/`)).trim()).toBe(to.metadata.name);
      expect(await cluster.kubectl(['logs', to.metadata.name])).toContain(`${from.status.podIP}]`);
    });

    it('reaches a pod on another node from a node', async () => {
      const [a, b] = (await workers()).map((node) => node.metadata.name);
      const to = onNodeOf(await pods('app=demo'), b!);
      expect(await cluster.onNode(a!, ['ping', '-c', '1', '-W', '5', to.status.podIP])).toMatch(/1 received/);
    });

    it('masquerades pod-to-outside traffic to the node IP', async () => {
      const all = await nodes();
      for (const pod of await pods('app=demo')) {
        // httpd answers 404 for /: only the connection matters.
        await execIn(pod, ['sh', '-c', `timeout 5 wget -q -O /dev/null http://${outsideIp}:8080/; true`]);
        const log = await cluster.logsOf(outside);
        expect(log).toContain(`${internalIp(all.find((node) => node.metadata.name === pod.spec.nodeName)!)}]`);
        expect(log).not.toContain(`${pod.status.podIP}]`);
      }
    });

    it('reaches pods on both workers through a ClusterIP Service and a NodePort', async () => {
      const [demo] = await pods('app=demo');
      const webPods = (await pods('app=web')).map((pod) => pod.metadata.name).sort();
      const seen = new Set<string>();
      await waitFor('answers from both web pods through the ClusterIP', async () => {
        seen.add((await httpGet(demo!, 'http://web.default.svc.cluster.local/')).trim());
        return seen.size === webPods.length;
      }, { timeoutMs: 60_000, intervalMs: 100 });
      expect([...seen].sort()).toEqual(webPods);

      const nodePort = (await cluster.kubectlJson<{ spec: { ports: Array<{ nodePort: number }> } }>(['get', 'service', 'web-nodeport'])).spec.ports[0]!.nodePort;
      for (const node of await workers()) {
        const answer = await cluster.execOutside(outside, ['timeout', '5', 'wget', '-q', '-O', '-', `http://${internalIp(node)}:${nodePort}/`]);
        expect(webPods).toContain(answer.trim());
      }
    });

    it("maps a pod's hostPort on its node: the agent chains the node's portmap", async () => {
      const [a] = (await workers()).map((node) => node.metadata.name);
      const conflist = JSON.parse(await cluster.onNode(a!, ['cat', '/etc/cni/net.d/10-tscni.conflist'])) as { plugins: Array<{ type: string }> };
      expect(conflist.plugins.map((plugin) => plugin.type)).toEqual(['tscni-bridge', 'tscni-masq', 'portmap', 'tscni-route-sync']);
      await cluster.apply(hostPortPod('host-port', a!));
      await cluster.kubectl(['wait', '--for=condition=Ready', 'pod/host-port', '--timeout=120s']);
      const node = (await nodes()).find((n) => n.metadata.name === a)!;
      const answer = await cluster.execOutside(outside, ['timeout', '5', 'wget', '-q', '-O', '-', `http://${internalIp(node)}:${HOST_PORT}/`]);
      expect(answer.trim()).toBe('host-port');
      await cluster.kubectl(['delete', 'pod', 'host-port', '--wait=true']);
      // portmap's DEL takes the DNAT rules with the pod.
      await waitFor(`no DNAT to port ${HOST_PORT} left on ${a}`, async () => !(await cluster.onNode(a!, ['iptables-save', '-t', 'nat'])).includes(`--dport ${HOST_PORT}`), { timeoutMs: 60_000, intervalMs: 500 });
    });

    it('keeps routes and pod traffic while an agent pod is deleted and comes back', async () => {
      const [a, b] = (await workers()).map((node) => node.metadata.name);
      const from = onNodeOf(await pods('app=demo'), a!);
      const to = onNodeOf(await pods('app=demo'), b!);
      const agent = onNodeOf((await cluster.kubectlJson<KubeList<KubePod>>(['-n', 'kube-system', 'get', 'pods', '-l', 'app=tscni'])).items, a!);
      const pings = pingsFrom(from, to.status.podIP, 20);
      await timed('agent pod deleted and back', async () => {
        await cluster.kubectl(['-n', 'kube-system', 'delete', 'pod', agent.metadata.name, '--wait=false']);
        await rollout('daemonset/tscni', 'kube-system');
      });
      expect(await pings).toContain('20 packets received');
      const all = await nodes();
      expect(await ourRoutes(a!)).toEqual(expectedRoutes(all, a!));
    });

    it("survives a restart of a worker's containerd and kubelet: pods keep working, new pods get addresses", async () => {
      const [a, b] = (await workers()).map((node) => node.metadata.name);
      await timed('containerd and kubelet restarted, node Ready', async () => {
        await cluster.onNode(a!, ['systemctl', 'restart', 'containerd', 'kubelet']);
        await waitFor(`${a} Ready again`, async () => isReady((await nodes()).find((node) => node.metadata.name === a)!), { timeoutMs: 120_000, intervalMs: 500 });
      });
      const from = onNodeOf(await pods('app=demo'), a!);
      const to = onNodeOf(await pods('app=demo'), b!).status.podIP;
      // A restarted kubelet serves exec only once it has its pods again.
      expect(await waitFor(`a ping from ${from.metadata.name}`, () => pingsFrom(from, to), { timeoutMs: 60_000, intervalMs: 500 })).toMatch(/ttl=62/);
      await cluster.apply(pinnedPod('after-restart', a!));
      await cluster.kubectl(['wait', '--for=condition=Ready', 'pod/after-restart', '--timeout=120s']);
      const [pod] = await pods('app=pinned');
      const cidr = parsePrefix((await nodes()).find((node) => node.metadata.name === a)!.spec.podCIDR!)!;
      expect(prefixContains(cidr, parseIp(pod!.status.podIP)!)).toBe(true);
      await cluster.kubectl(['delete', 'pod', 'after-restart', '--wait=true']);
      // kubelet tears the sandbox down (CNI DEL) after the pod object is gone.
      await waitFor(`${pod!.status.podIP} released on ${a}`, async () => !(await addressFiles(a!)).includes(pod!.status.podIP), { timeoutMs: 60_000, intervalMs: 500 });
    });

    it('scales to 40 pods and back: every address released, no veth left, the masquerade set unchanged', async () => {
      const workerNames = (await workers()).map((node) => node.metadata.name);
      const before = await Promise.all(workerNames.map(async (node) => ({ files: await addressFiles(node), veths: await veths(node), masq: await masqRules(node) })));
      await timed('40 pods up', async () => {
        await cluster.apply(scaleDeployment(40));
        await rollout('deployment/scale');
      });
      const scaled = await pods('app=scale');
      expect(scaled).toHaveLength(40);
      expect(new Set(scaled.map((pod) => pod.status.podIP)).size).toBe(40);
      for (const [i, node] of workerNames.entries()) {
        expect((await addressFiles(node)).length).toBe(before[i]!.files.length + scaled.filter((pod) => pod.spec.nodeName === node).length);
        expect(await masqRules(node)).toEqual(before[i]!.masq);
      }
      await timed('40 pods down', async () => {
        await cluster.kubectl(['delete', 'deployment', 'scale', '--wait=true']);
        await waitFor('every scale pod gone', async () => (await cluster.kubectlJson<KubeList<KubePod>>(['get', 'pods', '-l', 'app=scale'])).items.length === 0, { timeoutMs: 180_000, intervalMs: 500 });
      });
      for (const [i, node] of workerNames.entries()) {
        await waitFor(`${node}'s addresses and veths back to where they were`, async () =>
          (await addressFiles(node)).sort().join() === before[i]!.files.sort().join() && (await veths(node)) === before[i]!.veths,
        { timeoutMs: 60_000, intervalMs: 500 });
      }
    });

    it('rolls the DaemonSet to a rebuilt image, and pods keep working', async () => {
      await timed('DaemonSet rolled to a rebuilt image', async () => {
        await cluster.loadImage('tscni:rolled');
        await cluster.kubectl(['-n', 'kube-system', 'set', 'image', 'daemonset/tscni', 'agent=tscni:rolled']);
        await rollout('daemonset/tscni', 'kube-system');
      });
      // rollout status returns once the new pods are available: an old one may still be terminating.
      const images = async () =>
        (await cluster.kubectlJson<{ items: Array<{ spec: { containers: Array<{ image: string }> } }> }>(['-n', 'kube-system', 'get', 'pods', '-l', 'app=tscni'])).items.map(
          (pod) => pod.spec.containers[0]!.image,
        );
      await waitFor('the old agent pods gone', async () => (await images()).every((image) => image === 'tscni:rolled'), { timeoutMs: 120_000, intervalMs: 500 });
      expect(await images()).toEqual(['tscni:rolled', 'tscni:rolled', 'tscni:rolled']);
      const [a, b] = (await workers()).map((node) => node.metadata.name);
      expect(await pingsFrom(onNodeOf(await pods('app=demo'), a!), onNodeOf(await pods('app=demo'), b!).status.podIP)).toMatch(/ttl=62/);
    });

    it("deletes a worker (Node object and container): its routes vanish from the other nodes", async () => {
      const all = await nodes();
      const gone = all.find((node) => node.metadata.name.endsWith('worker2'))!;
      await timed('worker deleted and its routes gone', async () => {
        await cluster.kubectl(['delete', 'node', gone.metadata.name]);
        await cluster.removeContainer(gone.metadata.name);
        for (const node of all.filter((n) => n !== gone)) {
          await waitFor(`${node.metadata.name} to drop the route to ${gone.spec.podCIDR}`, async () => !(gone.spec.podCIDR! in (await ourRoutes(node.metadata.name))), { timeoutMs: 60_000, intervalMs: 250 });
        }
      });
      const rest = all.filter((n) => n !== gone);
      for (const node of rest) expect(await ourRoutes(node.metadata.name)).toEqual(expectedRoutes(rest, node.metadata.name));
    });

    it('leaves the host as it found it: links, firewall and sysctls', async () => {
      await timed('cluster and engine removed', teardown);
      expect(hostStateChanges(hostBefore, await hostState())).toEqual([]);
    });
  });
}
