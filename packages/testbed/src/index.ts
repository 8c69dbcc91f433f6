/**
 * The test bed: what the suites, the benchmark and the demo run tscni
 * against. The package root is the stand-in API server and the node segment
 * (what route-sync's and the agent's tests use); each other concern has its
 * own entry: ./netns-cluster, ./kind, ./control-plane, ./runtimes, ./paths,
 * ./peak-memory.
 */
export * from './api-server/index.js';
