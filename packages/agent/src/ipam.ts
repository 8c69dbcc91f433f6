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

/** Runs a pass every `intervalMs` (the first one interval after start), one at a time; `onError` hears each outcome. */
export function reconcileEvery(
  reconciler: IpamReconciler,
  intervalMs: number,
  log: Logger,
  onOutcome: (error: string | undefined) => void,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = reconciler
      .pass()
      .then(
        (outcome) => {
          log.debug('reconciled IPAM addresses', { held: outcome.held, released: outcome.released.length, waiting: outcome.waiting.length });
          onOutcome(undefined);
        },
        (error: unknown) => {
          const message = (error as Error).message;
          log.warn('could not reconcile IPAM addresses; nothing released', { error: message });
          onOutcome(message);
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
