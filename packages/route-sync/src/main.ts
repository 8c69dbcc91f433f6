import { runPlugin } from '@tscni/core';
import { routeSyncHandlers } from './plugin/handlers.js';

// The agent (and @kubernetes/client-node) is loaded only for `agent`: the
// per-pod plugin must not pay for it at every start.
if (process.argv[2] === 'agent') {
  const { runAgent } = await import('./agent/main.js');
  // Exits at once when done: idle keep-alive connections to the API server would hold the process.
  process.exit(await runAgent(process.argv.slice(3)));
} else if (process.argv[2] === 'reconcile-ipam') {
  const { runReconcileCommand } = await import('./agent/reconcile-command.js');
  process.exit(await runReconcileCommand(process.argv.slice(3)));
} else {
  await runPlugin(routeSyncHandlers(), 'CNI tscni-route-sync plugin: routes to peer nodes, kept by its agent');
}
