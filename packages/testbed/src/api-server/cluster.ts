import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { binary, type Sandbox, type TestNamespace } from '@tscni/core/testing';
import { ROUTE_PROTOCOL } from '@tscni/route-sync';

export const API_IP = '172.17.0.10';
export const API_PORT = 6443;

/** The seed scenario's nodes: name, node IP, podCIDR. */
export const SEED = [
  { name: 'kind-control-plane', ip: '172.17.0.2', podCidr: '10.244.0.0/24' },
  { name: 'kind-worker', ip: '172.17.0.4', podCidr: '10.244.2.0/24' },
  { name: 'kind-worker2', ip: '172.17.0.3', podCidr: '10.244.1.0/24' },
] as const;

/** The segment is dual stack: 172.17.0.N also has fd00:172:17::N. */
export function ipv6Of(ipv4: string): string {
  return `fd00:172:17::${ipv4.split('.').at(-1)}`;
}

export interface TestNode {
  name: string;
  ns: TestNamespace;
  confDir: string;
  stateDir: string;
  logFile: string;
  agent?: ChildProcess;
}

/**
 * One dual-stack L2 segment (a bridge in a "switch" namespace), a namespace per node
 * with eth0 on it, and one for the API server: everything the agents talk
 * to stays inside namespaces this test made.
 */
export async function makeSegment(sandbox: Sandbox): Promise<{ api: TestNamespace; nodes: TestNode[] }> {
  const sw = await sandbox.namespace('sw');
  await sandbox.exec(sw, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
  await sandbox.exec(sw, 'ip', ['link', 'set', 'br0', 'up']);
  const attach = async (ns: TestNamespace, port: string, address: string): Promise<void> => {
    await sandbox.exec(sw, 'ip', ['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.path]);
    await sandbox.exec(sw, 'ip', ['link', 'set', port, 'master', 'br0', 'up']);
    await sandbox.exec(ns, 'ip', ['addr', 'add', `${address}/16`, 'dev', 'eth0']);
    await sandbox.exec(ns, 'ip', ['addr', 'add', `${ipv6Of(address)}/64`, 'dev', 'eth0', 'nodad']);
    await sandbox.exec(ns, 'ip', ['link', 'set', 'eth0', 'up']);
  };
  const api = await sandbox.namespace('api');
  await attach(api, 'p-api', API_IP);
  const nodes: TestNode[] = [];
  for (const [i, seed] of SEED.entries()) {
    const ns = await sandbox.namespace(`n${i}`);
    await attach(ns, `p-n${i}`, seed.ip);
    const dir = await sandbox.dir();
    nodes.push({ name: seed.name, ns, confDir: join(dir, 'net.d'), stateDir: join(dir, 'run'), logFile: join(dir, 'agent.log') });
  }
  return { api, nodes };
}

/**
 * A kubeconfig for the agent at `server` (the seed segment's API server by
 * default). client-node only speaks plain http when TLS verification is off.
 */
export async function writeKubeconfig(dir: string, server = `http://${API_IP}:${API_PORT}`): Promise<string> {
  const path = join(dir, 'kubeconfig');
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: test\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true`,
      'users:',
      '- name: test\n  user:\n    token: test',
      'contexts:',
      '- name: test\n  context:\n    cluster: test\n    user: test',
      'current-context: test',
      '',
    ].join('\n'),
  );
  return path;
}

/** The seed scenario's cluster CIDR: every SEED podCidr is inside it. */
export const SEED_CLUSTER_CIDR = '10.244.0.0/16';

/** Runs the built agent inside the node's namespace, its logs appended to node.logFile. */
export async function startAgent(node: TestNode, kubeconfig: string, extraArgs: string[] = [], clusterCidr = SEED_CLUSTER_CIDR): Promise<void> {
  const log = await open(node.logFile, 'a');
  node.agent = spawn(
    'ip',
    [
      'netns', 'exec', node.ns.name, binary('tscni-agent'),
      '--node-name', node.name,
      '--kubeconfig', kubeconfig,
      '--cluster-cidr', clusterCidr,
      '--cni-conf-dir', node.confDir,
      '--state-dir', node.stateDir,
      '--health-addr', '127.0.0.1:9440',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', log.fd] },
  );
  await log.close();
}

export async function stopAgent(node: TestNode): Promise<number | null> {
  const agent = node.agent;
  if (!agent || agent.exitCode !== null || agent.signalCode !== null) return agent?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => agent.once('exit', resolve));
  agent.kill('SIGTERM');
  return exited;
}

/** The node's routes of our protocol, both families: dst -> gateway. */
export async function ourRoutes(sandbox: Sandbox, ns: TestNamespace): Promise<Record<string, string>> {
  const routes: Record<string, string> = {};
  for (const family of ['-4', '-6']) {
    const out = await sandbox.exec(ns, 'ip', ['-j', family, 'route', 'show', 'proto', String(ROUTE_PROTOCOL)]);
    for (const route of JSON.parse(out || '[]') as Array<{ dst: string; gateway: string }>) routes[route.dst] = route.gateway;
  }
  return routes;
}

export async function agentLog(node: TestNode): Promise<string> {
  return readFile(node.logFile, 'utf8').catch(() => '');
}

/** Thrown from a check to stop polling at once (an agent died: waiting cannot help). */
export class GiveUp extends Error {}

/** Throws GiveUp with the agent's log when it is no longer running. */
export async function requireRunning(node: TestNode): Promise<void> {
  if (node.agent && (node.agent.exitCode !== null || node.agent.signalCode !== null)) {
    throw new GiveUp(`the agent on ${node.name} exited (${node.agent.exitCode ?? node.agent.signalCode}):\n${await agentLog(node)}`);
  }
}

/** Polls until `check` stops throwing; the deadline is generous, as the machine may be busy. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 45_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (error instanceof GiveUp || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
