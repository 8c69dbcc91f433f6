import type { IpRoute, Logger } from '@tscni/core';
import { applyPlan, planAgainstView, tableView, type RoutePlan, type RouteTableView } from '../route-plan.js';
import { readMainTable } from '../route-table.js';
import type { PeerRoute } from '../routes-proto.js';

/**
 * What one reconcile did to the route table, for whoever counts it (the
 * agent's metrics): this package only reports numbers. `failed` is every
 * change of a batch that failed, since a failed `ip -batch` does not say
 * which of its lines took.
 */
export interface RouteChanges {
  /** Routes added or re-pointed to a new gateway (`ip route replace`). */
  added: number;
  removed: number;
  failed: number;
}
export type RouteChangeReport = (changes: RouteChanges) => void;

/**
 * This node's routes as the agent knows them. The agent is the only writer
 * of its protocol, so after reading the table once it can follow its own
 * changes in memory: a pass then costs one `ip -batch` for what differs and
 * no read. `reload` re-reads the kernel (at start, on the periodic resync
 * and after a failure), which also catches drift such as a route deleted by
 * hand or a foreign route that came or went.
 */
export class OwnRoutes {
  private view: RouteTableView | undefined;

  constructor(
    private readonly ip: IpRoute,
    private readonly log: Logger,
    private readonly report: RouteChangeReport = () => {},
  ) {}

  async reload(): Promise<void> {
    this.view = tableView(await readMainTable(this.ip));
  }

  /**
   * Brings our routes to the desired set in one `ip -batch`: adds and
   * re-addresses what differs, deletes what is ours and no longer wanted
   * (including stale routes from before a restart), and never touches a
   * route of another protocol. Returns the plan it applied.
   */
  async reconcile(desired: readonly PeerRoute[]): Promise<RoutePlan> {
    if (!this.view) await this.reload();
    const view = this.view!;
    const plan = planAgainstView(desired, view, { removeStale: true });
    if (plan.commands.length > 0) {
      // Forget the view first: if the batch fails half-way, only a reload knows what it did.
      this.view = undefined;
      try {
        await this.ip.batch(plan.commands);
      } catch (error) {
        this.report({ added: 0, removed: 0, failed: plan.commands.length });
        throw error;
      }
      this.report({ added: plan.replaced.length, removed: plan.stale.length, failed: 0 });
      applyPlan(view, plan);
      this.view = view;
      this.log.info('routes changed', { commands: plan.commands.map((command) => command.join(' ')) });
    }
    return plan;
  }
}
