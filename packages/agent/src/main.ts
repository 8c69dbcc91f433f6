import { basename } from 'node:path';

// tscni-agent: the node agent, a long-running Node.js process (the
// DaemonSet's), and `reconcile-ipam`, its one-shot address reconcile for a
// person on the node. The CNI plugins are the multi-call binary, `tscni`.

/** The agent's name before it had a package of its own; still a link to it for one release. */
const DEPRECATED_NAME = 'tscni-route-sync-agent';
if (basename(process.argv[1] ?? '') === DEPRECATED_NAME) {
  const { createLogger } = await import('@tscni/core');
  createLogger({ sink: (line) => process.stderr.write(line + '\n') }).warn(`${DEPRECATED_NAME} is deprecated and will be removed in the next release: run tscni-agent`);
}
if (process.argv[2] === 'reconcile-ipam') {
  const { runReconcileCommand } = await import('./reconcile-command.js');
  process.exit(await runReconcileCommand(process.argv.slice(3)));
} else {
  const { runAgent } = await import('./run.js');
  // Exits at once when done: idle keep-alive connections to the API server would hold the process.
  process.exit(await runAgent(process.argv.slice(2)));
}
