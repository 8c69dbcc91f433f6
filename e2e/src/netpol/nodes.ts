import { spawn } from 'node:child_process';
import { open, readdir, readFile, symlink } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { binary, type Sandbox } from '@tscni/core/testing';
import { CONFLIST_NAME } from '@tscni/agent';
import { eventually, ipv6Of, requireRunning, type TestNode } from '@tscni/testbed';
import { Probe } from './probe.js';

/** The cluster's pod CIDRs, one per family, as --cluster-cidr takes them. */
export const CLUSTER_CIDRS = ['10.244.0.0/16', 'fd00:10:244::/56'];
/** Where each node's host probe listens (TCP and UDP): a host-network server, for egress and ipBlock checks. */
export const HOST_PORT = 7000;
const HEALTH = 'http://127.0.0.1:9440';

/** A node of the segment (makeSegment) with what NetworkPolicy adds: its run dir, its own stores, and a probe on its host side. */
export interface PolicyNode {
  node: TestNode;
  ips: { 4: string; 6: string };
  podCidrs: { 4: string; 6: string };
  /** --netpol-run-dir: the agent's socket, the plugin's pod records, isolated-namespaces. */
  runDir: string;
  /** --ipam-data-dir: every node shares this machine's disk. */
  ipamDir: string;
  /** The runtime's result cache (libcni's /var/lib/cni). */
  cacheDir: string;
  /** The node's host network namespace: a server on HOST_PORT, and a client, as the node itself. */
  host: Probe;
}

/** One dual-stack node: the pod CIDRs of both families follow the IPv4 one's third octet. */
export async function policyNode(sandbox: Sandbox, node: TestNode, ipv4: string, podCidr4: string): Promise<PolicyNode> {
  const octet = podCidr4.split('.')[2];
  const host = await Probe.start(node.ns, `node ${node.name}`);
  await host.listen([{ proto: 'tcp', port: HOST_PORT }, { proto: 'udp', port: HOST_PORT }]);
  return {
    node,
    ips: { 4: ipv4, 6: ipv6Of(ipv4) },
    podCidrs: { 4: podCidr4, 6: `fd00:10:244:${octet}::/64` },
    runDir: join(await sandbox.dir(), 'netpol'),
    ipamDir: await sandbox.dir(),
    cacheDir: await sandbox.dir(),
    host,
  };
}

/**
 * Runs the built agent in the node's namespace as the DaemonSet would with
 * NetworkPolicy on (TSCNI_NETWORK_POLICY=enforce), every directory inside
 * the sandbox. testbed's startAgent cannot set the environment, which the
 * nft-less case needs; this one fills `node.agent` the same way, so
 * stopAgent, requireRunning and agentLog apply.
 */
export async function startPolicyAgent(policy: PolicyNode, kubeconfig: string, env: Record<string, string> = {}): Promise<void> {
  const { node } = policy;
  const log = await open(node.logFile, 'a');
  const args = [
    ...['--node-name', node.name, '--kubeconfig', kubeconfig],
    ...CLUSTER_CIDRS.flatMap((cidr) => ['--cluster-cidr', cidr]),
    ...['--cni-conf-dir', node.confDir, '--state-dir', node.stateDir, '--ipam-data-dir', policy.ipamDir],
    // No hostPorts here: the machine's own portmap (in /opt/cni/bin) stays out of the chain.
    '--portmap-plugin=',
    ...['--health-addr', '127.0.0.1:9440', '--netpol-run-dir', policy.runDir],
  ];
  node.agent = spawn('ip', ['netns', 'exec', node.ns.name, binary('tscni-agent'), ...args], {
    env: { ...process.env, TSCNI_NETWORK_POLICY: 'enforce', ...env },
    stdio: ['ignore', 'ignore', log.fd],
  });
  await log.close();
}

/** The agent's /healthz or /readyz, asked from the node itself. */
export async function health(policy: PolicyNode, path: '/healthz' | '/readyz'): Promise<{ status: number; body: Record<string, unknown> }> {
  const { status, body } = await policy.host.http(`${HEALTH}${path}`);
  return { status, body: JSON.parse(body) as Record<string, unknown> };
}

/** The agent's cover waits so far (tscni_netpol_pod_cover_duration_seconds, result "covered"): how many, and their mean in ms. */
export async function coverWaits(policy: PolicyNode): Promise<{ count: number; meanMs: number }> {
  const { body } = await policy.host.http(`${HEALTH}/metrics`);
  const value = (series: string) => Number(new RegExp(`^tscni_netpol_pod_cover_duration_seconds_${series}\\{result="covered"\\} (\\S+)$`, 'm').exec(body)?.[1] ?? 0);
  const count = value('count');
  return { count, meanMs: count > 0 ? Math.round((value('sum') / count) * 1000) : 0 };
}

/** Until /readyz says 200: the Node known, the conflist written, the NetworkPolicy rules applied. */
export async function waitReady(policy: PolicyNode, timeoutMs = 60_000): Promise<void> {
  await eventually(async () => {
    await requireRunning(policy.node);
    const ready = await health(policy, '/readyz');
    if (ready.status !== 200) throw new Error(`not ready: ${JSON.stringify(ready.body)}`);
  }, timeoutMs, 100);
}

/** The conflist the agent wrote for the node, as a runtime reads it. */
export async function conflistText(policy: PolicyNode): Promise<string> {
  return readFile(join(policy.node.confDir, CONFLIST_NAME), 'utf8');
}

/** The namespaces the agent found policies in at its last apply (what the plugin decides by when the agent is down). */
export async function isolatedNamespaces(policy: PolicyNode): Promise<string[]> {
  return JSON.parse(await readFile(join(policy.runDir, 'isolated-namespaces'), 'utf8').catch(() => '[]')) as string[];
}

/**
 * Until the node's agent has applied a rule set knowing a policy of
 * `namespace`. A policy the API has just accepted reaches the agents through
 * their watch a moment later; a pod created in that moment would be covered
 * by rules without it, as with any CNI. The cases here create the policy
 * first and wait for this, then the pod.
 */
export async function waitPolicyKnown(policy: PolicyNode, namespace: string): Promise<void> {
  await eventually(async () => {
    await requireRunning(policy.node);
    expect(await isolatedNamespaces(policy)).toContain(namespace);
  }, 30_000, 50);
}

/** The pod records tscni-netpol left in the run dir, by container ID. */
export async function podRecords(policy: PolicyNode): Promise<string[]> {
  return (await readdir(join(policy.runDir, 'pods')).catch(() => [] as string[])).filter((name) => !name.endsWith('.tmp'));
}

/**
 * A PATH like this process's, without nft: a directory of links to every
 * program on PATH but nft (the first of each name, as a lookup finds it).
 */
export async function pathWithoutNft(dir: string): Promise<string> {
  const seen = new Set(['nft']);
  for (const entry of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of await readdir(entry).catch(() => [] as string[])) {
      if (seen.has(name)) continue;
      seen.add(name);
      await symlink(join(entry, name), join(dir, name));
    }
  }
  return dir;
}
