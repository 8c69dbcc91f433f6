/** A cluster of network namespaces on this machine: nodes, gateway, outside host, agents and pods. */
export * from './cluster.js';
export { startControlPlane } from './control-plane.js';
export * from './leftovers.js';
export * from './netns-cluster.js';
export { startNodeAgents } from './node-agents.js';
export * from './pods.js';
export * from './topology.js';
