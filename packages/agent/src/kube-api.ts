import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import type { ListPage } from './trimmed-watch.js';

/**
 * What a person needs from a failed list or watch. A refusal names what
 * to fix: 403 means the agent's RBAC is missing a grant (deploy/rbac.yaml
 * binds get, list and watch on each resource it watches).
 */
export function describeApiError(error: unknown, resource = 'nodes'): string {
  const code = statusOf(error);
  const message = String((error as Error)?.message ?? error);
  if (code === 403) return `forbidden: the API server refused to list or watch ${resource} (RBAC: this agent's ServiceAccount needs get, list and watch on ${resource}, as deploy/rbac.yaml binds): ${message}`;
  if (code === 401) return `unauthorized: the API server did not accept the agent's credentials: ${message}`;
  return message;
}

/** Refused credentials or grants do not fix themselves: worth an error, where a dropped connection is a warning. */
export function isRefusal(error: unknown): boolean {
  const code = statusOf(error);
  return code === 401 || code === 403;
}

/** The HTTP status of a failed request: `code` from the generated clients, `statusCode` from a watch. */
export function statusOf(error: unknown): number | undefined {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/** A kubeconfig file when named, the pod's service account inside a pod, else the usual defaults. */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const config = new KubeConfig();
  if (path) config.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST) config.loadFromCluster();
  else config.loadFromDefault();
  return config;
}

/**
 * One page of a list, parsed as the plain JSON the API server sends. The
 * generated clients make model objects of every item first (for a page of
 * 500 kubelet-sized Nodes: three times the parse's CPU, and a second copy
 * of the page in memory), only for the watch to keep a few fields of each.
 * Authenticated as the kubeconfig says (client-node's HTTPS options).
 */
export async function listPage(kubeConfig: KubeConfig, path: string, page: { limit: number; _continue?: string }): Promise<ListPage> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no current cluster');
  const url = new URL(server + path);
  url.searchParams.set('limit', String(page.limit));
  if (page._continue) url.searchParams.set('continue', page._continue);
  const options: https.RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
  await kubeConfig.applyToHTTPSOptions(options);
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
  const parsed = JSON.parse(body || '{}') as { items?: unknown[]; message?: string; metadata?: { resourceVersion?: string; continue?: string } };
  // A refusal or 410 Gone comes as a Status: its code and message, as the generated clients would say them.
  if (status !== 200) throw Object.assign(new Error(parsed.message ?? `GET ${path}: HTTP ${status}`), { code: status });
  return { items: parsed.items ?? [], metadata: { resourceVersion: parsed.metadata?.resourceVersion, _continue: parsed.metadata?.continue } };
}
