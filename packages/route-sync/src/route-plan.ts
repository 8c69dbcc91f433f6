import { formatPrefix, parseIp, parsePrefix, type RouteInfo } from '@tscni/core';
import { ROUTE_PROTOCOL, type PeerRoute } from './routes-proto.js';

/** What it takes to bring the route table from actual to desired. */
export interface RoutePlan {
  /** `ip -batch` lines, as argument lists. */
  commands: string[][];
  /** Desired routes not made because a route of another protocol has that prefix. */
  blockedByForeign: PeerRoute[];
  /** Our routes that are no longer desired (deleted when stale routes are removed). */
  stale: string[];
}

/**
 * Compares desired peer routes with the routes in the table (both families,
 * main table) and says what to change. Only routes of ROUTE_PROTOCOL are
 * ever changed or deleted; a prefix already routed by anything else is left
 * alone. Work is proportional to the number of routes that differ.
 */
export function planRoutes(
  desired: readonly PeerRoute[],
  actual: readonly RouteInfo[],
  options: { removeStale: boolean },
): RoutePlan {
  const ours = new Map<string, RouteInfo>();
  const foreign = new Set<string>();
  for (const route of actual) {
    const dst = canonicalPrefix(route.dst);
    if (!dst) continue;
    if (route.protocol === String(ROUTE_PROTOCOL)) ours.set(dst, route);
    else foreign.add(dst);
  }
  const plan: RoutePlan = { commands: [], blockedByForeign: [], stale: [] };
  const wanted = new Set<string>();
  for (const route of desired) {
    const dst = canonicalPrefix(route.dst) ?? route.dst;
    wanted.add(dst);
    const current = ours.get(dst);
    if (current && sameAddress(current.gateway, route.via)) continue;
    if (!current && foreign.has(dst)) {
      plan.blockedByForeign.push(route);
      continue;
    }
    // replace, not add: idempotent when several plugin processes race.
    plan.commands.push(['route', 'replace', dst, 'via', route.via, 'proto', String(ROUTE_PROTOCOL)]);
  }
  if (options.removeStale) {
    for (const dst of ours.keys()) {
      if (wanted.has(dst)) continue;
      plan.stale.push(dst);
      plan.commands.push(['route', 'del', dst, 'proto', String(ROUTE_PROTOCOL)]);
    }
  }
  return plan;
}

/** "10.244.1.0/24" for any spelling of a prefix; undefined for "default" or a host route. */
export function canonicalPrefix(text: string): string | undefined {
  const prefix = parsePrefix(text);
  return prefix ? formatPrefix(prefix) : undefined;
}

function sameAddress(a: string | undefined, b: string): boolean {
  const x = a === undefined ? undefined : parseIp(a);
  const y = parseIp(b);
  return x !== undefined && y !== undefined && x.family === y.family && x.value === y.value;
}
