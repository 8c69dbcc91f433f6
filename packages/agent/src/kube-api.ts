import { KubeConfig } from '@kubernetes/client-node';

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
