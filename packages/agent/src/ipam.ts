import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@tscni/core';
import { DEFAULT_DATA_DIR, IpamReconciler, listHeld, releaseHeld } from '@tscni/host-local';
import { NETWORK_NAME } from './conflist.js';
import { nodePodLister } from './node-pods.js';
import type { AgentOptions } from './options.js';

/** The reconciler of this node's network: tscni-host-local's store in the conflist's dataDir, the node's pods from the API. */
export function nodeIpamReconciler(options: AgentOptions, kubeConfig: KubeConfig, log: Logger): IpamReconciler {
  const dataDir = options.ipamDataDir ?? DEFAULT_DATA_DIR;
  return new IpamReconciler(
    {
      listHeld: () => listHeld(dataDir, NETWORK_NAME, log),
      listPods: nodePodLister(kubeConfig, options.nodeName),
      release: (address) => releaseHeld(dataDir, address, log),
      log,
    },
    options.ipamReconcileGraceMs,
  );
}

/** How one pass of the reconcile went, for the health endpoint (its error) and the metrics (what it released). */
export interface ReconcileReport {
  error: string | undefined;
  released: number;
}

/** Runs a pass every `intervalMs` (the first one interval after start), one at a time; `onOutcome` hears each outcome. */
export function reconcileEvery(
  reconciler: IpamReconciler,
  intervalMs: number,
  log: Logger,
  onOutcome: (report: ReconcileReport) => void,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = reconciler
      .pass()
      .then(
        (outcome) => {
          log.debug('reconciled IPAM addresses', { held: outcome.held, released: outcome.released.length, waiting: outcome.waiting.length });
          onOutcome({ error: undefined, released: outcome.released.length });
        },
        (error: unknown) => {
          const message = (error as Error).message;
          log.warn('could not reconcile IPAM addresses; nothing released', { error: message });
          onOutcome({ error: message, released: 0 });
        },
      )
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
