/** What the plugin writes for a pod it set up: the agent joins it with the Pod object by namespace and name. */
export interface PodRecord {
  namespace: string;
  name: string;
  /** The pod's addresses from the chain's result, without prefix length. */
  ips: string[];
}

/** One JSON line each way on the agent's socket. */
export interface CoverRequest {
  containerId: string;
  /** The pod's namespace: the agent answers at once when no policy there can select the pod. */
  namespace?: string;
  /** How long the agent may take before it answers no: shorter than the plugin's own wait, so the plugin hears why. */
  answerWithinMs?: number;
}

export type CoverReply = { ok: true } | { ok: false; error: string };

export function parsePodRecord(text: string): PodRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<PodRecord>;
    if (typeof value.namespace !== 'string' || typeof value.name !== 'string' || !Array.isArray(value.ips)) return undefined;
    return { namespace: value.namespace, name: value.name, ips: value.ips.filter((ip): ip is string => typeof ip === 'string') };
  } catch {
    return undefined;
  }
}
