import { join } from 'node:path';
import { familyOf, formatPrefix, type IpPrefix, type IpRoute, type Logger } from '@tscni/core';
import { buildConflist, CONFLIST_NAME } from './conflist.js';
import { connectedNetworks } from './connected-networks.js';
import { desiredState, type ContributionMemo } from './desired-state.js';
import { FileKeeper } from './file-keeper.js';
import type { NonMasqueradeSync } from './masq-set.js';
import type { NodeInfo } from './node-info.js';
import type { AgentOptions } from './options.js';
import { OwnRoutes } from './routes.js';
import { stateFilePath } from '../state-file.js';

/** Everything a pass changes on the node, injectable so tests need no real node. */
export interface SyncDeps {
  options: AgentOptions;
  ip: IpRoute;
  syncNonMasquerade: NonMasqueradeSync;
  enableForwarding: (families: Array<4 | 6>) => Promise<void>;
  /** Whether the CNI bin dir holds an executable of this name. */
  hasPlugin: (name: string) => Promise<boolean>;
  log: Logger;
}

/**
 * Brings the node in line with the Node list, pass after pass: routes to
 * peers, the state file for the plugin, the non-masquerade set, forwarding
 * and this node's conflist.
 *
 * A full pass reads the node (its addresses and routes) and redoes
 * everything, repairing drift nobody announces. Any other pass starts from
 * what the last one left: it recomputes only the Nodes whose objects
 * changed, sends only the route changes, and writes a file or the masq set
 * only when its content changed.
 */
export class NodeSync {
  private readonly routes: OwnRoutes;
  private readonly stateFile: FileKeeper;
  private readonly conflistFile: FileKeeper;
  private connected: IpPrefix[] | undefined;
  /** What the last full pass found of the port-mapping plugin. */
  private portMap: { found: string | undefined } | undefined;
  private memo: ContributionMemo = new WeakMap();
  /** What the last successful steps did, as JSON: unchanged things are neither redone nor re-logged. */
  private last: Partial<Record<'skipped' | 'blocked' | 'nonMasquerade' | 'loggedNonMasquerade' | 'forwarding', string>> = {};

  constructor(private readonly deps: SyncDeps) {
    this.routes = new OwnRoutes(deps.ip, deps.log);
    this.stateFile = new FileKeeper(stateFilePath(deps.options.stateDir));
    this.conflistFile = new FileKeeper(join(deps.options.cniConfDir, CONFLIST_NAME));
  }

  /**
   * One pass. The conflist comes last: a runtime starts pods once it exists,
   * and by then routes and state are in place.
   */
  async sync(nodes: readonly NodeInfo[], full: boolean): Promise<void> {
    const { options, log } = this.deps;
    if (full || !this.connected) await this.reread();
    const desired = desiredState(
      {
        nodes,
        self: options.nodeName,
        clusterCidrs: options.clusterCidrs,
        extraNonMasqueradeCidrs: options.extraNonMasqueradeCidrs,
        connected: this.connected!,
      },
      this.memo,
    );
    await this.onChange('skipped', desired.skipped, () => {
      for (const skip of desired.skipped) log.warn('peer pod CIDR not routed', { ...skip });
    });
    const plan = await this.routes.reconcile(desired.routes);
    await this.onChange('blocked', plan.blockedByForeign, () => {
      for (const route of plan.blockedByForeign) {
        log.warn('route to peer not made: a route of another protocol already has this prefix', { ...route });
      }
    });
    await this.stateFile.write(JSON.stringify({ node: options.nodeName, routes: desired.routes }, null, 2) + '\n');
    await this.onChange('nonMasquerade', desired.nonMasqueradeCidrs, () =>
      this.deps.syncNonMasquerade(desired.nonMasqueradeCidrs),
    );
    await this.onChange('loggedNonMasquerade', desired.nonMasqueradeCidrs, () =>
      log.info('non-masquerade set synced', { cidrs: desired.nonMasqueradeCidrs }),
    );

    if (!desired.ownPodCidrs?.length) {
      log.warn('this node has no podCIDR yet: no CNI config written', { node: options.nodeName });
      return;
    }
    const families = [...new Set([4, ...desired.ownPodCidrs.map((cidr) => familyOf(cidr) ?? 4)])] as Array<4 | 6>;
    await this.onChange('forwarding', families, () => this.enableForwarding(families));
    const conflist = buildConflist({
      podCidrs: desired.ownPodCidrs,
      // The same set the masq rules hold, or the next ADD would put a different one back.
      nonMasqueradeCidrs: desired.nonMasqueradeCidrs,
      stateDir: options.stateDir,
      cniVersion: options.cniVersion,
      ipamDataDir: options.ipamDataDir,
      portMapPlugin: this.portMap?.found,
    });
    if (await this.conflistFile.write(JSON.stringify(conflist, null, 2) + '\n')) {
      log.info('CNI config written', { path: this.conflistFile.path, podCidrs: desired.ownPodCidrs });
    }
  }

  /**
   * Forgets what the node was last seen to hold: the addresses, the routes,
   * the files, the masq rules (flushed by someone else, they come back) and
   * forwarding are all read or redone by this pass.
   */
  private async reread(): Promise<void> {
    const connected = await connectedNetworks(this.deps.ip);
    // A peer's route depends on whether its IP is on a connected network.
    if (networksText(connected) !== networksText(this.connected ?? [])) this.memo = new WeakMap();
    this.connected = connected;
    await this.findPortMapPlugin();
    await this.routes.reload();
    this.stateFile.forget();
    this.conflistFile.forget();
    delete this.last.nonMasquerade;
    delete this.last.forwarding;
  }

  /**
   * A conflist naming a plugin the node lacks fails every pod, so the
   * port-mapping plugin is chained only while it is installed; without it
   * pods still start, but their hostPorts are not mapped.
   */
  private async findPortMapPlugin(): Promise<void> {
    const name = this.deps.options.portMapPlugin;
    const found = name && (await this.deps.hasPlugin(name)) ? name : undefined;
    if (name && !found && (!this.portMap || this.portMap.found)) {
      this.deps.log.warn('hostPorts are not mapped: no port-mapping plugin in the CNI bin dir', { plugin: name, dir: this.deps.options.cniBinDir });
    }
    this.portMap = { found };
  }

  /**
   * Forwarding is the node's, and tscni-bridge (run by the runtime as root)
   * turns it on at every ADD. The agent turns it on early where it can; in
   * an unprivileged container /proc/sys is read-only, which is no reason to
   * hold back the conflist: nothing is forwarded before a pod exists.
   */
  private async enableForwarding(families: Array<4 | 6>): Promise<void> {
    try {
      await this.deps.enableForwarding(families);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EROFS' && code !== 'EACCES') throw error;
      this.deps.log.warn('IP forwarding is off and /proc/sys is read-only here: tscni-bridge turns it on at the first ADD', { families });
    }
  }

  /** Runs `act` only when `value` differs from the one of the last pass that got through. */
  private async onChange(key: keyof NodeSync['last'], value: unknown, act: () => unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (this.last[key] === text) return;
    await act();
    this.last[key] = text;
  }
}

function networksText(networks: readonly IpPrefix[]): string {
  return networks.map((network) => formatPrefix(network)).join(',');
}
