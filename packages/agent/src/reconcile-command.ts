import { createLogger } from '@tscni/core';
import { nodeIpamReconciler } from './ipam.js';
import { loadKubeConfig } from './kube-api.js';
import { UsageError, parseOptions } from './options.js';

const USAGE = `usage: tscni-agent reconcile-ipam [--dry-run] [agent options]

Releases, once, the addresses tscni-host-local holds for pods of this node
that the API server no longer has, and whose address is older than
--ipam-reconcile-grace. --dry-run only prints them. Takes the agent's
options (--node-name, --kubeconfig, --ipam-data-dir, ...) and environment.
Prints one JSON line per address.`;

/** `tscni-agent reconcile-ipam`: the agent's reconcile, on request. Returns the exit code. */
export async function runReconcileCommand(argv: string[]): Promise<number> {
  const dryRun = argv.includes('--dry-run');
  let options;
  try {
    options = parseOptions(argv.filter((arg) => arg !== '--dry-run'), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`tscni-agent reconcile-ipam: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const log = createLogger({ sink: (line) => process.stderr.write(line + '\n'), level: options.logLevel }).with({ node: options.nodeName });
  try {
    const reconciler = nodeIpamReconciler(options, loadKubeConfig(options.kubeconfig), log);
    const outcome = await reconciler.pass({ once: true, dryRun });
    for (const address of outcome.released) process.stdout.write(JSON.stringify({ [dryRun ? 'wouldRelease' : 'released']: address }) + '\n');
    for (const address of outcome.waiting) process.stdout.write(JSON.stringify({ keptUntilGraceEnds: address }) + '\n');
    log.info('reconciled IPAM addresses', { held: outcome.held, released: outcome.released.length, waiting: outcome.waiting.length, unattributed: outcome.unattributed, dryRun });
    return 0;
  } catch (error) {
    log.error('could not reconcile IPAM addresses; nothing released', { error: (error as Error).message });
    return 1;
  }
}
