import { CniError, ErrorCode, parseIp, type CmdArgs, type GcArgs, type PluginHandlers, type Result } from '@tscni/core';
import { Allocator } from './allocator.js';
import { loadConfig, type HostLocalConfig } from './config.js';
import { ownerMatches } from './disk-files.js';
import { DiskStore } from './disk-store.js';
import { HostLocalCode } from './errors.js';
import { podRecordOf } from './pod-record.js';
import { assignableCount, describeSet, rangeFor } from './range.js';
import { readResolvConf } from './resolv-conf.js';
import { isReadableOwner, type Owner } from './store.js';

/** The CNI commands of tscni-host-local; the core dispatcher does everything around them. */
export const handlers: PluginHandlers = {
  async add(args) {
    const config = loadConfig(args);
    const dns = config.resolvConf ? readResolvConf(config.resolvConf) : undefined;
    const owner = ownerOf(args);
    const record = podRecordOf(args);
    const allocate = (store: DiskStore) => {
      const ips = new Allocator(store, config.rangeSets).allocate(owner, config.requested);
      try {
        store.recordPod(ips.map((ip) => ip.address.split('/')[0]!), record);
      } catch (error) {
        store.releaseByOwner(owner); // all or nothing: no address without its record
        throw error;
      }
      return ips;
    };
    const ips = await withStore(config, args, allocate, { stageFor: owner });
    const result: Result = { ips };
    if (config.routes.length > 0) result.routes = config.routes;
    if (dns) result.dns = dns;
    return result;
  },

  async del(args) {
    const config = loadConfig(args);
    await withStore(config, args, (store) => store.releaseByOwner(ownerOf(args)));
  },

  async check(args) {
    const config = loadConfig(args);
    const held = await withStore(config, args, (store) => store.findByOwner(ownerOf(args)));
    if (held.length === 0) {
      throw new CniError(HostLocalCode.AllocationMissing, `no address is allocated to ${args.containerId}/${args.ifName}`);
    }
  },

  /**
   * Releases every allocation whose owner is not a valid attachment. An
   * old-format file (the container ID alone, as a file cut short after the
   * ID reads too) belongs to every interface of its container, so it is
   * valid when any of them is. A file with no readable owner is kept: it
   * cannot be shown not to be a valid attachment's (see isReadableOwner).
   */
  async gc(args: GcArgs) {
    const config = loadConfig(args);
    const valid = args.validAttachments.map((a): Owner => ({ containerId: a.containerID, ifName: a.ifname }));
    const unreadable = await withStore(config, args, (store) => {
      const kept: string[] = [];
      for (const { ip, owner } of store.allocations()) {
        if (!isReadableOwner(owner)) kept.push(ip);
        else if (!valid.some((attachment) => ownerMatches(owner, attachment))) store.releaseByOwner(owner);
      }
      return kept;
    });
    if (unreadable.length > 0) {
      args.log.warn('GC keeps allocation files with no readable owner (emptied or cut short by a crash?): remove them by hand once nothing uses their address', {
        addresses: unreadable,
      });
    }
  },

  /** Code 50 when some range set has no free address: an ADD could not succeed. */
  async status(args) {
    const config = loadConfig(args);
    const allocated = await withStore(config, args, (store) => store.allocatedIps().map(parseIp));
    for (const set of config.rangeSets) {
      const capacity = set.reduce((sum, range) => sum + assignableCount(range), 0n);
      const used = allocated.filter((ip) => ip && rangeFor(set, ip)).length;
      if (BigInt(used) >= capacity) {
        throw new CniError(ErrorCode.NotAvailable, `no free address left in range set ${describeSet(set)}`);
      }
    }
  },
};

function ownerOf(args: CmdArgs): Owner {
  return { containerId: args.containerId, ifName: args.ifName };
}

function withStore<T>(config: HostLocalConfig, args: CmdArgs, fn: (store: DiskStore) => T, options: { stageFor?: Owner } = {}): Promise<T> {
  return DiskStore.locked(config.dataDir, config.network, config.rangeSets.length, fn, { ...options, log: args.log });
}
