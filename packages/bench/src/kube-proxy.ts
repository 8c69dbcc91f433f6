import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { waitFor, type TestNamespace } from '@tscni/core/testing';
import type { RealControlPlane } from '@tscni/testbed/control-plane';

type Json = Record<string, unknown>;

/**
 * Admin access to the real kube-apiserver at many requests a second:
 * `kubectl proxy` on a unix socket, started once inside the API server's
 * namespace and reached from here through the file, instead of a kubectl
 * process per request. It authenticates as a ServiceAccount bound to
 * cluster-admin.
 */
export class KubeProxy {
  private constructor(
    private readonly socket: string,
    private readonly proxy: ChildProcess,
  ) {}

  static async start(plane: RealControlPlane, kubectl: string, apiNs: TestNamespace, dir: string): Promise<KubeProxy> {
    await plane.kubectl(['-n', 'kube-system', 'create', 'serviceaccount', 'bench-admin']);
    await plane.kubectl(['create', 'clusterrolebinding', 'bench-admin', '--clusterrole=cluster-admin', '--serviceaccount=kube-system:bench-admin']);
    const kubeconfig = await plane.serviceAccountKubeconfig('kube-system', 'bench-admin', join(dir, 'bench-admin.kubeconfig'));
    const socket = join(dir, 'kubectl-proxy.sock');
    const proxy = spawn('nsenter', [`--net=${apiNs.path}`, '--', kubectl, '--kubeconfig', kubeconfig, 'proxy', `--unix-socket=${socket}`], { stdio: 'ignore' });
    const api = new KubeProxy(socket, proxy);
    await waitFor('kubectl proxy to answer', async () => (await api.call('GET', '/readyz').catch(() => undefined)) !== undefined, { timeoutMs: 30_000, intervalMs: 100 });
    return api;
  }

  stop(): void {
    this.proxy.kill('SIGTERM');
  }

  /** One request; rejects on a status that is not 2xx, with the API's message. */
  call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Json> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      // kubectl proxy accepts only requests addressed to localhost.
      const headers: Record<string, string> = { host: 'localhost', ...(payload && { 'content-type': contentType }) };
      const sent = request({ socketPath: this.socket, method, path, headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) reject(new Error(`${method} ${path}: ${status} ${text.slice(0, 500)}`));
          else resolve(text.startsWith('{') ? (JSON.parse(text) as Json) : {});
        });
      });
      sent.on('error', reject);
      sent.end(payload);
    });
  }
}

/** Runs `fn` over `items` with `concurrency` calls in flight: the set-up's thousands of objects. */
export async function inParallel<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
