import { join } from 'node:path';
import { familyOf, type IpRoute, type Logger } from '@tscni/core';
import { buildConflist, CONFLIST_NAME } from './conflist.js';
import { writeFileAtomically } from './atomic-file.js';
import { connectedNetworks } from './connected-networks.js';
import { desiredState } from './desired-state.js';
import type { NonMasqueradeSync } from './masq-set.js';
import type { NodeInfo } from './node-info.js';
import type { AgentOptions } from './options.js';
import { reconcileRoutes } from './routes.js';
import { writeState } from './state-writer.js';

/** Everything a pass changes on the node, injectable so tests need no real node. */
export interface SyncDeps {
  options: AgentOptions;
  ip: IpRoute;
  syncNonMasquerade: NonMasqueradeSync;
  enableForwarding: (families: Array<4 | 6>) => Promise<void>;
  log: Logger;
}

/** Remembered between passes so unchanged things are neither redone nor re-logged. */
export type SyncMemory = Partial<Record<'skipped' | 'blocked' | 'nonMasquerade', string>>;

/** Runs `act` only when `value` differs from the one of the last pass that got through. */
async function onChange(memory: SyncMemory, key: keyof SyncMemory, value: unknown, act: () => unknown): Promise<void> {
  const text = JSON.stringify(value);
  if (memory[key] === text) return;
  await act();
  memory[key] = text;
}

/**
 * One pass: routes to peers, the state file for the plugin, this node's
 * conflist, the non-masquerade set and forwarding, all from the Node list.
 * The conflist comes last: a runtime starts pods once it exists, and by then
 * routes and state are in place.
 */
export async function syncNode(deps: SyncDeps, nodes: NodeInfo[], memory: SyncMemory): Promise<void> {
  const { options, log } = deps;
  const desired = desiredState({
    nodes,
    self: options.nodeName,
    clusterCidrs: options.clusterCidrs,
    extraNonMasqueradeCidrs: options.extraNonMasqueradeCidrs,
    connected: await connectedNetworks(deps.ip),
  });
  await onChange(memory, 'skipped', desired.skipped, () => {
    for (const skip of desired.skipped) log.warn('peer pod CIDR not routed', { ...skip });
  });
  const plan = await reconcileRoutes(deps.ip, desired.routes, log);
  await onChange(memory, 'blocked', plan.blockedByForeign, () => {
    for (const route of plan.blockedByForeign) {
      log.warn('route to peer not made: a route of another protocol already has this prefix', { ...route });
    }
  });
  await writeState(options.stateDir, options.nodeName, desired.routes);
  // Every pass, so rules flushed by someone else come back with the next resync.
  await deps.syncNonMasquerade(desired.nonMasqueradeCidrs);
  await onChange(memory, 'nonMasquerade', desired.nonMasqueradeCidrs, () =>
    log.info('non-masquerade set synced', { cidrs: desired.nonMasqueradeCidrs }),
  );

  if (!desired.ownPodCidrs?.length) {
    log.warn('this node has no podCIDR yet: no CNI config written', { node: options.nodeName });
    return;
  }
  const families = [...new Set([4, ...desired.ownPodCidrs.map((cidr) => familyOf(cidr) ?? 4)])] as Array<4 | 6>;
  await deps.enableForwarding(families);
  const conflist = buildConflist({
    podCidrs: desired.ownPodCidrs,
    // The same set the masq rules hold, or the next ADD would put a different one back.
    nonMasqueradeCidrs: desired.nonMasqueradeCidrs,
    stateDir: options.stateDir,
  });
  const path = join(options.cniConfDir, CONFLIST_NAME);
  if (await writeFileAtomically(path, JSON.stringify(conflist, null, 2) + '\n')) {
    log.info('CNI config written', { path, podCidrs: desired.ownPodCidrs });
  }
}
