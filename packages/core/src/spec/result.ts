import { CniError, ErrorCode } from './errors.js';
import type { Dns, Interface, IpConfig, Result, Route } from './types.js';
import { compareVersions, requireSupportedVersion } from './versions.js';

/** Fields that exist only from 1.1.0 on; older results drop them. */
const ROUTE_FIELDS_1_1 = ['mtu', 'advmss', 'priority', 'table', 'scope'] as const;
const INTERFACE_FIELDS_1_1 = ['mtu', 'socketPath', 'pciID'] as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeError(msg: string): CniError {
  return new CniError(ErrorCode.DecodeFailure, `failed to decode result: ${msg}`);
}

function optionalString(obj: Json, key: string, where: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw decodeError(`${where}.${key} must be a string`);
  return value;
}

function optionalNumber(obj: Json, key: string, where: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw decodeError(`${where}.${key} must be an integer`);
  return value;
}

function list(obj: Json, key: string): unknown[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw decodeError(`${key} must be a list`);
  return value;
}

function parseInterface(raw: unknown, i: number): Interface {
  if (!isObject(raw)) throw decodeError(`interfaces[${i}] must be an object`);
  const where = `interfaces[${i}]`;
  const name = optionalString(raw, 'name', where);
  if (!name) throw decodeError(`${where}.name is required`);
  return prune({
    name,
    mac: optionalString(raw, 'mac', where),
    mtu: optionalNumber(raw, 'mtu', where),
    sandbox: optionalString(raw, 'sandbox', where),
    socketPath: optionalString(raw, 'socketPath', where),
    pciID: optionalString(raw, 'pciID', where),
  });
}

function parseIp(raw: unknown, i: number): IpConfig {
  if (!isObject(raw)) throw decodeError(`ips[${i}] must be an object`);
  const where = `ips[${i}]`;
  const address = optionalString(raw, 'address', where);
  if (!address) throw decodeError(`${where}.address is required`);
  return prune({
    address,
    gateway: optionalString(raw, 'gateway', where),
    interface: optionalNumber(raw, 'interface', where),
  });
}

function parseRoute(raw: unknown, i: number): Route {
  if (!isObject(raw)) throw decodeError(`routes[${i}] must be an object`);
  const where = `routes[${i}]`;
  const dst = optionalString(raw, 'dst', where);
  if (!dst) throw decodeError(`${where}.dst is required`);
  const route: Route = { dst, gw: optionalString(raw, 'gw', where) };
  for (const field of ROUTE_FIELDS_1_1) route[field] = optionalNumber(raw, field, where);
  return prune(route);
}

function parseDns(raw: unknown): Dns | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw decodeError('dns must be an object');
  const strings = (key: string): string[] | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw decodeError(`dns.${key} must be a list of strings`);
    }
    return value as string[];
  };
  const dns = prune({
    nameservers: strings('nameservers'),
    domain: optionalString(raw, 'domain', 'dns'),
    search: strings('search'),
    options: strings('options'),
  });
  return Object.keys(dns).length > 0 ? dns : undefined;
}

/**
 * Reads a result of any supported version into the newest shape. 0.3.x and
 * 0.4.0 results carry `ips[].version`, which the newest shape derives from
 * the address instead. A result whose list is named `ip` (seen from some
 * 0.3.0-era producers) is accepted too.
 */
export function parseResult(raw: unknown, version: string): Result {
  requireSupportedVersion(version);
  if (!isObject(raw)) throw decodeError('a result must be a JSON object');
  const ipsKey = raw.ips === undefined && raw.ip !== undefined ? 'ip' : 'ips';
  const result: Result = {
    interfaces: list(raw, 'interfaces').map(parseInterface),
    ips: list(raw, ipsKey).map(parseIp),
    routes: list(raw, 'routes').map(parseRoute),
    dns: parseDns(raw.dns),
  };
  for (const ip of result.ips ?? []) {
    if (ip.interface !== undefined && !result.interfaces?.[ip.interface]) {
      throw decodeError(`ip ${ip.address} names interface index ${ip.interface}, which does not exist`);
    }
  }
  return normalise(result);
}

/** The address family of an address or CIDR as the 0.x `version` field writes it. */
export function ipVersionOf(address: string): '4' | '6' {
  return address.includes(':') ? '6' : '4';
}

/** Writes a result in the shape of `version`, with `cniVersion` first. */
export function encodeResult(result: Result, version: string): Json {
  requireSupportedVersion(version);
  const modern = compareVersions(version, '1.1.0') >= 0;
  const legacy = compareVersions(version, '1.0.0') < 0;
  const out: Json = { cniVersion: version };
  if (result.interfaces?.length) {
    out.interfaces = result.interfaces.map((iface) =>
      modern ? { ...iface } : omit(iface, INTERFACE_FIELDS_1_1),
    );
  }
  if (result.ips?.length) {
    out.ips = result.ips.map((ip) => (legacy ? { version: ipVersionOf(ip.address), ...ip } : { ...ip }));
  }
  if (result.routes?.length) {
    out.routes = result.routes.map((route) => (modern ? { ...route } : omit(route, ROUTE_FIELDS_1_1)));
  }
  if (result.dns && Object.keys(result.dns).length > 0) out.dns = { ...result.dns };
  return out;
}

/** Converts a raw result from one version to another (parse, then encode). */
export function convertResult(raw: unknown, from: string, to: string): Json {
  return encodeResult(parseResult(raw, from), to);
}

function normalise(result: Result): Result {
  const out: Result = {};
  if (result.interfaces?.length) out.interfaces = result.interfaces;
  if (result.ips?.length) out.ips = result.ips;
  if (result.routes?.length) out.routes = result.routes;
  if (result.dns) out.dns = result.dns;
  return out;
}

function prune<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as Array<keyof T>) {
    if (obj[key] === undefined) delete obj[key];
  }
  return obj;
}

function omit<T extends object>(obj: T, keys: readonly string[]): T {
  const copy = { ...obj } as Record<string, unknown>;
  for (const key of keys) delete copy[key];
  return copy as T;
}
