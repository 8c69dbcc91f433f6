import { parseIp, parsePrefix, prefixContains } from '@tscni/core';
import { randomBytes } from 'node:crypto';
import { DEMO_MANIFEST, DEPLOY_DIR, KindCluster } from '../src/kind/kind-cluster.js';
import { findKindTools, type Engine } from '../src/kind/tools.js';

interface KubeList<T> {
  items: T[];
}
interface KubeNode {
  metadata: { name: string };
  spec: { podCIDR?: string };
  status: { addresses: Array<{ type: string; address: string }>; conditions: Array<{ type: string; status: string }> };
}
interface KubePod {
  metadata: { name: string };
  spec: { nodeName: string };
  status: { podIP: string };
}

const tools = await findKindTools();

if (tools.usable) {
  kindSuite(tools.engine);
} else {
  console.warn(`kind suite skipped: ${tools.reason}`);
  describe('tscni on a kind cluster', () => {
    it.skip(`skipped: ${tools.reason} (the suite needs kind, kubectl and docker or podman)`, () => undefined);
  });
}

/** deploy/ on a fresh kind cluster, checked as the seed scenario was. */
function kindSuite(engine: Engine): void {
  describe('tscni on a kind cluster', () => {
    const cluster = new KindCluster(`tscni-e2e-${randomBytes(3).toString('hex')}`, engine);
    const outside = `${cluster.name}-outside`;
    let nodes: KubeNode[];
    let pods: KubePod[];
    let outsideIp: string;

    const internalIp = (node: KubeNode) => node.status.addresses.find((a) => a.type === 'InternalIP')!.address;
    const nodeOf = (pod: KubePod) => nodes.find((n) => n.metadata.name === pod.spec.nodeName)!;
    const execIn = (pod: KubePod, command: string[]) => cluster.kubectl(['exec', pod.metadata.name, '--', ...command]);

    beforeAll(async () => {
      await cluster.create();
      await cluster.loadImage();
      await cluster.kubectl(['apply', '-k', DEPLOY_DIR]);
      await cluster.kubectl(['-n', 'kube-system', 'rollout', 'status', 'daemonset/tscni', '--timeout=300s']);
      await cluster.kubectl(['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=300s']);
      await cluster.kubectl(['apply', '-f', DEMO_MANIFEST]);
      await cluster.kubectl(['rollout', 'status', 'daemonset/demo', '--timeout=300s']);
      outsideIp = await cluster.runOutside(outside, 'busybox:1.36', ['httpd', '-f', '-v', '-p', '8080']);
      nodes = (await cluster.kubectlJson<KubeList<KubeNode>>(['get', 'nodes'])).items;
      pods = (await cluster.kubectlJson<KubeList<KubePod>>(['get', 'pods', '-l', 'app=demo'])).items;
    }, 20 * 60_000);
    afterAll(async () => {
      await cluster.removeContainer(outside);
      await cluster.delete();
    }, 5 * 60_000);

    it('has three Ready nodes', () => {
      expect(nodes).toHaveLength(3);
      for (const node of nodes) expect(node.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    });

    it('gives every demo pod an IP inside its node podCIDR', () => {
      expect(pods.length).toBeGreaterThanOrEqual(2);
      for (const pod of pods) {
        const cidr = parsePrefix(nodeOf(pod).spec.podCIDR ?? '');
        expect(cidr && prefixContains(cidr, parseIp(pod.status.podIP)!)).toBe(true);
      }
    });

    it('pings between pods on different nodes with ttl 62', async () => {
      const [from, to] = pods;
      expect(from!.spec.nodeName).not.toBe(to!.spec.nodeName);
      expect(await execIn(from!, ['ping', '-c', '1', '-W', '5', to!.status.podIP])).toMatch(/ttl=62/);
    });

    it('reaches a pod on another node from a node', async () => {
      const [pod] = pods;
      const other = nodes.find((n) => n.metadata.name !== pod!.spec.nodeName)!;
      expect(await cluster.onNode(other.metadata.name, ['ping', '-c', '1', '-W', '5', pod!.status.podIP])).toMatch(/1 received/);
    });

    it('masquerades pod-to-outside traffic to the node IP', async () => {
      const [pod] = pods;
      // httpd answers 404, which wget reports as a failure: only the connection matters.
      await execIn(pod!, ['sh', '-c', `wget -q -O /dev/null -T 5 http://${outsideIp}:8080/; true`]);
      const log = await cluster.logsOf(outside);
      expect(log).toContain(internalIp(nodeOf(pod!)));
      expect(log).not.toContain(pod!.status.podIP);
    });
  });
}
