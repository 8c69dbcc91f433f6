import { writeFileAtomically } from '@tscni/core/node-agent';
import type { Logger, Nftables } from '@tscni/core';
import { compilePolicies } from './compile.js';
import { readRecords, removeRecord, type StoredRecord } from './handoff/records.js';
import type { HandoffPaths } from './handoff/paths.js';
import type { CoverReply } from './handoff/protocol.js';
import { podKey, type NamespaceInfo, type PodInfo, type PolicyInfo } from './model.js';
import { renderScript } from './render.js';
import type { RuleSet } from './rule-set.js';

/** What the agent's caches hold, as one pass reads them. */
export interface PolicyView {
  /** This node's name in the API. */
  self: string;
  policies: readonly PolicyInfo[];
  namespaces: readonly NamespaceInfo[];
  pods: ReadonlyArray<PodInfo & { nodeName: string | undefined }>;
}

/** What one apply left, for metrics and the log. */
export interface ApplyReport {
  changed: boolean;
  durationMs: number;
  /** Rules in the policy chains, elements in the sets and maps: how big the node's rule set is. */
  rules: number;
  elements: number;
  localPods: number;
}

/** A record the API has not shown for this long is a pod gone without its DEL. */
const STALE_RECORD_MS = 10 * 60_000;

interface Waiter {
  containerId: string;
  /** The pass that must start after the request for its answer to count. */
  afterPass: number;
  reply: (reply: CoverReply) => void;
}

/**
 * This node's NetworkPolicy rules: each pass compiles the cached policies,
 * namespaces and pods (this node's pods joined with the plugin's records)
 * and replaces the node's table in one nft transaction when it changed.
 * It answers the plugin's "cover this pod" once a pass that read the pod's
 * record has applied.
 */
export class PolicyEnforcer {
  private applied: string | undefined;
  private passes = 0;
  private waiters: Waiter[] = [];

  constructor(
    private readonly deps: { nft: Nftables; paths: HandoffPaths; log: Logger; now?: () => number },
  ) {}

  /** The next pass re-applies even an unchanged rule set: someone may have deleted the table. */
  forget(): void {
    this.applied = undefined;
  }

  /** Resolves once a later pass covers the pod's record (or found nothing to cover). The caller schedules that pass. */
  cover(containerId: string): Promise<CoverReply> {
    return new Promise((reply) => this.waiters.push({ containerId, afterPass: this.passes, reply }));
  }

  /** Answers the requests still waiting (a deadline passed): the pod is not known to the API yet. */
  expire(containerId: string, why: string): void {
    this.settle((waiter) => (waiter.containerId === containerId ? { ok: false, error: why } : undefined));
  }

  async pass(view: PolicyView): Promise<ApplyReport> {
    const pass = ++this.passes;
    const records = await readRecords(this.deps.paths.podsDir);
    const isolated = new Set(view.policies.map((policy) => policy.namespace));
    const { pods, localPods, found, stale } = joinRecords(view, records, this.now());
    try {
      const started = this.now();
      const ruleSet = compilePolicies({ policies: view.policies, namespaces: view.namespaces, pods, localPods });
      const script = renderScript(ruleSet);
      const changed = script !== this.applied;
      if (changed) {
        await this.deps.nft.apply(script);
        this.applied = script;
      }
      await writeFileAtomically(this.deps.paths.isolatedNamespaces, JSON.stringify([...isolated].sort()) + '\n');
      this.settle((waiter) => {
        if (waiter.afterPass >= pass) return undefined;
        const record = records.find((candidate) => candidate.containerId === waiter.containerId);
        // Not covered yet only if a policy could select it and the API has not shown it: the next pass, after the pod's watch event, decides.
        if (record && !found.has(record.containerId) && isolated.has(record.namespace)) return undefined;
        return { ok: true };
      });
      for (const record of stale) await removeRecord(this.deps.paths.podsDir, record.containerId);
      return { changed, durationMs: this.now() - started, ...sizeOf(ruleSet), localPods: localPods.size };
    } catch (error) {
      // A pod no policy could select starts anyway; one that a policy may select must not start unprotected.
      const message = (error as Error).message;
      this.settle((waiter) => {
        if (waiter.afterPass >= pass) return undefined;
        const record = records.find((candidate) => candidate.containerId === waiter.containerId);
        return record && isolated.has(record.namespace) ? { ok: false, error: `the node's rule set could not be applied: ${message}` } : { ok: true };
      });
      throw error;
    }
  }

  private settle(decide: (waiter: Waiter) => CoverReply | undefined): void {
    this.waiters = this.waiters.filter((waiter) => {
      const reply = decide(waiter);
      if (reply) waiter.reply(reply);
      return reply === undefined;
    });
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

/**
 * The pods the compiler sees: the API's, with this node's taking the
 * addresses the plugin recorded (known at ADD, before the API has them).
 * This node's pods are those the API places here and those with a record.
 */
function joinRecords(view: PolicyView, records: readonly StoredRecord[], now: number) {
  const byKey = new Map<string, StoredRecord>();
  for (const record of [...records].sort((a, b) => a.writtenAt - b.writtenAt)) byKey.set(podKey(record), record);
  const claimed = new Map<string, number>();
  for (const record of byKey.values()) for (const ip of record.ips) claimed.set(ip, Math.max(claimed.get(ip) ?? 0, record.writtenAt));
  const localPods = new Set<string>();
  const found = new Set<string>();
  const pods: PodInfo[] = view.pods.map((pod) => {
    const key = podKey(pod);
    // A pod the API runs on another node is not the one a record here describes: that pod's DEL never ran, and its name was reused there (a StatefulSet's).
    const record = pod.nodeName === undefined || pod.nodeName === view.self ? byKey.get(key) : undefined;
    if (record) {
      found.add(record.containerId);
      localPods.add(key);
      // An address a newer record claims belongs to the newer pod.
      return { ...pod, ips: record.ips.filter((ip) => claimed.get(ip) === record.writtenAt) };
    }
    if (pod.nodeName === view.self) localPods.add(key);
    return pod;
  });
  const stale = records.filter((record) => !found.has(record.containerId) && now - record.writtenAt > STALE_RECORD_MS);
  return { pods, localPods, found, stale };
}

function sizeOf(ruleSet: RuleSet): { rules: number; elements: number } {
  const rules = ruleSet.policyChains.reduce((sum, chain) => sum + chain.lines.length, 0);
  const elements = ruleSet.sets.reduce((sum, set) => sum + set.elements.length, 0) + ruleSet.targets.ingress.size + ruleSet.targets.egress.size;
  return { rules, elements };
}
