import type { IpRoute, Logger } from '@tscni/core';
import { planRoutes, type RoutePlan } from '../route-plan.js';
import { readMainTable } from '../route-table.js';
import type { PeerRoute } from '../routes-proto.js';

/**
 * Brings this node's routes of our protocol to the desired set in one
 * `ip -batch`: adds and re-addresses what differs, deletes what is ours and
 * no longer wanted (including stale routes from before a restart), and never
 * touches a route of another protocol. Returns the plan it applied.
 */
export async function reconcileRoutes(ip: IpRoute, desired: readonly PeerRoute[], log: Logger): Promise<RoutePlan> {
  const plan = planRoutes(desired, await readMainTable(ip), { removeStale: true });
  if (plan.commands.length > 0) {
    await ip.batch(plan.commands);
    log.info('routes changed', { commands: plan.commands.map((command) => command.join(' ')) });
  }
  return plan;
}
