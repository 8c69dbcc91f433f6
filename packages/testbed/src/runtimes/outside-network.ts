import type { Sandbox, TestNamespace } from '@tscni/core/testing';
import { command } from './command.js';

/** The link between a node namespace and an "outside" namespace that stands for the internet. */
export interface Uplink {
  /** Interface name on both ends. */
  name: string;
  nodeAddress: string;
  outsideAddress: string;
}

/**
 * Connects `outside` to `node` with a veth pair on a documentation range and
 * turns on forwarding in the node. The outside namespace gets no route to any
 * pod subnet, so a pod's packet is answered only if the node masqueraded it.
 */
export async function connectOutside(sandbox: Sandbox, node: TestNamespace, outside: TestNamespace): Promise<Uplink> {
  const uplink: Uplink = { name: 'uplink', nodeAddress: '203.0.113.1', outsideAddress: '203.0.113.2' };
  await command('ip', ['-n', node.name, 'link', 'add', uplink.name, 'type', 'veth', 'peer', 'name', uplink.name, 'netns', outside.name]);
  for (const [ns, address] of [
    [node, uplink.nodeAddress],
    [outside, uplink.outsideAddress],
  ] as const) {
    await command('ip', ['-n', ns.name, 'addr', 'add', `${address}/24`, 'dev', uplink.name]);
    await command('ip', ['-n', ns.name, 'link', 'set', uplink.name, 'up']);
  }
  await sandbox.exec(node, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  return uplink;
}
