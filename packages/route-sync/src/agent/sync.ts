import { join } from 'node:path';
import { enableForwarding, familyOf, type IpRoute, type Logger, type Runner } from '@tscni/core';
import { buildConflist, CONFLIST_NAME } from './conflist.js';
import { writeFileAtomically } from './atomic-file.js';
import { connectedNetworks } from './connected-networks.js';
import { desiredState } from './desired-state.js';
import type { NonMasqueradeSync } from './masq-set.js';
import type { NodeInfo } from './node-info.js';
import type { AgentOptions } from './options.js';
import { reconcileRoutes } from './routes.js';
import { writeState } from './state-writer.js';

export interface SyncDeps {
  options: AgentOptions;
  ip: IpRoute;
  runner: Runner;
  syncNonMasquerade: NonMasqueradeSync;
  log: Logger;
}

/** Remembered between passes so unchanged things are neither redone nor re-logged. */
export interface SyncMemory {
  skipped?: string;
  nonMasquerade?: string;
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
  const skipped = JSON.stringify(desired.skipped);
  if (skipped !== memory.skipped) {
    for (const skip of desired.skipped) log.warn('peer pod CIDR not routed', { ...skip });
    memory.skipped = skipped;
  }
  await reconcileRoutes(deps.ip, desired.routes, log);
  await writeState(options.stateDir, options.nodeName, desired.routes);

  const nonMasquerade = JSON.stringify(desired.nonMasqueradeCidrs);
  if (nonMasquerade !== memory.nonMasquerade) {
    await deps.syncNonMasquerade(desired.nonMasqueradeCidrs);
    log.info('non-masquerade set synced', { cidrs: desired.nonMasqueradeCidrs });
    memory.nonMasquerade = nonMasquerade;
  }

  if (!desired.ownPodCidrs?.length) {
    log.warn('this node has no podCIDR yet: no CNI config written', { node: options.nodeName });
    return;
  }
  const families = [4, ...desired.ownPodCidrs.map((cidr) => familyOf(cidr) ?? 4)] as Array<4 | 6>;
  await enableForwarding(deps.runner, families);
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
