import { binary, execPluginIn, type PluginRun } from '@tscni/core/testing';

export const HOST_LOCAL = binary('tscni-host-local');

export interface IpamNet {
  name: string;
  cniVersion?: string;
  ipam: Record<string, unknown>;
  [key: string]: unknown;
}

/** Runs an IPAM plugin (ours by default) as a main plugin would delegate to it. */
export function ipam(
  command: string,
  containerId: string,
  net: IpamNet,
  options: { plugin?: string; args?: string; ifName?: string; netns?: string; env?: Record<string, string> } = {},
): Promise<PluginRun> {
  const config = { cniVersion: '1.0.0', type: 'bridge', ...net };
  return execPluginIn(
    undefined,
    options.plugin ?? HOST_LOCAL,
    {
      command,
      containerId,
      ifName: options.ifName ?? 'eth0',
      netns: options.netns ?? (command === 'ADD' || command === 'CHECK' ? '/var/run/netns/ipam-only' : ''),
      cniPath: '/nonexistent',
      args: options.args,
      env: options.env,
    },
    config,
  );
}

/** The addresses a successful ADD returned, without prefix lengths. */
export function addressesOf(run: PluginRun): string[] {
  if (run.exitCode !== 0) throw new Error(`plugin failed: ${run.stdout}${run.stderr}`);
  return ((run.json?.ips ?? []) as Array<{ address: string }>).map((ip) => ip.address.split('/')[0]!);
}

export const ids = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
