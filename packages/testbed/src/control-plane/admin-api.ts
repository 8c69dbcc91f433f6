import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { waitFor, type TestNamespace } from '@tscni/core/testing';
import type { RealControlPlane } from './real-control-plane.js';

export type Json = Record<string, unknown>;

/**
 * Admin access to the real kube-apiserver at many requests a second:
 * `kubectl proxy` on a unix socket, started once inside the API server's
 * namespace and reached from here through the file, instead of a kubectl
 * process per request (a second each on a busy machine). It authenticates
 * as a ServiceAccount (named `account`) bound to cluster-admin.
 */
export class AdminApi {
  private constructor(
    private readonly socket: string,
    private readonly proxy: ChildProcess,
  ) {}

  static async start(plane: RealControlPlane, kubectl: string, apiNs: TestNamespace, dir: string, account: string): Promise<AdminApi> {
    await plane.kubectl(['-n', 'kube-system', 'create', 'serviceaccount', account]);
    await plane.kubectl(['create', 'clusterrolebinding', account, '--clusterrole=cluster-admin', `--serviceaccount=kube-system:${account}`]);
    const kubeconfig = await plane.serviceAccountKubeconfig('kube-system', account, join(dir, `${account}.kubeconfig`));
    const socket = join(dir, `${account}-proxy.sock`);
    const proxy = spawn('nsenter', [`--net=${apiNs.path}`, '--', kubectl, '--kubeconfig', kubeconfig, 'proxy', `--unix-socket=${socket}`], { stdio: 'ignore' });
    const api = new AdminApi(socket, proxy);
    await waitFor('kubectl proxy to answer', async () => (await api.call('GET', '/readyz').catch(() => undefined)) !== undefined, { timeoutMs: 30_000, intervalMs: 100 });
    return api;
  }

  stop(): void {
    this.proxy.kill('SIGTERM');
  }

  /** One request; rejects on a status that is not 2xx, with the API's message. A body that is not JSON comes back as `{ text }`. */
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
          else resolve(text.startsWith('{') ? (JSON.parse(text) as Json) : { text });
        });
      });
      sent.on('error', reject);
      sent.end(payload);
    });
  }
}
