import { createServer, type Server } from 'node:http';

export interface HealthStatus {
  /** The agent has applied the Node list at least once. */
  synced: boolean;
  /** The last sync failed with this message. */
  lastError: string | undefined;
  /** The last Node list or watch failed with this (a 403 names the RBAC it lacks). */
  apiError?: string | undefined;
  /** The last reconcile of IPAM addresses failed with this (it does not make the agent unhealthy: routes are its job). */
  ipamReconcileError?: string | undefined;
}

/**
 * GET /healthz: 200 once the node has been synced and the last sync
 * succeeded, else 503; the body says which. Liveness and readiness probes
 * both use it.
 */
export async function serveHealth(address: string, status: () => HealthStatus): Promise<Server> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(address.slice(separator + 1));
  const server = createServer((request, response) => {
    if (request.url !== '/healthz') {
      response.writeHead(404).end();
      return;
    }
    const current = status();
    const healthy = current.synced && current.lastError === undefined;
    response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ healthy, ...current }) + '\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
