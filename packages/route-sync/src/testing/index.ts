/**
 * Test support shared by route-sync's tests, the e2e cluster and the
 * benchmarks: a stand-in Kubernetes API server for /api/v1/nodes and a
 * segment of node namespaces.
 */
export * from './api-server.js';
export * from './cluster.js';
