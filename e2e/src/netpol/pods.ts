import { randomBytes } from 'node:crypto';
import { ChainRunner, CniError, execaRunner, parseConfList, type Runner } from '@tscni/core';
import { BIN_DIR, type Sandbox, type TestNamespace } from '@tscni/core/testing';
import type { ContainerPort, KubeApi } from './api.js';
import { conflistText, type PolicyNode } from './nodes.js';
import { Probe, type Proto } from './probe.js';

export interface PodSpec {
  namespace: string;
  name: string;
  node: PolicyNode;
  labels: Record<string, string>;
  /** The containers' ports, named: what a policy's named port resolves to. */
  ports?: readonly ContainerPort[];
  /** Where the pod's probe serves (the container ports' and any other). */
  listen?: ReadonlyArray<{ proto: Proto; port: number }>;
}

export type AddOutcome = { ok: true; ms: number } | { ok: false; ms: number; error: CniError };

/**
 * A pod as kubelet and its runtime make one, without either: the Pod
 * object (bound to its node) in the API, a network namespace with the
 * pod's servers already listening (a container's process may bind before
 * its network exists), ADD through the conflist the node's agent wrote, run
 * inside the node's namespace as a runtime runs it, then the addresses
 * reported in the Pod's status as kubelet reports them.
 */
export class PodSandbox {
  readonly containerId = randomBytes(32).toString('hex');
  ips: string[] = [];

  private constructor(
    readonly spec: PodSpec,
    readonly netns: TestNamespace,
    readonly probe: Probe,
    private readonly api: KubeApi,
    private readonly uid: string,
  ) {}

  get key(): string {
    return `${this.spec.namespace}/${this.spec.name}`;
  }

  /** The Pod object, the namespace and the listening probe: everything up to ADD. */
  static async prepare(sandbox: Sandbox, api: KubeApi, spec: PodSpec): Promise<PodSandbox> {
    const uid = await api.createPod(spec.namespace, spec.name, { nodeName: spec.node.node.name, labels: spec.labels, ports: spec.ports ?? [] });
    const netns = await sandbox.namespace(`${spec.namespace}-${spec.name}`.replace(/^np-/, '').slice(0, 20));
    const probe = await Probe.start(netns, `${spec.namespace}/${spec.name}`);
    await probe.listen(spec.listen ?? []);
    return new PodSandbox(spec, netns, probe, api, uid);
  }

  /** prepare, then ADD (which must succeed). */
  static async create(sandbox: Sandbox, api: KubeApi, spec: PodSpec): Promise<PodSandbox> {
    const pod = await PodSandbox.prepare(sandbox, api, spec);
    await pod.add();
    return pod;
  }

  /** ADD through the node's chain; the addresses go to the Pod's status. Returns how long ADD took (the chain, tscni-netpol's wait included). */
  async add(): Promise<number> {
    const outcome = await this.tryAdd();
    if (!outcome.ok) throw outcome.error;
    return outcome.ms;
  }

  async tryAdd(): Promise<AddOutcome> {
    const { runner, conf, runtimeConf } = await this.chain();
    const started = performance.now();
    try {
      const result = await runner.add(conf, runtimeConf);
      const ms = performance.now() - started;
      this.ips = ((result.ips ?? []) as Array<{ address: string }>).map((ip) => ip.address.split('/')[0]!);
      await this.api.reportPodIps(this.spec.namespace, this.spec.name, this.ips);
      return { ok: true, ms };
    } catch (error) {
      if (!(error instanceof CniError)) throw error;
      return { ok: false, ms: performance.now() - started, error };
    }
  }

  /** DEL through the chain, as a runtime does after a failed ADD or when the pod goes. */
  async del(): Promise<void> {
    const { runner, conf, runtimeConf } = await this.chain();
    await runner.del(conf, runtimeConf);
  }

  /** The pod's address of a family. */
  ip(family: 4 | 6): string {
    const found = this.ips.find((ip) => ip.includes(':') === (family === 6));
    if (!found) throw new Error(`${this.key} has no IPv${family} address (${this.ips.join(', ')})`);
    return found;
  }

  private async chain() {
    const node = this.spec.node;
    // Every plugin of the chain runs inside the node's namespace: the bridge, rules and routes land there.
    const inNode: Runner = { run: (file, args, options = {}) => execaRunner.run(file, args, { ...options, netns: node.node.ns.path }) };
    const runner = new ChainRunner({ cniPath: [BIN_DIR], cacheDir: node.cacheDir, runner: inNode });
    const conf = parseConfList(await conflistText(node));
    const args: Array<[string, string]> = [
      ['IgnoreUnknown', '1'],
      ['K8S_POD_NAMESPACE', this.spec.namespace],
      ['K8S_POD_NAME', this.spec.name],
      ['K8S_POD_INFRA_CONTAINER_ID', this.containerId],
      ['K8S_POD_UID', this.uid],
    ];
    return { runner, conf, runtimeConf: { containerId: this.containerId, netns: this.netns.path, ifName: 'eth0', args } };
  }
}
