import { join } from 'node:path';

/**
 * Where the plugin and the agent on one node meet: a directory on the host
 * both see (/run/tscni/netpol, a hostPath in the DaemonSet).
 *
 * - `pods/<containerId>`: written by the plugin's ADD before it asks the
 *   agent, removed by DEL. The agent's record of this node's pods and
 *   their addresses, kept across agent restarts.
 * - `agent.sock`: the agent answers "this pod is covered" on it.
 * - `isolated-namespaces`: the namespaces that had a NetworkPolicy at the
 *   agent's last apply, for the plugin to decide when the agent is down.
 */
export const DEFAULT_RUN_DIR = '/run/tscni/netpol';

export function handoffPaths(runDir: string) {
  return {
    runDir,
    socket: join(runDir, 'agent.sock'),
    podsDir: join(runDir, 'pods'),
    record: (containerId: string) => join(runDir, 'pods', containerId),
    isolatedNamespaces: join(runDir, 'isolated-namespaces'),
  };
}

export type HandoffPaths = ReturnType<typeof handoffPaths>;
