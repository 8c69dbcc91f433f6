import { IpRoute, type CmdArgs, type Runner } from '@tscni/core';
import { loadConfig } from './config.js';
import { ipamRun } from './ipam.js';
import { step, throwFailures } from './steps.js';
import { hostVethName } from './veth.js';

/**
 * DEL is best effort and idempotent. The address is released whatever else
 * happens (no early return before it: leaked addresses are the field's most
 * reported CNI bug), and the veth is found by its derived name, so neither
 * needs the pod's namespace, which may be gone. The bridge stays: it is shared.
 */
export async function cmdDel(args: CmdArgs, runner: Runner): Promise<void> {
  const config = loadConfig(args.config);
  const hostVeth = hostVethName(args.containerId, args.ifName);
  const outcomes = await Promise.allSettled([
    step(`IPAM DEL (${config.ipam?.type})`, ipamRun(config, 'DEL', args)),
    // Deleting the host end deletes the container end with it.
    step(`deleting veth ${hostVeth}`, new IpRoute(runner).deleteLink(hostVeth)),
  ]);
  throwFailures(outcomes);
}
