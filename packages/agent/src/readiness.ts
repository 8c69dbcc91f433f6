/** What readiness is made of; each part comes from where it is known (the watch, the sync loop, the last pass). */
export interface ReadinessInput {
  /** The Node watch has listed Nodes at least once. */
  watchSynced: boolean;
  /** Why the last list or watch failed, if it did. */
  apiError: string | undefined;
  /** A pass has run, and the last one failed with this (undefined: it succeeded). */
  passes: { ran: boolean; lastError: string | undefined };
  /** The last pass got to its end with this node's conflist written or found identical. */
  conflistInPlace: boolean;
  /** With NetworkPolicy on: whether its rules have been applied, and why they are not in force. */
  networkPolicy?: { applied: boolean; error: string | undefined };
}

export interface Readiness {
  ready: boolean;
  /** What stands between the agent and ready, for a person reading the probe's body. */
  missing: string[];
}

/**
 * Ready once the node can start pods on this network: the Node list is
 * known, and the last pass applied every controller (routes, the
 * masquerade set) without error and left the conflist in place. A failed
 * pass makes the agent not ready again until one succeeds: routes are then
 * unknown. Liveness (/healthz) is a separate question.
 */
export function readiness(input: ReadinessInput): Readiness {
  const missing: string[] = [];
  if (!input.watchSynced) {
    missing.push(`the Node list: the watch has not listed Nodes yet${input.apiError ? ` (${input.apiError})` : ''}`);
  } else if (!input.passes.ran) {
    missing.push('a sync pass: none has run yet');
  } else if (input.passes.lastError !== undefined) {
    missing.push(`a successful sync pass: the last one failed (${input.passes.lastError})`);
  } else if (!input.conflistInPlace) {
    missing.push("this node's conflist: its Node has no podCIDR yet");
  }
  if (input.networkPolicy?.error !== undefined) {
    missing.push(`NetworkPolicy rules: ${input.networkPolicy.error}`);
  } else if (input.networkPolicy && !input.networkPolicy.applied) {
    missing.push('NetworkPolicy rules: not applied yet (the Pod, Namespace and NetworkPolicy lists are not all known)');
  }
  return { ready: missing.length === 0, missing };
}
