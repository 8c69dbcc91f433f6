import { formatPrefix, parseIp, parsePrefix, type RouteInfo } from '@tscni/core';
import { ROUTE_PROTOCOL, type PeerRoute } from './routes-proto.js';

/** What it takes to bring the route table from actual to desired. */
export interface RoutePlan {
  /** `ip -batch` lines, as argument lists. */
  commands: string[][];
  /** The desired routes the commands add or re-point. */
  replaced: PeerRoute[];
  /** Desired routes not made because a route of another protocol has that prefix. */
  blockedByForeign: PeerRoute[];
  /** Our routes that are no longer desired (deleted when stale routes are removed). */
  stale: string[];
}

/** The main table as planning needs it, keyed by canonical prefix. */
export interface RouteTableView {
  /** Our routes (protocol ROUTE_PROTOCOL): prefix -> gateway. */
  ours: Map<string, string | undefined>;
  /** Prefixes routed by any other protocol. */
  foreign: Set<string>;
}

/** Sorts the routes of a table (both families, main table) into ours and foreign. */
export function tableView(actual: readonly RouteInfo[]): RouteTableView {
  const view: RouteTableView = { ours: new Map(), foreign: new Set() };
  for (const route of actual) {
    const dst = canonicalPrefix(route.dst);
    if (!dst) continue;
    if (route.protocol === String(ROUTE_PROTOCOL)) view.ours.set(dst, route.gateway);
    else view.foreign.add(dst);
  }
  return view;
}

/**
 * Compares desired peer routes with the routes in the table and says what to
 * change. Only routes of ROUTE_PROTOCOL are ever changed or deleted; a
 * prefix already routed by anything else is left alone.
 */
export function planRoutes(
  desired: readonly PeerRoute[],
  actual: readonly RouteInfo[],
  options: { removeStale: boolean },
): RoutePlan {
  const canonical = desired.map((route) => ({ ...route, dst: canonicalPrefix(route.dst) ?? route.dst }));
  return planAgainstView(canonical, tableView(actual), options);
}

/**
 * planRoutes against a view the caller keeps: desired prefixes must already
 * be canonical (nodeInfoOf makes them so), so the work is a lookup per route
 * and a parse only for a gateway spelled differently.
 */
export function planAgainstView(
  desired: readonly PeerRoute[],
  view: RouteTableView,
  options: { removeStale: boolean },
): RoutePlan {
  const plan: RoutePlan = { commands: [], replaced: [], blockedByForeign: [], stale: [] };
  const wanted = new Set<string>();
  for (const route of desired) {
    wanted.add(route.dst);
    const current = view.ours.get(route.dst);
    if (view.ours.has(route.dst) && sameAddress(current, route.via)) continue;
    if (!view.ours.has(route.dst) && view.foreign.has(route.dst)) {
      plan.blockedByForeign.push(route);
      continue;
    }
    // replace, not add: idempotent when several plugin processes race.
    plan.commands.push(['route', 'replace', route.dst, 'via', route.via, 'proto', String(ROUTE_PROTOCOL)]);
    plan.replaced.push(route);
  }
  if (options.removeStale) {
    for (const dst of view.ours.keys()) {
      if (wanted.has(dst)) continue;
      plan.stale.push(dst);
      plan.commands.push(['route', 'del', dst, 'proto', String(ROUTE_PROTOCOL)]);
    }
  }
  return plan;
}

/** The view after the plan's commands succeeded: what the kernel now holds of ours. */
export function applyPlan(view: RouteTableView, plan: RoutePlan): void {
  for (const route of plan.replaced) view.ours.set(route.dst, route.via);
  for (const dst of plan.stale) view.ours.delete(dst);
}

/** "10.244.1.0/24" for any spelling of a prefix; undefined for "default" or a host route. */
export function canonicalPrefix(text: string): string | undefined {
  const prefix = parsePrefix(text);
  return prefix ? formatPrefix(prefix) : undefined;
}

function sameAddress(a: string | undefined, b: string): boolean {
  if (a === b) return true;
  const x = a === undefined ? undefined : parseIp(a);
  const y = parseIp(b);
  return x !== undefined && y !== undefined && x.family === y.family && x.value === y.value;
}
