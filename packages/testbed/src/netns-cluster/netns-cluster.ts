import { enableForwarding, execaRunner, IpRoute } from '@tscni/core';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox, TestNamespace } from '@tscni/core/testing';
import type { NodeSpec, Topology } from './topology.js';

/**
 * The machines of the local cluster, each a network namespace made by the
 * sandbox: a "switch" holding the segment's bridge, a gateway (the docker
 * host of a kind cluster) that also routes to an "outside" host, and the
 * nodes. Nothing here touches the machine's own namespace: veths are made
 * inside one namespace with the peer placed straight into another.
 */
export interface Segment {
  switch: TestNamespace;
  gateway: TestNamespace;
  outside: TestNamespace;
}

export interface ClusterNode extends NodeSpec {
  ns: TestNamespace;
  /** The node's own /etc/cni/net.d, /opt/cni/bin, /var/lib/cni and /run/tscni, in temp dirs. */
  dirs: NodeDirs;
}

export interface NodeDirs {
  conf: string;
  bin: string;
  cache: string;
  ipam: string;
  state: string;
  agentLog: string;
}

const SWITCH_BRIDGE = 'seg0';

export function ip(ns: TestNamespace): IpRoute {
  return new IpRoute(execaRunner, ns.path);
}

export async function createSegment(sandbox: Sandbox, topo: Topology): Promise<Segment> {
  const [switchNs, gateway, outside] = await Promise.all([
    sandbox.namespace('switch'),
    sandbox.namespace('gw'),
    sandbox.namespace('outside'),
  ]);
  const { segment } = topo;
  await ip(switchNs).batch([
    ['link', 'add', SWITCH_BRIDGE, 'type', 'bridge'],
    ['link', 'set', SWITCH_BRIDGE, 'up'],
  ]);
  await plugIntoSwitch(switchNs, gateway, 'gw');
  await ip(gateway).batch([
    ['addr', 'add', `${segment.gateway}/${segment.prefixLength}`, 'dev', 'eth0'],
    ['link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside.path],
    ['addr', 'add', `${topo.outside.gateway}/24`, 'dev', 'eth1'],
    ['link', 'set', 'eth1', 'up'],
  ]);
  await ip(outside).batch([
    ['addr', 'add', `${topo.outside.host}/24`, 'dev', 'eth0'],
    ['link', 'set', 'eth0', 'up'],
    ['route', 'add', 'default', 'via', topo.outside.gateway],
  ]);
  await enableForwarding(execaRunner, [4], gateway.path);
  return { switch: switchNs, gateway, outside };
}

/** A node: its eth0 on the segment with the node IP, a default route via the gateway. */
export async function createNode(sandbox: Sandbox, segment: Segment, topo: Topology, spec: NodeSpec): Promise<ClusterNode> {
  const ns = await sandbox.namespace(spec.key);
  await plugIntoSwitch(segment.switch, ns, spec.key);
  await ip(ns).batch([
    ['addr', 'add', `${spec.ip}/${topo.segment.prefixLength}`, 'dev', 'eth0'],
    ['route', 'add', 'default', 'via', topo.segment.gateway],
  ]);
  return { ...spec, ns, dirs: await nodeDirs(await sandbox.dir()) };
}

async function nodeDirs(root: string): Promise<NodeDirs> {
  const dirs = { conf: 'net.d', bin: 'bin', cache: 'cache', ipam: 'networks', state: 'state' };
  const paths = Object.fromEntries(Object.entries(dirs).map(([key, sub]) => [key, join(root, sub)]));
  await Promise.all(Object.values(paths).map((path) => mkdir(path)));
  return { ...paths, agentLog: join(root, 'agent.log') } as NodeDirs;
}

/** A veth from the switch's bridge to `machine`'s eth0, both ends up. */
async function plugIntoSwitch(switchNs: TestNamespace, machine: TestNamespace, port: string): Promise<void> {
  await ip(switchNs).batch([
    ['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', machine.path],
    ['link', 'set', port, 'master', SWITCH_BRIDGE],
    ['link', 'set', port, 'up'],
  ]);
  await ip(machine).run(['link', 'set', 'eth0', 'up']);
}
