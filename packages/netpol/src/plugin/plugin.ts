import { mkdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CniError, ErrorCode, type CmdArgs, type PluginHandlers, type Result } from '@tscni/core';
import { AgentUnreachable, requestCover } from '../handoff/client.js';
import { handoffPaths, type HandoffPaths } from '../handoff/paths.js';
import type { PodRecord } from '../handoff/protocol.js';
import { parseNetpolConfig } from './config.js';

/**
 * The chain's last plugin: ADD returns only once the node's NetworkPolicy
 * rules cover the new pod, so a pod a policy selects never sends or
 * receives a packet the policy forbids, its first ones included.
 *
 * The handoff: ADD writes the pod's record (namespace, name, addresses)
 * where the node's agent reads it, asks the agent on its socket, and waits
 * for "covered". The record outlives an agent restart; DEL removes it.
 *
 * An agent that does not answer in time is never waited on longer: ADD
 * then decides from the namespaces that had policies at the agent's last
 * apply. A pod in one of them fails with code 11 (try again later; kubelet
 * retries the sandbox), since it could start unprotected; any other pod
 * starts, as no policy selected it.
 */
export const netpolPlugin: PluginHandlers = {
  async add(args) {
    const result = requirePrevResult(args);
    // Validated before anything else: a bad config must not pass unnoticed until the first Kubernetes pod.
    const { runDir, timeoutMs } = parseNetpolConfig(args.config);
    const pod = podOf(args);
    if (!pod) return result; // not a Kubernetes pod: no policy can select it
    const paths = handoffPaths(runDir);
    const record: PodRecord = { ...pod, ips: result.ips?.map((ip) => ip.address.split('/')[0]!) ?? [] };
    await writeRecord(paths.record(args.containerId), record);
    try {
      await cover(paths, { containerId: args.containerId, timeoutMs, log: args.log }, record);
    } catch (error) {
      // Nothing half-made: the record goes with the failed ADD.
      await rm(paths.record(args.containerId), { force: true });
      throw error;
    }
    return result;
  },
  async del(args) {
    const { runDir } = parseNetpolConfig(args.config);
    await rm(handoffPaths(runDir).record(args.containerId), { force: true });
  },
  async check(args) {
    requirePrevResult(args);
    const { runDir } = parseNetpolConfig(args.config);
    if (!podOf(args)) return;
    const found = await readFile(handoffPaths(runDir).record(args.containerId), 'utf8').catch(() => undefined);
    if (found === undefined) throw new CniError(ErrorCode.Internal, `no NetworkPolicy record of container ${args.containerId}: the node's agent does not know this pod`);
  },
  async status() {},
};

async function cover(paths: HandoffPaths, request: { containerId: string; timeoutMs: number; log: CmdArgs['log'] }, record: PodRecord): Promise<void> {
  let reply;
  try {
    reply = await requestCover(paths.socket, { containerId: request.containerId, namespace: record.namespace, answerWithinMs: Math.floor(request.timeoutMs * 0.8) }, request.timeoutMs);
  } catch (error) {
    if (!(error instanceof AgentUnreachable)) throw error;
    if (await namespaceIsIsolated(paths, record.namespace)) {
      throw new CniError(
        ErrorCode.TryAgainLater,
        `the node's NetworkPolicy agent did not answer (${error.message}) and namespace ${record.namespace} has NetworkPolicies: pod ${record.namespace}/${record.name} would start unprotected`,
      );
    }
    request.log.warn('NetworkPolicy agent did not answer; no policy of the namespace at its last apply', { error: error.message, namespace: record.namespace });
    return;
  }
  if (!reply.ok) throw new CniError(ErrorCode.TryAgainLater, `NetworkPolicy for pod ${record.namespace}/${record.name} is not in place: ${reply.error}`);
}

async function namespaceIsIsolated(paths: HandoffPaths, namespace: string): Promise<boolean> {
  const text = await readFile(paths.isolatedNamespaces, 'utf8').catch(() => undefined);
  // No file: no agent has ever enforced a policy on this node.
  if (text === undefined) return false;
  try {
    return (JSON.parse(text) as unknown[]).includes(namespace);
  } catch {
    return true; // unreadable: assume the worst
  }
}

function podOf(args: CmdArgs): { namespace: string; name: string } | undefined {
  const namespace = args.args.get('K8S_POD_NAMESPACE');
  const name = args.args.get('K8S_POD_NAME');
  return namespace && name ? { namespace, name } : undefined;
}

function requirePrevResult(args: CmdArgs): Result {
  if (!args.prevResult) {
    throw new CniError(ErrorCode.InvalidConfig, 'tscni-netpol is a chained plugin: it needs a prevResult (put it after the plugin that gives the pod its addresses)');
  }
  return args.prevResult;
}

/** Through a rename: the agent reads a whole record or none. */
async function writeRecord(path: string, record: PodRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  await writeFile(temporary, JSON.stringify(record));
  await rename(temporary, path);
}
