import type { IpRoute, RouteInfo } from '@tscni/core';

/** The main table's routes of both families, as `ip -j route show` reports them. */
export async function readMainTable(ip: IpRoute): Promise<RouteInfo[]> {
  const [v4, v6] = await Promise.all([ip.routes(4), ip.routes(6)]);
  return [...v4, ...v6];
}
