import { join } from 'node:path';
import { familyOf } from '@tscni/core';
import { FileKeeper, OnChange, type NodeInfo } from '@tscni/core/node-agent';
import { buildConflist, CONFLIST_NAME } from './conflist.js';
import { nodeControllers, type ControllerDeps, type NodeControllers } from './controllers.js';

/** Everything a pass changes on the node, injectable so tests need no real node. */
export interface SyncDeps extends ControllerDeps {
  enableForwarding: (families: Array<4 | 6>) => Promise<void>;
  /** Whether the CNI bin dir holds an executable of this name. */
  hasPlugin: (name: string) => Promise<boolean>;
}

/**
 * Brings the node in line with the Node list, pass after pass: each
 * controller (routes to peers and the plugin's state file, the
 * non-masquerade set) computes what it wants from the list and applies it;
 * then forwarding and this node's conflist, the agent's own.
 *
 * A full pass has every controller read the node again, and redoes
 * everything, repairing drift nobody announces. Any other pass starts from
 * what the last one left, and changes only what differs.
 */
export class NodeSync {
  private readonly controllers: NodeControllers;
  private readonly conflistFile: FileKeeper;
  private readonly done = new OnChange<'forwarding'>();
  private read = false;
  /** What the last full pass found of the port-mapping plugin. */
  private portMap: { found: string | undefined } | undefined;

  constructor(private readonly deps: SyncDeps) {
    this.controllers = nodeControllers(deps);
    this.conflistFile = new FileKeeper(join(deps.options.cniConfDir, CONFLIST_NAME));
  }

  /**
   * One pass. The conflist comes last: a runtime starts pods once it exists,
   * and by then routes and state are in place. Resolves whether the
   * conflist is in place (written, or found identical): false while this
   * node has no podCIDR. Throws when any controller fails to apply.
   */
  async sync(nodes: readonly NodeInfo[], full: boolean): Promise<boolean> {
    const { options, log } = this.deps;
    if (full || !this.read) await this.reread();
    const view = { self: options.nodeName, nodes };
    for (const controller of this.controllers.all) await controller.apply(controller.desired(view));

    const ownPodCidrs = nodes.find((node) => node.name === options.nodeName)?.podCidrs;
    if (!ownPodCidrs?.length) {
      log.warn('this node has no podCIDR yet: no CNI config written', { node: options.nodeName });
      return false;
    }
    const families = [...new Set([4, ...ownPodCidrs.map((cidr) => familyOf(cidr) ?? 4)])] as Array<4 | 6>;
    await this.done.run('forwarding', families, () => this.enableForwarding(families));
    const conflist = buildConflist({
      podCidrs: ownPodCidrs,
      // The same set the masq rules hold, or the next ADD would put a different one back.
      nonMasqueradeCidrs: this.controllers.nonMasquerade.applied ?? [],
      stateDir: options.stateDir,
      cniVersion: options.cniVersion,
      ipamDataDir: options.ipamDataDir,
      portMapPlugin: this.portMap?.found,
      ...(options.networkPolicy && { netpolRunDir: options.netpolRunDir }),
    });
    if (await this.conflistFile.write(JSON.stringify(conflist, null, 2) + '\n')) {
      log.info('CNI config written', { path: this.conflistFile.path, podCidrs: ownPodCidrs });
    }
    return true;
  }

  /**
   * Forgets what the node was last seen to hold: every controller reads the
   * node again, and the conflist, the port-mapping plugin and forwarding
   * are looked at or redone by this pass.
   */
  private async reread(): Promise<void> {
    // Not read until every controller has: a failure half-way makes the next pass start over.
    this.read = false;
    for (const controller of this.controllers.all) await controller.reread();
    await this.findPortMapPlugin();
    this.conflistFile.forget();
    this.done.forget('forwarding');
    this.read = true;
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
}
