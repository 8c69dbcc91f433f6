import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { waitFor, type TestNamespace } from '@tscni/core/testing';
import type { RealControlPlane } from '@tscni/testbed/control-plane';

type Json = Record<string, unknown>;

/** A container port as a policy's named port resolves it. */
export interface ContainerPort {
  name: string;
  containerPort: number;
  protocol?: 'TCP' | 'UDP';
}

/**
 * The test's admin access to the real kube-apiserver, many requests a
 * second: `kubectl proxy` on a unix socket (started once inside the API
 * server's namespace, reachable from this process through the file) instead
 * of a kubectl process per request, which costs a second on a busy machine.
 * It authenticates as a ServiceAccount bound to cluster-admin.
 */
export class KubeApi {
  private constructor(
    private readonly socket: string,
    private readonly proxy: ChildProcess,
  ) {}

  static async start(plane: RealControlPlane, kubectl: string, apiNs: TestNamespace, dir: string): Promise<KubeApi> {
    await plane.kubectl(['-n', 'kube-system', 'create', 'serviceaccount', 'netpol-e2e-admin']);
    await plane.kubectl(['create', 'clusterrolebinding', 'netpol-e2e-admin', '--clusterrole=cluster-admin', '--serviceaccount=kube-system:netpol-e2e-admin']);
    const kubeconfig = await plane.serviceAccountKubeconfig('kube-system', 'netpol-e2e-admin', join(dir, 'netpol-admin.kubeconfig'));
    const socket = join(dir, 'kube-proxy.sock');
    const proxy = spawn('nsenter', [`--net=${apiNs.path}`, '--', kubectl, '--kubeconfig', kubeconfig, 'proxy', `--unix-socket=${socket}`], { stdio: 'ignore' });
    const api = new KubeApi(socket, proxy);
    await waitFor('kubectl proxy to answer', async () => (await api.call('GET', '/readyz').catch(() => undefined)) !== undefined, { timeoutMs: 30_000, intervalMs: 100 });
    return api;
  }

  stop(): void {
    this.proxy.kill('SIGTERM');
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

  /** One request; rejects on a status that is not 2xx, with the API's message. */
  call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Json> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      // kubectl proxy accepts only requests addressed to localhost.
      const headers: Record<string, string> = { host: 'localhost', ...(payload && { 'content-type': contentType }) };
      const request = httpRequest({ socketPath: this.socket, method, path, headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) reject(new Error(`${method} ${path}: ${status} ${text}`));
          else resolve(text.startsWith('{') ? (JSON.parse(text) as Json) : { text });
        });
      });
      request.on('error', reject);
      request.end(payload);
    });
  }
}
