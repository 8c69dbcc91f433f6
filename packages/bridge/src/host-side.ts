import { IpRoute, type LinkAddresses, type Runner } from '@tscni/core';
import { isAlreadyDone, requireNoFailure, runBatch, type BatchFailure } from './batch.js';
import { bridgeCommands, readBridge } from './bridge.js';
import type { BridgeConfig } from './config.js';
import { randomMac, vethCommands, type VethPlan } from './veth.js';

/** What ADD needs to know about the bridge once the host side is in place. */
export interface HostSide {
  bridgeMac: string;
  bridgeAddresses: LinkAddresses['addr_info'];
}

/**
 * Makes sure the bridge exists and is up, and creates the veth pair with
 * the container end in the pod: one read and one `ip -batch` process when
 * nothing goes wrong.
 */
export async function setUpHostSide(runner: Runner, config: BridgeConfig, plan: VethPlan): Promise<HostSide> {
  const ip = new IpRoute(runner);
  const existing = await readBridge(ip, config.bridge);
  const newMac = randomMac();
  const bridgeSetup = bridgeCommands(existing, config, newMac);
  const veth = vethCommands(plan);
  let failures = await runBatch(runner, [...bridgeSetup, ...veth]);

  if (failures.some((f) => f.command === veth[0]) && (await ip.link(plan.hostName))) {
    // A veth of this attachment's name is left from an ADD that was never
    // deleted (the name is derived from containerID and ifname): replace it.
    await ip.deleteLink(plan.hostName);
    failures = [...failures.filter((f) => !veth.includes(f.command as string[])), ...(await runBatch(runner, veth))];
  }
  const bridgeRace = (f: BatchFailure) => !existing && f.command === bridgeSetup[0] && isAlreadyDone(f);
  requireNoFailure(failures, `setting up bridge ${config.bridge} and veth ${plan.hostName}`, bridgeRace);
  if (existing) return { bridgeMac: existing.address ?? '', bridgeAddresses: existing.addr_info };
  if (!failures.some(bridgeRace)) return { bridgeMac: newMac, bridgeAddresses: [] };
  // Another ADD created the bridge between our read and our batch: read what it made.
  const made = await readBridge(ip, config.bridge);
  return { bridgeMac: made?.address ?? '', bridgeAddresses: made?.addr_info ?? [] };
}
