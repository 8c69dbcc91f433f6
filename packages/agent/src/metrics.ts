import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';
import type { RouteChanges } from '@tscni/route-sync';
import type { SyncPass } from './sync-loop.js';

/**
 * The agent's Prometheus metrics, on a registry of their own (not
 * prom-client's global one), so a test builds a fresh set and reads values
 * from it. The controllers know nothing of Prometheus: they report numbers
 * (route changes, a pass's outcome) and this turns them into series.
 * Packages/agent/README.md lists every metric.
 */
export class AgentMetrics {
  readonly registry: Registry;
  readonly syncDuration: Histogram<'full'>;
  readonly syncPasses: Counter<'result'>;
  readonly routesAdded: Counter;
  readonly routesRemoved: Counter;
  readonly routeChangesFailed: Counter;
  readonly nodes: Gauge;
  readonly watchRestarts: Counter;
  readonly apiLists: Counter;
  readonly ipamAddressesReleased: Counter;
  readonly netpolApplyDuration: Histogram;
  readonly netpolApplies: Counter<'result'>;
  readonly netpolCoverDuration: Histogram<'result'>;
  readonly netpolRules: Gauge;
  readonly netpolSetElements: Gauge;
  readonly netpolLocalPods: Gauge;

  /** `processMetrics`: prom-client's standard process_* and nodejs_* series, off in unit tests (they sample the test runner). */
  constructor(options: { processMetrics?: boolean } = {}) {
    this.registry = new Registry();
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.syncDuration = new Histogram({
      name: 'tscni_sync_duration_seconds',
      help: 'Duration of sync passes over the Node list; full="true" for the passes that re-read the node',
      labelNames: ['full'],
      // 1 ms to about 16 s: a pass on a small cluster takes milliseconds, a full one with a slow `ip` seconds.
      buckets: exponentialBuckets(0.001, 2, 15),
      registers,
    });
    this.syncPasses = new Counter({ name: 'tscni_sync_passes_total', help: 'Sync passes, by result (success or failure)', labelNames: ['result'], registers });
    this.routesAdded = new Counter({ name: 'tscni_routes_added_total', help: 'Routes to peer pod CIDRs added or re-pointed to a new gateway', registers });
    this.routesRemoved = new Counter({ name: 'tscni_routes_removed_total', help: 'Routes of the agent removed (their Node or pod CIDR gone, or stale)', registers });
    this.routeChangesFailed = new Counter({ name: 'tscni_route_changes_failed_total', help: 'Route changes in an ip -batch that failed', registers });
    this.nodes = new Gauge({ name: 'tscni_nodes', help: 'Node objects the agent knows of', registers });
    this.watchRestarts = new Counter({ name: 'tscni_api_watch_restarts_total', help: 'Node watches started again after the first (closed connection, 410 Gone, error)', registers });
    this.apiLists = new Counter({ name: 'tscni_api_lists_total', help: 'LIST requests for Nodes (the first, and every relist)', registers });
    this.ipamAddressesReleased = new Counter({ name: 'tscni_ipam_addresses_released_total', help: 'IPAM addresses of pods that no longer exist, released by the reconcile', registers });
    this.netpolApplyDuration = new Histogram({
      name: 'tscni_netpol_apply_duration_seconds',
      help: "Time to compile the node's NetworkPolicy rule set and replace it in one nft transaction, for the passes that changed it",
      buckets: exponentialBuckets(0.001, 2, 15),
      registers,
    });
    this.netpolApplies = new Counter({ name: 'tscni_netpol_applies_total', help: 'NetworkPolicy passes, by result (success or failure)', labelNames: ['result'], registers });
    this.netpolCoverDuration = new Histogram({
      name: 'tscni_netpol_pod_cover_duration_seconds',
      help: "How long a pod's ADD waited for the node's rules to cover it, by result (covered, refused, or unselected: no policy of its namespace, answered at once)",
      labelNames: ['result'],
      buckets: exponentialBuckets(0.001, 2, 15),
      registers,
    });
    this.netpolRules = new Gauge({ name: 'tscni_netpol_rules', help: "Rules in the node's NetworkPolicy chains", registers });
    this.netpolSetElements = new Gauge({ name: 'tscni_netpol_set_elements', help: "Elements in the node's NetworkPolicy sets and maps (peers, named ports, local pod addresses)", registers });
    this.netpolLocalPods = new Gauge({ name: 'tscni_netpol_local_pods', help: "This node's pods the NetworkPolicy rules know", registers });
    // Zero from the start, so a rate() sees the first failure.
    for (const result of ['success', 'failure']) {
      this.syncPasses.inc({ result }, 0);
      this.netpolApplies.inc({ result }, 0);
    }
  }

  /** As PeerRoutesController reports them. */
  readonly countRouteChanges = (changes: RouteChanges): void => {
    this.routesAdded.inc(changes.added);
    this.routesRemoved.inc(changes.removed);
    this.routeChangesFailed.inc(changes.failed);
  };

  /** `pass`, timed and counted; a pass that ran nothing (the Node list not known yet) is neither. */
  observe(pass: SyncPass, now: () => number = () => performance.now()): SyncPass {
    return async (full) => {
      const startedAt = now();
      const done = (result: 'success' | 'failure'): void => {
        this.syncPasses.inc({ result });
        this.syncDuration.observe({ full: String(full) }, (now() - startedAt) / 1000);
      };
      let ran: boolean;
      try {
        ran = await pass(full);
      } catch (error) {
        done('failure');
        throw error;
      }
      if (ran) done('success');
      return ran;
    };
  }
}
