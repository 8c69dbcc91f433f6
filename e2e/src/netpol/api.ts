import type { TestNamespace } from '@tscni/core/testing';
import { AdminApi, type Json, type RealControlPlane } from '@tscni/testbed/control-plane';

/** A container port as a policy's named port resolves it. */
export interface ContainerPort {
  name: string;
  containerPort: number;
  protocol?: 'TCP' | 'UDP';
}

/** The test's admin access to the real kube-apiserver (AdminApi: kubectl proxy on a unix socket), with the objects this suite makes. */
export class KubeApi {
  private constructor(private readonly api: AdminApi) {}

  static async start(plane: RealControlPlane, kubectl: string, apiNs: TestNamespace, dir: string): Promise<KubeApi> {
    return new KubeApi(await AdminApi.start(plane, kubectl, apiNs, dir, 'netpol-e2e-admin'));
  }

  stop(): void {
    this.api.stop();
  }

  call(method: string, path: string, body?: unknown, contentType?: string): Promise<Json> {
    return this.api.call(method, path, body, contentType);
  }

  /** A Namespace with labels, and its default ServiceAccount (no controller manager runs here to make it; Pod admission wants it). */
  async createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
    await this.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    await this.call('POST', `/api/v1/namespaces/${name}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  }

  /** A Pod as the scheduler leaves it: bound to a node, with labels and named container ports. No kubelet runs it. */
  async createPod(namespace: string, name: string, spec: { nodeName: string; labels: Record<string, string>; ports: readonly ContainerPort[] }): Promise<string> {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels: spec.labels },
      spec: { nodeName: spec.nodeName, containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10.1', ports: spec.ports }] },
    };
    const created = await this.call('POST', `/api/v1/namespaces/${namespace}/pods`, pod);
    return (created.metadata as { uid: string }).uid;
  }

  /** What kubelet reports once the sandbox has its network: Running, with the addresses ADD gave it. */
  async reportPodIps(namespace: string, name: string, ips: readonly string[]): Promise<void> {
    const status = { phase: 'Running', podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) };
    await this.call('PATCH', `/api/v1/namespaces/${namespace}/pods/${name}/status`, { status }, 'application/merge-patch+json');
  }

  async createPolicy(namespace: string, name: string, spec: Json): Promise<void> {
    await this.call('POST', `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace },
      spec,
    });
  }

  async deletePolicy(namespace: string, name: string): Promise<void> {
    await this.call('DELETE', `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/${name}`);
  }
}
