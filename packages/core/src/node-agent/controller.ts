/** The parts of a Node object the node agent's controllers act on. */
export interface NodeInfo {
  name: string;
  podCidrs: string[];
  internalIps: string[];
}

/** What the agent has watched, as every controller sees it in a pass. */
export interface ClusterView {
  /** The node the agent runs on, as named in the API. */
  self: string;
  /** Every Node object; an unchanged Node keeps the same NodeInfo from pass to pass, so a controller may memoise by identity. */
  nodes: readonly NodeInfo[];
}

/**
 * One concern of the node agent, living with what it controls (peer routes
 * in route-sync, the non-masquerade set in masq). The agent drives every
 * controller the same way, one pass at a time: the desired state from the
 * watched objects, then apply it to the node. A new controller is added to
 * the agent's list in one place.
 */
export interface NodeController<Desired = unknown> {
  /** For log lines and metrics. */
  readonly name: string;
  /**
   * Forgets what the last pass left and reads the node again (a full pass:
   * at start, periodically, after a failure), so drift nobody announced,
   * such as a route deleted by hand, is repaired by the next apply.
   */
  reread(): Promise<void>;
  /** Pure: what the node should hold given the view. */
  desired(view: ClusterView): Desired;
  /** Brings the node to `desired`; throws to fail the pass (the agent retries it with a full pass). */
  apply(desired: Desired): Promise<void>;
}
