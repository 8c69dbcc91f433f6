import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { PodIdentity } from '@tscni/host-local';

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/**
 * Lists the pods bound to `nodeName` (a field selector the API server
 * answers from its watch cache's node index): one LIST per reconcile pass,
 * only pods' identities kept. Needs `list` on pods (deploy/rbac.yaml).
 */
export function nodePodLister(kubeConfig: KubeConfig, nodeName: string): () => Promise<PodIdentity[]> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  return async () => {
    try {
      const list = await api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` });
      return list.items.map((pod) => ({
        namespace: pod.metadata?.namespace ?? '',
        name: pod.metadata?.name ?? '',
        uid: pod.metadata?.uid ?? '',
        ...(pod.metadata?.annotations?.[MIRROR_ANNOTATION] ? { mirrorOf: pod.metadata.annotations[MIRROR_ANNOTATION] } : {}),
      }));
    } catch (error) {
      throw new Error(describePodListError(error));
    }
  };
}

function describePodListError(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const message = String((error as Error)?.message ?? error);
  if (code === 403) return `forbidden: the API server refused to list this node's pods (RBAC: the agent's ServiceAccount needs list on pods, as deploy/rbac.yaml binds): ${message}`;
  return `cannot list this node's pods: ${message}`;
}
