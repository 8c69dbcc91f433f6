import {
  CniError,
  ErrorCode,
  IpRoute,
  familyOf,
  formatPrefix,
  parsePrefix,
  requireNetns,
  type CmdArgs,
  type Family,
  type LinkAddresses,
  type LinkInfo,
  type Result,
  type RouteInfo,
  type Runner,
} from '@tscni/core';
import { readBridge } from './bridge.js';
import { loadConfig } from './config.js';
import { ipamRun } from './ipam.js';
import { step } from './steps.js';
import { hostVethName } from './veth.js';

/**
 * CHECK: the bridge is a bridge, the host veth is attached to it and paired
 * with the container interface, the container has prevResult's addresses
 * and routes, and the IPAM plugin agrees.
 */
export async function cmdCheck(args: CmdArgs, runner: Runner): Promise<void> {
  const config = loadConfig(args.config);
  await requireNetns(args.netns);
  const prev = args.prevResult;
  if (!prev) throw new CniError(ErrorCode.InvalidConfig, 'CHECK needs prevResult, the result of ADD');
  const host = new IpRoute(runner);
  const pod = host.in(args.netns);
  const hostVeth = hostVethName(args.containerId, args.ifName);
  const [bridge, veth, [container], routes4, routes6] = await Promise.all([
    readBridge(host, config.bridge),
    host.link(hostVeth),
    pod.addresses(args.ifName),
    pod.routes(4, ['table', 'all']),
    pod.routes(6, ['table', 'all']),
    step(`IPAM CHECK (${config.ipam?.type})`, ipamRun(config, 'CHECK', args)),
  ]);
  if (!bridge) fail(`bridge ${config.bridge} does not exist`);
  if (!container) fail(`interface ${args.ifName} does not exist in ${args.netns}`);
  checkVeth(veth, hostVeth, config.bridge, container);
  checkAddresses(prev, container, args.ifName);
  checkRoutes(prev, { 4: routes4, 6: routes6 }, args.netns);
}

function fail(msg: string): never {
  throw new CniError(ErrorCode.Internal, `CHECK: ${msg}`);
}

function checkVeth(veth: LinkInfo | undefined, name: string, bridge: string, container: LinkAddresses): void {
  if (!veth) fail(`host veth ${name} does not exist`);
  if (veth.linkinfo?.info_kind !== 'veth') fail(`${name} is not a veth`);
  if (veth.master !== bridge) fail(`host veth ${name} is not attached to bridge ${bridge}`);
  if (veth.link_index !== container.ifindex || container.link_index !== veth.ifindex) {
    fail(`host veth ${name} is not the peer of ${container.ifname}`);
  }
}

function checkAddresses(prev: Result, container: LinkAddresses, ifName: string): void {
  const index = prev.interfaces?.findIndex((i) => i.name === ifName && i.sandbox) ?? -1;
  const expected = prev.interfaces?.[index];
  if (expected?.mac && expected.mac.toLowerCase() !== container.address?.toLowerCase()) {
    fail(`${ifName} has MAC ${container.address}, prevResult says ${expected.mac}`);
  }
  const present = new Set(container.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
  for (const ip of prev.ips ?? []) {
    if (ip.interface !== index) continue;
    const wanted = parsePrefix(ip.address);
    const text = wanted ? formatPrefix(wanted, true) : ip.address;
    if (!present.has(text)) fail(`${ifName} lacks the address ${ip.address}`);
  }
}

function checkRoutes(prev: Result, routes: Record<Family, readonly RouteInfo[]>, netns: string): void {
  for (const route of prev.routes ?? []) {
    const family = familyOf(route.dst) ?? 4;
    const dst = canonicalDst(route.dst, family);
    const found = routes[family].some((r) => canonicalDst(r.dst, family) === dst && (!route.gw || r.gateway === route.gw));
    if (!found) fail(`route to ${route.dst}${route.gw ? ` via ${route.gw}` : ''} is missing in ${netns}`);
  }
}

/** One spelling for a destination: ip says "default" and drops "/32". */
function canonicalDst(dst: string, family: Family): string {
  const text = dst === 'default' ? (family === 4 ? '0.0.0.0/0' : '::/0') : dst;
  const withLength = text.includes('/') ? text : `${text}/${family === 4 ? 32 : 128}`;
  const prefix = parsePrefix(withLength);
  return prefix ? formatPrefix(prefix) : text;
}
