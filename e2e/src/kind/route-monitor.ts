import { ROUTE_PROTOCOL } from '@tscni/route-sync';
import type { KindCluster } from '@tscni/testbed/kind';

const LOG = '/tmp/tscni-route-monitor.log';
const PID = '/tmp/tscni-route-monitor.pid';

/**
 * `ip monitor route` on each node, from the node's own tools, logging to a
 * file in the node: every route the kernel adds, changes or deletes while it
 * runs. tscni's routes are the ones with route-sync's protocol.
 */
export class RouteMonitor {
  private constructor(
    private readonly cluster: KindCluster,
    private readonly nodes: string[],
  ) {}

  static async start(cluster: KindCluster, nodes: string[]): Promise<RouteMonitor> {
    await Promise.all(nodes.map((node) => cluster.onNode(node, ['sh', '-c', `ip monitor route >${LOG} 2>&1 </dev/null & echo $! >${PID}`])));
    return new RouteMonitor(cluster, nodes);
  }

  /** The lines about tscni's routes each node's monitor has seen so far ("Deleted ..." for a removal). */
  async ourChanges(): Promise<Map<string, string[]>> {
    const seen = new Map<string, string[]>();
    for (const node of this.nodes) {
      const log = await this.cluster.onNode(node, ['cat', LOG]);
      seen.set(node, log.split('\n').filter((line) => new RegExp(`\\bproto ${ROUTE_PROTOCOL}\\b`).test(line)));
    }
    return seen;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.cluster.onNode(node, ['sh', '-c', `kill $(cat ${PID}); rm -f ${LOG} ${PID}`]).catch(() => undefined)));
  }
}
