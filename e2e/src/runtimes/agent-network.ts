import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetConfList } from '@tscni/core';
import type { Sandbox, TestNamespace } from '@tscni/core/testing';
import { CONFLIST_NAME } from '@tscni/agent';
// The test bed's stand-in API server, and the built agent run as a node runs it.
import {
  API_PORT, FakeApiServer, GiveUp, agentLog, eventually, kubeNode, requireRunning, startAgent, stopAgent, writeKubeconfig, type TestNode,
} from '@tscni/testbed';

export interface AgentNode {
  /** The Node object's name (the agent's --node-name). */
  name: string;
  /** Its InternalIP. A lone node routes to no peer, so it only has to be a valid address. */
  internalIp: string;
  /** spec.podCIDR: the range the conflist's IPAM hands out. */
  podCidr: string;
  /** --cluster-cidr: pods reach these destinations unmasqueraded. */
  clusterCidr: string;
}

export interface AgentNetwork {
  /** 10-tscni.conflist as the agent wrote it. */
  conflist: NetConfList;
  /** The conflist's tscni-host-local store (--ipam-data-dir). */
  ipamDataDir: string;
  /**
   * The agent's --state-dir: the chained tscni-route-sync plugin reads its
   * state file and tscni-masq its lock file there, so it stays in place (in
   * the sandbox) for the rest of the test.
   */
  stateDir: string;
}

/**
 * The conflist the node agent writes for `node`, made by the built
 * `tscni-agent` itself rather than by hand: an API server holding
 * this one Node is started inside the node namespace, the agent runs there
 * (as its DaemonSet runs on a node) with every directory under the sandbox,
 * and once the conflist is written both are stopped. What the agent left in
 * the namespace (its masquerade rules, forwarding) stays, as on a node.
 */
export async function agentNetwork(sandbox: Sandbox, ns: TestNamespace, node: AgentNode): Promise<AgentNetwork> {
  const dir = await sandbox.dir();
  const ipamDataDir = join(dir, 'ipam');
  const agent: TestNode = { name: node.name, ns, confDir: join(dir, 'net.d'), stateDir: join(dir, 'run'), logFile: join(dir, 'agent.log') };
  const api = await FakeApiServer.start(ns, API_PORT, dir);
  try {
    await api.put(kubeNode(node.name, [node.internalIp], [node.podCidr]));
    // Served in the agent's own namespace: reached over its loopback.
    const kubeconfig = await writeKubeconfig(dir, `http://127.0.0.1:${API_PORT}`);
    await startAgent(agent, kubeconfig, ['--ipam-data-dir', ipamDataDir], node.clusterCidr);
    let conflist: NetConfList;
    try {
      conflist = await eventually(async () => {
        await requireRunning(agent);
        return JSON.parse(await readFile(join(agent.confDir, CONFLIST_NAME), 'utf8')) as NetConfList;
      });
    } catch (error) {
      await stopAgent(agent);
      if (error instanceof GiveUp) throw error; // it carries the log already
      throw new Error(`no ${CONFLIST_NAME} from the agent on ${node.name} (${(error as Error).message}); its log:\n${await agentLog(agent)}`);
    }
    // SIGTERM, as the DaemonSet's pod gets: a clean stop leaves the files in place.
    const code = await stopAgent(agent);
    if (code !== 0) throw new Error(`the agent on ${node.name} exited with ${code}:\n${await agentLog(agent)}`);
    return { conflist, ipamDataDir, stateDir: agent.stateDir };
  } finally {
    await api.kill();
  }
}
