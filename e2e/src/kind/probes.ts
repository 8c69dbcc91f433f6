import { parseIp, type Family } from '@tscni/core';
import { waitFor } from '@tscni/core/testing';
import { ROUTE_PROTOCOL } from '@tscni/route-sync';
import { internalIp, ofFamily, podCidrs, type KindCluster, type KubeList, type KubeNode, type KubePod } from '@tscni/testbed/kind';

/** Where the conflist's host-local keeps its allocations on a node: one file per address, of either family. */
export const IPAM_DIR = '/var/lib/cni/networks/tscni';

/** What tscni-masq's chain holds for one family: the cluster's pod subnet kept, the rest masqueraded (as `iptables -S` prints it). */
export function expectedMasqRules(clusterCidr: string): string[] {
  return [
    '-N TSCNI-MASQ',
    `-A TSCNI-MASQ -d ${clusterCidr} -m comment --comment "tscni-masq: no masquerade to ${clusterCidr}" -j RETURN`,
    '-A TSCNI-MASQ -m comment --comment "tscni-masq: masquerade the rest" -j MASQUERADE',
  ];
}

/** A pod's address of one family. */
export function podIpOf(pod: KubePod, family: Family): string {
  const all = pod.status.podIPs?.map((ip) => ip.ip) ?? [pod.status.podIP];
  const found = ofFamily(all, family);
  if (!found) throw new Error(`pod ${pod.metadata.name} has no IPv${family} address (${all.join(', ')})`);
  return found;
}

/** The kind suite's reads of a cluster: its objects through kubectl, a node's state through the node's own tools. */
export class KindProbes {
  constructor(private readonly cluster: KindCluster) {}

  async nodes(): Promise<KubeNode[]> {
    return (await this.cluster.kubectlJson<KubeList<KubeNode>>(['get', 'nodes'])).items;
  }

  async workers(): Promise<KubeNode[]> {
    return (await this.nodes()).filter((node) => !node.metadata.name.endsWith('control-plane'));
  }

  /** The pods of a selector that have an address. */
  async pods(selector: string, namespace = 'default'): Promise<KubePod[]> {
    return (await this.cluster.kubectlJson<KubeList<KubePod>>(['-n', namespace, 'get', 'pods', '-l', selector])).items.filter((pod) => pod.status.podIP);
  }

  execIn(pod: KubePod, command: string[]): Promise<string> {
    return this.cluster.kubectl(['exec', pod.metadata.name, '--', ...command]);
  }

  // Debian's busybox 1.35 wget crashes with -T: `timeout` bounds it instead.
  httpGet(pod: KubePod, url: string): Promise<string> {
    return this.execIn(pod, ['timeout', '5', 'wget', '-q', '-O', '-', url]);
  }

  /** busybox ping picks the family from the address. */
  pingsFrom(pod: KubePod, ip: string, count = 1): Promise<string> {
    return this.execIn(pod, ['ping', '-c', String(count), '-W', '5', ip]);
  }

  rollout(what: string, namespace = 'default'): Promise<string> {
    return this.cluster.kubectl(['-n', namespace, 'rollout', 'status', what, '--timeout=300s']);
  }

  /**
   * SIGKILL to the agent's processes on a node, found by their command line
   * (kind's node image may lack pkill); never the shell doing it. Resolves
   * once kubelet has restarted the container and it is ready again.
   */
  async killAgent(node: string): Promise<void> {
    const agent = (await this.pods('app=tscni', 'kube-system')).find((pod) => pod.spec.nodeName === node)!;
    const restarts = async () =>
      (await this.cluster.kubectlJson<{ status: { containerStatuses?: Array<{ restartCount: number; ready: boolean }> } }>(['-n', 'kube-system', 'get', 'pod', agent.metadata.name])).status.containerStatuses?.[0];
    const before = (await restarts())?.restartCount ?? 0;
    await this.cluster.onNode(node, ['sh', '-c', 'for p in /proc/[0-9]*; do n=${p#/proc/}; [ "$n" = "$$" ] && continue; tr "\\0" " " <$p/cmdline 2>/dev/null | grep -q "^[^ ]*node /opt/tscni/bin/tscni-agent" && kill -9 $n; done; true']);
    await waitFor(`the killed agent on ${node} restarted and ready`, async () => {
      const status = await restarts();
      return status && status.restartCount > before && status.ready ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500 });
  }

  /** A node's routes of one family that route-sync made (protocol 243): destination to gateway. */
  async ourRoutes(node: string, family: Family): Promise<Record<string, string>> {
    const out = await this.cluster.onNode(node, ['ip', `-${family}`, '-j', 'route', 'show', 'proto', String(ROUTE_PROTOCOL)]);
    const routes = JSON.parse(out) as Array<{ dst: string; gateway: string }>;
    return Object.fromEntries(routes.map((route) => [route.dst, route.gateway]));
  }

  /** What route-sync should have made on `node`: every peer's pod CIDR of the family via the peer's InternalIP of that family. */
  expectedRoutes(all: KubeNode[], node: string, family: Family): Record<string, string> {
    const peers = all.filter((n) => n.metadata.name !== node);
    return Object.fromEntries(peers.map((peer) => [ofFamily(podCidrs(peer), family)!, internalIp(peer, family)]));
  }

  /** tscni-masq's chain of one family on a node (iptables or ip6tables, in the flavour the node uses). */
  async masqRules(node: string, family: Family): Promise<string[]> {
    return (await this.cluster.onNode(node, [family === 4 ? 'iptables' : 'ip6tables', '-t', 'nat', '-S', 'TSCNI-MASQ'])).trim().split('\n');
  }

  /** Whether a family's chain exists on the node at all. */
  async hasMasqChain(node: string, family: Family): Promise<boolean> {
    const save = await this.cluster.onNode(node, [family === 4 ? 'iptables-save' : 'ip6tables-save', '-t', 'nat']);
    return save.split('\n').some((line) => line.startsWith(':TSCNI-MASQ '));
  }

  /** The addresses host-local holds on a node, of either family. */
  async addressFiles(node: string): Promise<string[]> {
    const out = await this.cluster.onNode(node, ['sh', '-c', `ls ${IPAM_DIR} 2>/dev/null || true`]);
    return out.split('\n').filter((name) => parseIp(name));
  }

  async veths(node: string): Promise<number> {
    return (await this.cluster.onNode(node, ['ip', '-o', 'link', 'show', 'type', 'veth'])).split('\n').filter(Boolean).length;
  }

  /** The nat rules of both families that mention a port (portmap's DNAT for a hostPort). */
  async natRulesFor(node: string, port: number): Promise<string[]> {
    const lines: string[] = [];
    for (const save of ['iptables-save', 'ip6tables-save']) {
      lines.push(...(await this.cluster.onNode(node, [save, '-t', 'nat'])).split('\n').filter((line) => line.includes(`--dport ${port}`)));
    }
    return lines;
  }
}
