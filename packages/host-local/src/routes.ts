import { invalidConfig, parseIp, parsePrefix, type Route } from '@tscni/core';

/** `ipam.routes`: `[{dst, gw?}]`, returned as given once each field is checked. */
export function parseRoutes(raw: unknown, field: string): Route[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidConfig(`${field} must be a list of {"dst", "gw"?}`);
  return raw.map((entry, i) => {
    const where = `${field}[${i}]`;
    const { dst, gw } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof dst !== 'string' || !parsePrefix(dst)) throw invalidConfig(`${where}.dst must be a CIDR, got ${JSON.stringify(dst ?? null)}`);
    if (gw === undefined || gw === null || gw === '') return { dst };
    if (typeof gw !== 'string' || !parseIp(gw)) throw invalidConfig(`${where}.gw must be an IP address, got ${JSON.stringify(gw)}`);
    return { dst, gw };
  });
}
