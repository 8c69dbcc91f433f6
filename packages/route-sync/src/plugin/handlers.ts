import { CniError, ErrorCode, IpRoute, spawnRunner, type CmdArgs, type PluginHandlers, type Result } from '@tscni/core';
import { planRoutes } from '../route-plan.js';
import { readMainTable } from '../route-table.js';
import { loadConfig, requirePrevResult } from './config.js';
import { loadPeerRoutes } from './peer-routes.js';

/**
 * ADD makes sure the node routes to every known peer before the pod is
 * reported ready (the agent may not have caught up after a node reboot);
 * CHECK verifies that; DEL has nothing to undo: the routes belong to the node,
 * not to the pod.
 */
export function routeSyncHandlers(ip: IpRoute = new IpRoute(spawnRunner)): PluginHandlers {
  return {
    async add(args: CmdArgs): Promise<Result> {
      const prevResult = requirePrevResult(args);
      const routes = await loadPeerRoutes(loadConfig(args).stateDir);
      const plan = planRoutes(routes, await readMainTable(ip), { removeStale: false });
      for (const route of plan.blockedByForeign) {
        args.log.warn('route to peer left alone: another protocol routes this prefix', { ...route });
      }
      await ip.batch(plan.commands);
      return prevResult;
    },
    async check(args: CmdArgs): Promise<void> {
      requirePrevResult(args);
      const routes = await loadPeerRoutes(loadConfig(args).stateDir);
      const plan = planRoutes(routes, await readMainTable(ip), { removeStale: false });
      if (plan.commands.length > 0) {
        const missing = plan.commands.map((command) => `${command[2]} via ${command[4]}`).join(', ');
        throw new CniError(ErrorCode.Internal, `routes to peers missing or wrong: ${missing}`);
      }
    },
    async del(): Promise<void> {},
  };
}
