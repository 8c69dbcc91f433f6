import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { IpRoute, createLogger, enableForwarding, execaRunner, type Logger } from '@tscni/core';
import { serveHealth } from './health.js';
import { formatListenAddress } from './listen-address.js';
import { readiness } from './readiness.js';
import { installPlugins } from './install.js';
import { nodeIpamReconciler, reconcileEvery } from './ipam.js';
import { masqRules } from '@tscni/masq';
import { masqLockFile } from './conflist.js';
import { loadKubeConfig } from './kube-api.js';
import { nodeWatch, type NodeWatch } from './node-watch.js';
import { UsageError, parseOptions, usage, type AgentOptions } from './options.js';
import { SyncLoop } from './sync-loop.js';
import { NodeSync } from './node-sync.js';

/** `tscni-agent [options]`: runs until SIGTERM or SIGINT; returns the exit code. */
export async function runAgent(argv: string[]): Promise<number> {
  let options: AgentOptions | 'help';
  try {
    options = parseOptions(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`tscni-agent: ${error.message}\nTry --help.\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  // Structured logs on stderr: the DaemonSet's log stream.
  const log = createLogger({ sink: (line) => process.stderr.write(line + '\n'), level: options.logLevel }).with({
    node: options.nodeName,
  });
  try {
    await runUntilSignal(options, log);
    return 0;
  } catch (error) {
    log.error('agent failed', { error: (error as Error).message });
    return 1;
  }
}

async function runUntilSignal(options: AgentOptions, log: Logger): Promise<void> {
  // Listening from the start, so a SIGTERM during start-up still shuts down in order.
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const kubeConfig = loadKubeConfig(options.kubeconfig);
  if (options.installPlugins) await installPlugins(options.cniBinDir, log);
  // Loaded here, not at the top: `--help` and a usage error need none of prom-client.
  const { AgentMetrics } = await import('./metrics.js');
  const metrics = new AgentMetrics();
  const deps = {
    options,
    ip: new IpRoute(execaRunner),
    syncNonMasquerade: masqRules(masqLockFile(options.stateDir)),
    enableForwarding: (families: Array<4 | 6>) => enableForwarding(execaRunner, families),
    hasPlugin: (name: string) => isExecutable(join(options.cniBinDir, name)),
    onRouteChanges: metrics.countRouteChanges,
    log,
  };
  const nodeSync = new NodeSync(deps);
  let conflistInPlace = false;
  const loop = new SyncLoop(
    metrics.observe(async (full) => {
      if (!watch.synced) return false;
      const nodes = watch.values();
      metrics.nodes.set(nodes.length);
      // Not in place until this pass gets to its end: a controller that fails leaves the node's state unknown.
      conflistInPlace = false;
      conflistInPlace = await nodeSync.sync(nodes, full);
      return true;
    }),
    log,
  );
  const watch: NodeWatch = nodeWatch(kubeConfig, () => loop.schedule(), log, {
    listing: () => metrics.apiLists.inc(),
    restarted: () => metrics.watchRestarts.inc(),
  });
  let ipamReconcileError: string | undefined;
  const reconcile =
    options.ipamReconcileIntervalMs > 0
      ? reconcileEvery(nodeIpamReconciler(options, kubeConfig, log), options.ipamReconcileIntervalMs, log, (report) => {
          ipamReconcileError = report.error;
          metrics.ipamAddressesReleased.inc(report.released);
        })
      : undefined;
  const networkPolicy = options.networkPolicy
    ? await (await import('./network-policy.js')).startNetworkPolicy({ nodeName: options.nodeName, runDir: options.netpolRunDir, kubeConfig, metrics, log })
    : undefined;
  const server = options.healthAddr
    ? await serveHealth(options.healthAddr, {
        health: () => ({
          ...loop.health,
          apiError: watch.lastError ?? networkPolicy?.status().apiError,
          ...(networkPolicy && { networkPolicyError: networkPolicy.status().error }),
          ...(reconcile ? { ipamReconcileError } : {}),
        }),
        readiness: () =>
          readiness({
            watchSynced: watch.synced,
            apiError: watch.lastError,
            passes: { ran: loop.health.synced || loop.health.lastError !== undefined, lastError: loop.health.lastError },
            conflistInPlace,
            ...(networkPolicy && { networkPolicy: networkPolicy.status() }),
          }),
        metrics: metrics.registry,
      })
    : undefined;
  log.info('agent started', { server: kubeConfig.getCurrentCluster()?.server, health: options.healthAddr && formatListenAddress(options.healthAddr) });
  watch.start();
  await stopRequested;
  log.info('agent stopping');
  watch.stop();
  await loop.stop();
  await networkPolicy?.stop();
  await reconcile?.stop();
  server?.close();
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}
