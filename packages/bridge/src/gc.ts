import { IpRoute, type GcArgs, type LinkInfo, type Runner } from '@tscni/core';
import { loadConfig } from './config.js';
import { ipamRun } from './ipam.js';
import { step, throwFailures } from './steps.js';
import { hostVethAlias, hostVethName } from './veth.js';

/**
 * GC (1.1): the IPAM plugin releases the addresses of attachments that are
 * not valid any more, and the veths of such attachments are deleted. Without
 * the second part an ADD that was killed after creating its veth, and never
 * got a DEL, would leave that veth on the bridge for good: nothing but GC
 * hears of it again.
 */
export async function cmdGc(args: GcArgs, runner: Runner): Promise<void> {
  const config = loadConfig(args.config);
  const outcomes = await Promise.allSettled([
    step(`IPAM GC (${config.ipam?.type})`, ipamRun(config, 'GC', args)),
    step(`deleting stale veths on ${config.bridge}`, deleteStaleVeths(new IpRoute(runner), config.bridge, args)),
  ]);
  throwFailures(outcomes);
}

/**
 * Deletes the veths on `bridge` that carry this network's alias and are not
 * named after a valid attachment. Unmarked veths (another plugin's, or made
 * before tscni-bridge marked its own) are never touched.
 */
async function deleteStaleVeths(ip: IpRoute, bridge: string, args: GcArgs): Promise<void> {
  const alias = hostVethAlias(args.config.name);
  const valid = new Set(args.validAttachments.map((a) => hostVethName(a.containerID, a.ifname)));
  const stale = (link: LinkInfo) => link.master === bridge && link.ifalias === alias && !valid.has(link.ifname);
  const names = (await ip.links('veth')).filter(stale).map((link) => link.ifname);
  await Promise.all(names.map((name) => ip.deleteLink(name)));
  if (names.length > 0) args.log.info('GC deleted the veths of attachments that are not valid', { veths: names });
}
