import { CniError, delegate, delegateAdd, type CmdArgs, type Result } from '@tscni/core';
import { HostLocalCode } from '@tscni/host-local';
import { DEFAULT_IPAM_TYPE, type BridgeConfig } from './config.js';

type IpamCommand = 'DEL' | 'CHECK' | 'GC' | 'STATUS';

/**
 * IPAM ADD through the configured plugin (any: tscni-host-local, host-local,
 * static...), with our own stdin or the one the podcidr shorthand builds.
 * A layer-2 only network (no ipam) has no result. No runner is passed: core
 * then runs a bundled tscni IPAM in this process, and executes any other.
 *
 * The runtime never ADDs an attachment twice without a DEL between, so an
 * address tscni-host-local says this attachment holds already (code 102) is
 * what an ADD killed before it answered left behind. It is released and
 * allocated anew, as host-side.ts replaces that ADD's veth: otherwise the
 * attachment could not be added again until someone ran DEL (a runtime that
 * restarts a container under the same ID after a node crash never does).
 */
export async function ipamAdd(config: BridgeConfig, args: CmdArgs): Promise<Result | undefined> {
  const ipam = config.ipam;
  if (!ipam) return undefined;
  const add = () => delegateAdd(ipam.type, args, { stdin: config.ipamStdin });
  try {
    return await add();
  } catch (error) {
    if (!(ipam.type === DEFAULT_IPAM_TYPE && error instanceof CniError && error.code === HostLocalCode.AlreadyAllocated)) throw error;
    args.log.warn('the attachment already held an address (an ADD before this one was killed): releasing it and allocating again', {
      error: error.message,
    });
    await ipamRun(config, 'DEL', args);
    return add();
  }
}

/** DEL, CHECK, GC or STATUS through the IPAM plugin; nothing to do without one. */
export async function ipamRun(config: BridgeConfig, command: IpamCommand, args: CmdArgs): Promise<void> {
  if (!config.ipam) return;
  await delegate(config.ipam.type, command, args, { stdin: config.ipamStdin });
}
