import { readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { CoreV1Api, NetworkingV1Api, type KubeConfig, type V1NetworkPolicy } from '@kubernetes/client-node';
import { execaRunner, Nftables, type Logger } from '@tscni/core';
import {
  handoffPaths,
  namespaceInfoOf,
  PolicyEnforcer,
  podInfoOf,
  policyInfoOf,
  serveCoverRequests,
  type ApiNamespace,
  type ApiNetworkPolicy,
  type ApiPod,
  type CoverReply,
  type CoverRequest,
} from '@tscni/netpol';
import type { AgentMetrics } from './metrics.js';
import { SyncLoop } from './sync-loop.js';
import { TrimmedWatch } from './trimmed-watch.js';

/** How long a new pod's ADD may wait for the API to show the pod (its labels) before the agent answers no, unless the plugin asks for less (it waits 5 s by default and asks for 80 % of its wait). */
const COVER_DEADLINE_MS = 4_000;

/** Same-node pod traffic crosses the bridge without routing: only with these on do the node's rules see it. */
const BRIDGE_SYSCTLS = ['/proc/sys/net/bridge/bridge-nf-call-iptables', '/proc/sys/net/bridge/bridge-nf-call-ip6tables'];

export interface NetworkPolicyStatus {
  /** Why the rules are not (or no longer) in force; undefined when they are. Makes /healthz fail: a policy that cannot be enforced is never a silent allow. */
  error: string | undefined;
  /** A pass has applied the rule set since the watches synced. */
  applied: boolean;
  apiError: string | undefined;
}

export interface NetworkPolicyAgent {
  status(): NetworkPolicyStatus;
  stop(): Promise<void>;
}

/**
 * NetworkPolicy on this node: watches of Pods, Namespaces and
 * NetworkPolicies (trimmed as they arrive), the enforcer that replaces the
 * node's nft table in one transaction, and the socket the plugin's ADD
 * waits on. Until the three watches have listed, no pass runs, so a
 * restarted agent leaves the previous agent's table in force rather than
 * replace it with one built from half the cluster.
 */
export async function startNetworkPolicy(deps: {
  nodeName: string;
  runDir: string;
  kubeConfig: KubeConfig;
  metrics: AgentMetrics;
  log: Logger;
}): Promise<NetworkPolicyAgent> {
  const { kubeConfig, metrics } = deps;
  const log = deps.log.with({ controller: 'network-policy' });
  const paths = handoffPaths(deps.runDir);
  const enforcer = new PolicyEnforcer({ nft: new Nftables(execaRunner), paths, log });
  const bridgeError = await ensureBridgeFiltering(log);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const networking = kubeConfig.makeApiClient(NetworkingV1Api);
  const schedule = (): void => loop.schedule();
  const pods = new TrimmedWatch(kubeConfig, { resource: 'pods', path: '/api/v1/pods', list: (page) => core.listPodForAllNamespaces(page), trim: (pod) => podInfoOf(pod as ApiPod), onChange: schedule }, log);
  const namespaces = new TrimmedWatch(kubeConfig, { resource: 'namespaces', path: '/api/v1/namespaces', list: (page) => core.listNamespace(page), trim: (namespace) => namespaceInfoOf(namespace as ApiNamespace), onChange: schedule }, log);
  const policies = new TrimmedWatch(
    kubeConfig,
    {
      resource: 'networkpolicies',
      path: '/apis/networking.k8s.io/v1/networkpolicies',
      list: async (page) => {
        const list = await networking.listNetworkPolicyForAllNamespaces(page);
        return { ...list, items: list.items.map(listedPolicyAsApi) };
      },
      trim: (policy) => policyInfoOf(policy as ApiNetworkPolicy),
      onChange: schedule,
    },
    log,
  );
  const watches = [pods, namespaces, policies];
  let applied = false;
  let lastSummary = '';
  const loop = new SyncLoop(async (full) => {
    if (!watches.every((watch) => watch.synced)) return false;
    if (full) enforcer.forget();
    const stopTimer = metrics.netpolApplyDuration.startTimer();
    try {
      const report = await enforcer.pass({ self: deps.nodeName, policies: policies.values(), namespaces: namespaces.values(), pods: pods.values() });
      if (report.changed) stopTimer();
      metrics.netpolApplies.inc({ result: 'success' });
      metrics.netpolRules.set(report.rules);
      metrics.netpolSetElements.set(report.elements);
      metrics.netpolLocalPods.set(report.localPods);
      const summary = `${report.rules}/${report.elements}/${report.localPods}/${policies.values().length}`;
      if (report.changed && summary !== lastSummary) log.info('NetworkPolicy rules applied', { policies: policies.values().length, rules: report.rules, elements: report.elements, localPods: report.localPods, ms: Math.round(report.durationMs) });
      lastSummary = summary;
      applied = true;
      return true;
    } catch (error) {
      metrics.netpolApplies.inc({ result: 'failure' });
      throw error;
    }
  }, log);
  const cover = async ({ containerId, namespace, answerWithinMs }: CoverRequest): Promise<CoverReply> => {
    const deadlineMs = Math.min(COVER_DEADLINE_MS, answerWithinMs ?? COVER_DEADLINE_MS);
    const stopTimer = metrics.netpolCoverDuration.startTimer();
    // No policy of its namespace (as the synced watch has it) can select the pod: it needs no rule before it starts.
    // The pass still runs, for its addresses to join other policies' peer sets (until then it is refused where only a peer rule would let it in: closed, not open).
    if (namespace !== undefined && policies.synced && !policies.values().some((policy) => policy.namespace === namespace)) {
      loop.schedule();
      stopTimer({ result: 'unselected' });
      return { ok: true };
    }
    const answer = enforcer.cover(containerId);
    loop.schedule();
    const deadline = setTimeout(() => enforcer.expire(containerId, `the API has not shown the pod within ${deadlineMs} ms, so its labels (which policies select it) are unknown`), deadlineMs);
    const reply = await answer;
    clearTimeout(deadline);
    stopTimer({ result: reply.ok ? 'covered' : 'refused' });
    return reply;
  };
  const server: Server = await serveCoverRequests(paths.socket, cover);
  for (const watch of watches) watch.start();
  log.info('NetworkPolicy enforcement started', { socket: paths.socket });
  return {
    status: () => ({
      error: bridgeError ?? loop.health.lastError,
      applied,
      apiError: watches.map((watch) => watch.lastError).find(Boolean),
    }),
    async stop() {
      for (const watch of watches) watch.stop();
      server.close();
      await loop.stop();
    },
  };
}

/**
 * A NetworkPolicy of client-node's typed list in the API's own JSON shape,
 * the one watch events carry and policyInfoOf reads: the generated model
 * renames an ingress rule's `from` (a reserved word) to `_from`. Read as
 * it came, every policy the agent listed (all of them, at every start and
 * relist) would allow its ingress from anyone.
 */
export function listedPolicyAsApi(policy: V1NetworkPolicy): ApiNetworkPolicy {
  const ingress = policy.spec?.ingress;
  if (!ingress) return policy as ApiNetworkPolicy;
  return { ...policy, spec: { ...policy.spec, ingress: ingress.map(({ _from, ...rule }) => ({ ...rule, ...(_from && { from: _from }) })) } } as ApiNetworkPolicy;
}

/**
 * Turns on br_netfilter's hooks in this network namespace (the node's) if
 * they are off; returns the error to report when they cannot be on.
 */
async function ensureBridgeFiltering(log: Logger): Promise<string | undefined> {
  for (const path of BRIDGE_SYSCTLS) {
    const value = (await readFile(path, 'utf8').catch(() => undefined))?.trim();
    if (value === '1') continue;
    if (value === undefined) return `${path} is missing (br_netfilter is not loaded): traffic between pods of this node would not be judged by NetworkPolicy`;
    try {
      await writeFile(path, '1');
      log.info('bridge netfilter turned on', { path });
    } catch (error) {
      return `${path} is 0 and cannot be set (${(error as Error).message}): traffic between pods of this node would not be judged by NetworkPolicy`;
    }
  }
  return undefined;
}
