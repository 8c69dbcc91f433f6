/** The plugin's handlers, for plugins that bundle tscni-host-local and run it in-process. */
export { handlers } from './handlers.js';
export { HostLocalCode } from './errors.js';
export { DEFAULT_DATA_DIR } from './config.js';
/** The store as the node agent and `tscni ipam` read it. */
export { leakSign, listHeld, networksIn, releaseHeld, type HeldAddress } from './admin/inventory.js';
export type { PodRecord } from './pod-record.js';
/** The leaked-address reconcile the node agent runs against the API server's pods. */
export { IpamReconciler, type PodIdentity, type ReconcileDeps, type ReconcileOutcome } from './reconcile/ipam-reconciler.js';
