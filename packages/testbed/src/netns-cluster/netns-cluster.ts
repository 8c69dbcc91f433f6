import { enableForwarding, execaRunner, familyOf, IpRoute } from '@tscni/core';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox, TestNamespace } from '@tscni/core/testing';
import { familyNetOf, type NodeSpec, type Topology } from './topology.js';

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
  await ip(switchNs).batch([
    ['link', 'add', SWITCH_BRIDGE, 'type', 'bridge'],
    ['link', 'set', SWITCH_BRIDGE, 'up'],
  ]);
  await plugIntoSwitch(switchNs, gateway, 'gw');
  await ip(gateway).run(['link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside.path]);
  await ip(gateway).batch([
    ...topo.nets.flatMap(({ segment, outside: host }) => [
      addAddress(`${segment.gateway}/${segment.prefixLength}`, 'eth0'),
      addAddress(`${host.gateway}/${host.prefixLength}`, 'eth1'),
    ]),
    ['link', 'set', 'eth1', 'up'],
  ]);
  await ip(outside).batch([
    ...topo.nets.map(({ outside: host }) => addAddress(`${host.host}/${host.prefixLength}`, 'eth0')),
    ['link', 'set', 'eth0', 'up'],
    ...topo.nets.map(({ outside: host }) => defaultRoute(host.gateway)),
  ]);
  await enableForwarding(execaRunner, topo.families, gateway.path);
  return { switch: switchNs, gateway, outside };
}

/** A node: its eth0 on the segment with the node IP of every family, default routes via the gateway. */
export async function createNode(sandbox: Sandbox, segment: Segment, topo: Topology, spec: NodeSpec): Promise<ClusterNode> {
  const ns = await sandbox.namespace(spec.key);
  await plugIntoSwitch(segment.switch, ns, spec.key);
  await ip(ns).batch([
    ...spec.nets.map(({ family, ip: address }) => addAddress(`${address}/${familyNetOf(topo, family).segment.prefixLength}`, 'eth0')),
    ...topo.nets.map(({ segment: { gateway } }) => defaultRoute(gateway)),
  ]);
  return { ...spec, ns, dirs: await nodeDirs(await sandbox.dir()) };
}

/**
 * The machines' own addresses skip duplicate address detection (nodad): an
 * IPv6 address stays tentative, unusable, for a second or two otherwise,
 * and no one else on this segment could hold it.
 */
function addAddress(cidr: string, dev: string): string[] {
  return ['addr', 'add', cidr, 'dev', dev, ...(familyOf(cidr) === 6 ? ['nodad'] : [])];
}

/** The default route of the gateway's family: "default" alone would mean IPv4. */
function defaultRoute(gateway: string): string[] {
  return ['route', 'add', familyOf(gateway) === 6 ? '::/0' : '0.0.0.0/0', 'via', gateway];
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
