import { CniError, ErrorCode, IpRoute, type LinkAddresses, type Runner } from '@tscni/core';
import { isAlreadyDone, requireNoFailure, runBatch, type BatchFailure } from './batch.js';
import { bridgeRepairCommands, createBridgeCommand, requireBridge } from './bridge.js';
import type { BridgeConfig } from './config.js';
import { randomMac, vethCommands, type VethPlan } from './veth.js';

/** What ADD needs to know about the bridge once the host side is in place. */
export interface HostSide {
  bridgeMac: string;
  bridgeAddresses: LinkAddresses['addr_info'];
}

/**
 * Makes sure the bridge exists and is up, creates the veth pair with the
 * container end in the pod and attaches the host end, and reads the bridge
 * back: all in one `ip -batch` process when nothing goes wrong.
 */
export async function setUpHostSide(runner: Runner, config: BridgeConfig, plan: VethPlan): Promise<HostSide> {
  const createBridge = createBridgeCommand(config, randomMac());
  const veth = vethCommands(plan);
  const outcome = await runBatch(runner, [createBridge, ...veth, ['addr', 'show', 'dev', config.bridge]]);
  const bridge = parseLink(outcome.stdout);
  const bridgeExisted = (f: BatchFailure) => f.command === createBridge && isAlreadyDone(f);
  if (!bridge) {
    const failure = outcome.failures.find((f) => f.command === createBridge);
    throw new CniError(ErrorCode.Internal, `creating bridge ${config.bridge} failed: ${failure?.message ?? 'it is missing afterwards'}`);
  }
  requireBridge(bridge, config.bridge);

  const ip = new IpRoute(runner);
  let failures = outcome.failures.filter((f) => !bridgeExisted(f));
  if (failures.some((f) => f.command === veth[0]) && (await ip.link(plan.hostName))) {
    // A veth of this attachment's name is left from an ADD that crashed (the
    // name is derived from containerID and ifname): replace it.
    await ip.deleteLink(plan.hostName);
    failures = failures.filter((f) => !veth.includes(f.command as string[]));
    failures.push(...(await runBatch(runner, veth)).failures);
  }
  failures.push(...(await runBatch(runner, bridgeRepairCommands(bridge, config))).failures);
  requireNoFailure(failures, `setting up bridge ${config.bridge} and veth ${plan.hostName}`);
  return { bridgeMac: bridge.address ?? '', bridgeAddresses: bridge.addr_info };
}

/** The one link `ip -j addr show dev X` printed, if it printed one. */
function parseLink(stdout: string): LinkAddresses | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith('['));
  return line ? (JSON.parse(line) as LinkAddresses[])[0] : undefined;
}
