import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { ListenAddress } from './listen-address.js';
import type { Readiness } from './readiness.js';

export interface HealthStatus {
  /** The agent has applied the Node list at least once. */
  synced: boolean;
  /** The last sync failed with this message. */
  lastError: string | undefined;
  /** The last Node list or watch failed with this (a 403 names the RBAC it lacks). */
  apiError?: string | undefined;
  /** NetworkPolicy rules cannot be put in force: unhealthy, since a policy that cannot be enforced must never pass for a silent allow. */
  networkPolicyError?: string | undefined;
  /** The last reconcile of IPAM addresses failed with this (it does not make the agent unhealthy: routes are its job). */
  ipamReconcileError?: string | undefined;
}

/** What the server answers from; each read when a request comes in. */
export interface HealthSources {
  health: () => HealthStatus;
  readiness: () => Readiness;
  /** Undefined: no /metrics. */
  metrics?: Registry;
}

/**
 * The agent's HTTP endpoints, for kubelet's probes and Prometheus:
 *
 * - GET /healthz (liveness): 200 once the node has been synced, the last
 *   sync succeeded and NetworkPolicy (when on) is in force, else 503; the
 *   body says which.
 * - GET /readyz (readiness): 200 once the node can start pods on this
 *   network (see readiness.ts), else 503 with what is missing.
 * - GET /metrics: the Prometheus text format.
 */
export async function serveHealth(address: ListenAddress, sources: HealthSources): Promise<Server> {
  const server = createServer((request, response) => {
    route(request, response, sources).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`${(error as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // No host: every address of both families (see listen-address.ts).
    if (address.host === undefined) server.listen(address.port, () => resolve());
    else server.listen(address.port, address.host, () => resolve());
  });
  return server;
}

async function route(request: IncomingMessage, response: ServerResponse, sources: HealthSources): Promise<void> {
  const path = (request.url ?? '').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
  } else if (path === '/healthz') {
    const current = sources.health();
    const healthy = current.synced && current.lastError === undefined && current.networkPolicyError === undefined;
    json(response, healthy ? 200 : 503, { healthy, ...current });
  } else if (path === '/readyz') {
    const current = sources.readiness();
    json(response, current.ready ? 200 : 503, current);
  } else if (path === '/metrics' && sources.metrics) {
    const text = await sources.metrics.metrics();
    response.writeHead(200, { 'content-type': sources.metrics.contentType }).end(text);
  } else {
    response.writeHead(404).end();
  }
}

function json(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body) + '\n');
}
