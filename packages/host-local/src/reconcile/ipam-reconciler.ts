import type { HeldAddress } from '../admin/inventory.js';
import type { Logger } from '@tscni/core';

/** A pod of this node as the API server has it: enough to match what host-local recorded at ADD. */
export interface PodIdentity {
  namespace: string;
  name: string;
  uid: string;
  /** A mirror pod's `kubernetes.io/config.mirror`: the UID kubelet gave the static pod (what CNI_ARGS carried). */
  mirrorOf?: string;
}

export interface ReconcileDeps {
  /** Every address held in the node's network. */
  listHeld(): Promise<HeldAddress[]>;
  /** This node's pods; throws when the API server cannot say (never an empty list instead). */
  listPods(): Promise<PodIdentity[]>;
  /** Releases the address if its owner still holds it. */
  release(address: HeldAddress): Promise<boolean>;
  log: Logger;
  now?: () => number;
}

export interface ReconcileOutcome {
  held: number;
  /** Addresses of pods that no longer exist, released (or, on a dry run, to be). */
  released: HeldAddress[];
  /** Addresses whose pod is gone, kept until the grace period has passed. */
  waiting: HeldAddress[];
  /** Addresses with no pod recorded (taken by the reference host-local, or outside Kubernetes): never released here. */
  unattributed: number;
}

/**
 * Finds the addresses whose pod no longer exists and releases them: what
 * is left when a runtime died between ADD and DEL, or a DEL failed for good.
 *
 * It never releases an address whose pod still exists: a pod counts as
 * present when any pod of the node has the recorded UID (or mirrors it,
 * for static pods) or the recorded namespace and name. An address is
 * released only after its pod has been missing for `graceMs` across passes
 * and the address is older than that, so a pod between its ADD and its
 * appearance in a list (a static pod before its mirror) is safe. Addresses
 * with no pod recorded are never touched: nothing can show they are leaked.
 */
export class IpamReconciler {
  /** When each address was first seen without its pod. */
  private readonly missingSince = new Map<string, number>();

  constructor(
    private readonly deps: ReconcileDeps,
    private readonly graceMs: number,
  ) {}

  /**
   * One pass. `once` (a person asking, no earlier pass to compare with)
   * releases what is missing now and older than the grace period; `dryRun`
   * only says what would go.
   */
  async pass(options: { once?: boolean; dryRun?: boolean } = {}): Promise<ReconcileOutcome> {
    const now = (this.deps.now ?? Date.now)();
    // Addresses first, pods second: every pod whose address was seen had been created before the list.
    const held = await this.deps.listHeld();
    const pods = await this.deps.listPods();
    const outcome: ReconcileOutcome = { held: held.length, released: [], waiting: [], unattributed: 0 };
    const seen = new Set<string>();
    for (const address of held) {
      const pod = address.pod;
      if (!pod?.uid) {
        outcome.unattributed++;
        continue;
      }
      const key = keyOf(address);
      if (podExists(pod, pods)) continue;
      seen.add(key);
      const since = options.once ? now - this.graceMs : (this.missingSince.get(key) ?? now);
      this.missingSince.set(key, since);
      const age = now - Date.parse(pod.allocatedAt);
      if (now - since < this.graceMs || !(age >= this.graceMs)) {
        outcome.waiting.push(address);
        continue;
      }
      if (options.dryRun || (await this.deps.release(address))) {
        outcome.released.push(address);
        this.missingSince.delete(key);
        if (!options.dryRun) {
          this.deps.log.info('released the address of a pod that no longer exists', {
            ip: address.ip,
            network: address.network,
            pod: `${pod.namespace}/${pod.name}`,
            uid: pod.uid,
            containerId: address.owner.containerId,
            allocatedAt: pod.allocatedAt,
          });
        }
      }
    }
    for (const key of this.missingSince.keys()) if (!seen.has(key)) this.missingSince.delete(key);
    return outcome;
  }
}

function podExists(pod: NonNullable<HeldAddress['pod']>, pods: readonly PodIdentity[]): boolean {
  return pods.some(
    (candidate) =>
      candidate.uid === pod.uid || candidate.mirrorOf === pod.uid || (candidate.namespace === pod.namespace && candidate.name === pod.name),
  );
}

function keyOf(address: HeldAddress): string {
  return [address.network, address.ip, address.owner.containerId, address.owner.ifName].join(' ');
}
