import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Family } from '@tscni/core';
import { REPO_ROOT } from '../paths.js';
import { KIND_NETWORKS, ofFamily, type KindNetwork } from './ip-family.js';
import type { KindSetup } from './setup.js';

/** The image deploy/daemonset.yaml runs; the kind suite builds and loads it under this name. */
export const IMAGE = 'tscni:dev';
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
/** The seed's IPv4 cluster (the others: KIND_NETWORKS). */
export const KIND_CONFIG = KIND_NETWORKS.ipv4.config;
export const DEMO_MANIFEST = join(DEPLOY_DIR, 'examples', 'demo-daemonset.yaml');

export interface KubeList<T> {
  items: T[];
}
export interface KubeNode {
  metadata: { name: string };
  spec: { podCIDR?: string; podCIDRs?: string[] };
  status: { addresses: Array<{ type: string; address: string }>; conditions: Array<{ type: string; status: string; lastHeartbeatTime?: string }> };
}
export interface KubePod {
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string> };
  spec: { nodeName: string; hostNetwork?: boolean };
  status: { podIP: string; podIPs?: Array<{ ip: string }>; phase: string; containerStatuses?: Array<{ ready: boolean; restartCount: number }> };
}

/** The node's InternalIP: the first one kubelet reports, or the one of a family (a dual-stack node has both). */
export function internalIp(node: KubeNode, family?: Family): string {
  const all = node.status.addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address);
  const found = family ? ofFamily(all, family) : all[0];
  if (!found) throw new Error(`node ${node.metadata.name} has no ${family ? `IPv${family} ` : ''}InternalIP (it has ${all.join(', ') || 'none'})`);
  return found;
}
/** A node's pod CIDRs, one per family. */
export const podCidrs = (node: KubeNode): string[] => node.spec.podCIDRs ?? (node.spec.podCIDR ? [node.spec.podCIDR] : []);
/** A pod's addresses, one per family. */
export const podIps = (pod: KubePod): string[] => pod.status.podIPs?.map((ip) => ip.ip) ?? (pod.status.podIP ? [pod.status.podIP] : []);
export const isReady = (node: KubeNode): boolean =>
  node.status.conditions.some((condition) => condition.type === 'Ready' && condition.status === 'True');

/** A kind cluster driven through the kind CLI, kubectl and the container engine of a KindSetup. */
export class KindCluster {
  readonly kubeconfig: string;

  /** `network`: which of deploy/'s kind configs the cluster is made from (its address families). */
  constructor(
    readonly name: string,
    readonly setup: KindSetup,
    dir: string,
    readonly network: KindNetwork = KIND_NETWORKS.ipv4,
  ) {
    this.kubeconfig = join(dir, 'kubeconfig');
  }

  get engine() {
    return this.setup.engine;
  }

  /**
   * kind's own wait is off: the nodes stay NotReady until tscni runs. One
   * more try after a failed create: a node that cannot start on a loaded
   * 2-core machine is kind's node, not tscni (the node image's systemctl
   * waits for systemd for the one such failure understood: see
   * packages/testbed/kind-offline/README.md).
   */
  async create(): Promise<void> {
    const image = this.setup.nodeImage ? ['--image', this.setup.nodeImage] : [];
    const create = () => this.kind(['create', 'cluster', '--name', this.name, '--config', this.network.config, '--kubeconfig', this.kubeconfig, '--wait', '0s', ...image]);
    try {
      await create();
    } catch (error) {
      console.warn(`kind create cluster failed, once more after deleting it: ${(error as Error).message.split('\n').slice(-5).join('\n')}`);
      await this.delete().catch(() => undefined);
      await create();
    }
  }

  async delete(): Promise<void> {
    await this.kind(['delete', 'cluster', '--name', this.name, '--kubeconfig', this.kubeconfig]);
  }

  /** Builds deploy/Dockerfile from the repository root, as a user does, and loads it into every node. */
  async loadImage(tag = IMAGE): Promise<void> {
    const base = this.setup.tscniBase ? ['--build-arg', `BASE=${this.setup.tscniBase}`] : [];
    await this.engine.run(this.engine.kind, ['build', '-q', ...base, '-f', join(DEPLOY_DIR, 'Dockerfile'), '-t', tag, REPO_ROOT]);
    if (this.engine.kind === 'docker') {
      await this.kind(['load', 'docker-image', tag, '--name', this.name]);
      return;
    }
    // kind cannot read podman's store directly: go through an archive.
    const dir = await mkdtemp(join(tmpdir(), 'tscni-kind-'));
    try {
      await this.engine.run('podman', ['save', '--format', 'docker-archive', '-o', join(dir, 'image.tar'), tag]);
      await this.kind(['load', 'image-archive', join(dir, 'image.tar'), '--name', this.name]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** deploy/ applied as a user applies it: the DaemonSet rolled out, and every node Ready. */
  async rollOutTscni(): Promise<void> {
    await this.kubectl(['apply', '-k', DEPLOY_DIR]);
    await this.kubectl(['-n', 'kube-system', 'rollout', 'status', 'daemonset/tscni', '--timeout=300s']);
    await this.kubectl(['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=300s']);
  }

  async kubectl(args: string[]): Promise<string> {
    return (await this.engine.run(this.setup.kubectl, ['--kubeconfig', this.kubeconfig, ...args])).stdout;
  }

  /** kubectl apply of objects made in the test (through a file: the engine's clients take no stdin). */
  async apply(...objects: object[]): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'tscni-kind-'));
    try {
      const file = join(dir, 'objects.json');
      await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
      await this.kubectl(['apply', '-f', file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async kubectlJson<T>(args: string[]): Promise<T> {
    return JSON.parse(await this.kubectl([...args, '-o', 'json'])) as T;
  }

  /** A command on a node itself (its container): the node's own network namespace and tools. */
  async onNode(node: string, command: string[]): Promise<string> {
    return (await this.engine.run(this.engine.kind, ['exec', node, ...command])).stdout;
  }

  /**
   * Runs a container on the nodes' network: "outside" the cluster, as the
   * internet is. Resolves its address of each of the cluster's families
   * (kind gives its network an IPv6 subnet when the cluster has IPv6).
   */
  async runOutside(name: string, image: string, command: string[]): Promise<Map<Family, string>> {
    await this.engine.run(this.engine.kind, ['run', '-d', '--name', name, '--network', 'kind', image, ...command]);
    const format = '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.GlobalIPv6Address}}{{end}}';
    const addresses = (await this.engine.run(this.engine.kind, ['inspect', '-f', format, name])).stdout.trim().split(/\s+/);
    const byFamily = new Map<Family, string>();
    for (const family of this.network.families) {
      const address = ofFamily(addresses, family);
      if (!address) throw new Error(`the outside container has no IPv${family} address on kind's network (${addresses.join(' ')})`);
      byFamily.set(family, address);
    }
    return byFamily;
  }

  async execOutside(name: string, command: string[]): Promise<string> {
    return (await this.engine.run(this.engine.kind, ['exec', name, ...command])).stdout;
  }

  async logsOf(container: string): Promise<string> {
    const result = await this.engine.run(this.engine.kind, ['logs', container]);
    return result.stdout + result.stderr;
  }

  /** A node's container stopped and started again: the nearest thing to a reboot a kind node has (its /run is a tmpfs, /var is kept). */
  async restartContainer(name: string): Promise<void> {
    await this.engine.run(this.engine.kind, ['restart', name]);
  }

  async removeContainer(name: string): Promise<void> {
    await this.engine.tryRun(this.engine.kind, ['rm', '-f', name]);
  }

  private kind(args: string[]) {
    return this.engine.run(this.setup.kind, args);
  }
}
