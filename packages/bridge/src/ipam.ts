import { delegate, delegateAdd, type CmdArgs, type Result } from '@tscni/core';
import type { BridgeConfig } from './config.js';

type IpamCommand = 'DEL' | 'CHECK' | 'GC' | 'STATUS';

/**
 * IPAM ADD through the configured plugin (any: tscni-host-local, host-local,
 * static...), with our own stdin or the one the podcidr shorthand builds.
 * A layer-2 only network (no ipam) has no result. No runner is passed: core
 * then runs a bundled tscni IPAM in this process, and executes any other.
 */
export async function ipamAdd(config: BridgeConfig, args: CmdArgs): Promise<Result | undefined> {
  if (!config.ipam) return undefined;
  return delegateAdd(config.ipam.type, args, { stdin: config.ipamStdin });
}

/** DEL, CHECK, GC or STATUS through the IPAM plugin; nothing to do without one. */
export async function ipamRun(config: BridgeConfig, command: IpamCommand, args: CmdArgs): Promise<void> {
  if (!config.ipam) return;
  await delegate(config.ipam.type, command, args, { stdin: config.ipamStdin });
}
