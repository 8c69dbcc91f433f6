/**
 * Test support shared by the agent's tests, the network-namespace cluster
 * and the benchmarks: a stand-in Kubernetes API server for /api/v1/nodes
 * (fake-apiserver.ts, run as its own process) and a segment of node
 * namespaces.
 */
export * from './api-server.js';
export * from './cluster.js';
