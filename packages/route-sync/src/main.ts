import { runPlugin } from '@tscni/core';
import { routeSyncHandlers } from './plugin/handlers.js';

// The plugin only: the node agent is its own executable (packages/agent), so
// that @kubernetes/client-node is never part of what starts for every pod.
if (process.argv[2] === 'agent' || process.argv[2] === 'reconcile-ipam') {
  process.stderr.write(`tscni-route-sync is the CNI plugin; the node agent is tscni-agent (${process.argv[2]})\n`);
  process.exitCode = 2;
} else {
  await runPlugin(routeSyncHandlers(), 'CNI tscni-route-sync plugin: routes to peer nodes, kept by its agent');
}
