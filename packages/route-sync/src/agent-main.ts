// tscni-route-sync-agent: the node agent, a long-running Node.js process
// (the DaemonSet's), and `reconcile-ipam`, its one-shot address reconcile for
// a person on the node. Not a CNI plugin: that is main.ts.
if (process.argv[2] === 'reconcile-ipam') {
  const { runReconcileCommand } = await import('./agent/reconcile-command.js');
  process.exit(await runReconcileCommand(process.argv.slice(3)));
} else {
  const { runAgent } = await import('./agent/main.js');
  // Exits at once when done: idle keep-alive connections to the API server would hold the process.
  process.exit(await runAgent(process.argv.slice(2)));
}
