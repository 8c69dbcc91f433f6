import { formatPrefix, type IpPrefix, type IpRoute, type Logger } from '@tscni/core';
import { FileKeeper, OnChange, type ClusterView, type NodeController } from '@tscni/core/node-agent';
import { stateFilePath } from '../state-file.js';
import { connectedNetworks } from './connected-networks.js';
import { desiredRoutes, type DesiredRoutes, type RouteMemo } from './desired-routes.js';
import { OwnRoutes, type RouteChangeReport } from './own-routes.js';

export interface PeerRoutesDeps {
  ip: IpRoute;
  /** Where the state file for the tscni-route-sync plugin is kept. */
  stateDir: string;
  log: Logger;
  /** Hears what each apply changed in the route table (the agent counts it); nothing by default. */
  onRouteChanges?: RouteChangeReport;
}

/**
 * The node agent's controller of routes to the peers' pod CIDRs, and of the
 * state file that tells the per-pod plugin which routes exist.
 *
 * After a full pass's reread it starts from what the last pass left: it
 * recomputes only the Nodes whose objects changed, sends only the route
 * changes and writes the state file only when its content changed.
 */
export class PeerRoutesController implements NodeController<DesiredRoutes> {
  readonly name = 'peer-routes';
  private readonly routes: OwnRoutes;
  private readonly stateFile: FileKeeper;
  private readonly logged = new OnChange<'skipped' | 'blocked'>();
  private connected: IpPrefix[] = [];
  private memo: RouteMemo = new WeakMap();

  constructor(private readonly deps: PeerRoutesDeps) {
    this.routes = new OwnRoutes(deps.ip, deps.log, deps.onRouteChanges);
    this.stateFile = new FileKeeper(stateFilePath(deps.stateDir));
  }

  async reread(): Promise<void> {
    const connected = await connectedNetworks(this.deps.ip);
    // A peer's route depends on whether its IP is on a connected network.
    if (networksText(connected) !== networksText(this.connected)) this.memo = new WeakMap();
    this.connected = connected;
    await this.routes.reload();
    this.stateFile.forget();
  }

  desired(view: ClusterView): DesiredRoutes {
    return desiredRoutes(view, this.connected, this.memo);
  }

  async apply(desired: DesiredRoutes): Promise<void> {
    const { log } = this.deps;
    await this.logged.run('skipped', desired.skipped, () => {
      for (const skip of desired.skipped) log.warn('peer pod CIDR not routed', { ...skip });
    });
    const plan = await this.routes.reconcile(desired.routes);
    await this.logged.run('blocked', plan.blockedByForeign, () => {
      for (const route of plan.blockedByForeign) {
        log.warn('route to peer not made: a route of another protocol already has this prefix', { ...route });
      }
    });
    await this.stateFile.write(JSON.stringify({ node: desired.node, routes: desired.routes }, null, 2) + '\n');
  }
}

function networksText(networks: readonly IpPrefix[]): string {
  return networks.map((network) => formatPrefix(network)).join(',');
}
