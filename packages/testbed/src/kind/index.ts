/** A kind cluster: its engine (the machine's or one of our own), the offline build, the cluster, the host's state. */
export * from './engine.js';
export * from './host-state.js';
export * from './ip-family.js';
export * from './kind-cluster.js';
export * from './offline.js';
export * from './setup.js';
