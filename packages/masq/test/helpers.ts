import { binary, execPluginIn, type PluginRun, type Sandbox, type TestNamespace } from '@tscni/core/testing';

export const MASQ = binary('tscni-masq');

export function masqConfig(extra: object = {}, cniVersion = '1.1.0'): Record<string, unknown> {
  return { cniVersion, name: 'mqnet', type: 'tscni-masq', ...extra };
}

/** A prevResult as a bridge + IPAM chain would hand it on. */
export function podResult(...addresses: string[]): Record<string, unknown> {
  return {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'eth0', mac: '0a:58:0a:f4:01:05', sandbox: '/var/run/netns/pod' }],
    ips: addresses.map((address) => ({ address, interface: 0 })),
  };
}

/** Runs tscni-masq inside `node` as a runtime would. */
export function runMasq(
  node: TestNamespace,
  command: string,
  config: object | string,
  env: { containerId?: string; netns?: string } = {},
): Promise<PluginRun> {
  return execPluginIn(
    node,
    MASQ,
    {
      command,
      containerId: env.containerId ?? 'mq-c1',
      netns: 'netns' in env ? env.netns : '/var/run/netns/mq-pod',
      ifName: 'eth0',
      cniPath: '/usr/lib/cni',
    },
    config,
  );
}

/** The node's nat rules in one iptables flavour and family, as `-S` lines. */
export async function natRules(sandbox: Sandbox, node: TestNamespace, tool = 'iptables-nft'): Promise<string[]> {
  return (await sandbox.exec(node, tool, ['-w', '5', '-t', 'nat', '-S'])).split('\n').filter(Boolean);
}

/** Only the lines tscni-masq owns: its chain and the jump to it. */
export const masqLines = (lines: string[], chain = 'TSCNI-MASQ') => lines.filter((line) => line.includes(chain));

/** The destinations of the RETURN rules, in order. */
export const returnTargets = (lines: string[]) =>
  lines.filter((line) => line.includes('-j RETURN')).map((line) => line.split(' ')[3] ?? '');
