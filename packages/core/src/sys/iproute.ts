import { CommandError, runChecked, type Runner } from './runner.js';

/** The parts of `ip -j link show` tscni reads. */
export interface LinkInfo {
  ifindex: number;
  ifname: string;
  address?: string;
  mtu?: number;
  operstate?: string;
  flags?: string[];
  /** The bridge this link is enslaved to. */
  master?: string;
  /** The peer's ifindex for a veth ("link" in iproute2's terms). */
  link_index?: number;
  link_netnsid?: number;
  /** The link's alias (`ip link set X alias Y`), which tscni-bridge uses to mark the veths it owns. */
  ifalias?: string;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_data?: Record<string, unknown> };
}

export interface AddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope?: string;
}

export interface LinkAddresses extends LinkInfo {
  addr_info: AddrInfo[];
}

export interface RouteInfo {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  metric?: number;
  table?: string;
  flags?: string[];
}

const NOT_FOUND = /(does not exist|Cannot find device|No such device)/;

/**
 * iproute2 for one network namespace (a path) or, without one, the namespace
 * the process runs in. Reads use JSON output; related changes go through one
 * `ip -batch -` process.
 */
export class IpRoute {
  constructor(
    private readonly runner: Runner,
    readonly netns?: string,
  ) {}

  /** Another view of the same tools inside another namespace. */
  in(netns: string | undefined): IpRoute {
    return new IpRoute(this.runner, netns);
  }

  async run(args: readonly string[]): Promise<string> {
    const result = await runChecked(this.runner, 'ip', args, { netns: this.netns });
    return result.stdout;
  }

  private async json<T>(args: readonly string[]): Promise<T> {
    const out = await this.run(['-j', '-d', ...args]);
    return (out.trim() ? JSON.parse(out) : []) as T;
  }

  /** The link, or undefined when there is none of that name. */
  async link(name: string): Promise<LinkInfo | undefined> {
    try {
      const [link] = await this.json<LinkInfo[]>(['link', 'show', 'dev', name]);
      return link;
    } catch (error) {
      if (error instanceof CommandError && NOT_FOUND.test(error.stderr)) return undefined;
      throw error;
    }
  }

  async links(type?: string): Promise<LinkInfo[]> {
    return this.json<LinkInfo[]>(['link', 'show', ...(type ? ['type', type] : [])]);
  }

  /** Links with their addresses; one device or all. */
  async addresses(dev?: string): Promise<LinkAddresses[]> {
    try {
      return await this.json<LinkAddresses[]>(['addr', 'show', ...(dev ? ['dev', dev] : [])]);
    } catch (error) {
      if (dev && error instanceof CommandError && NOT_FOUND.test(error.stderr)) return [];
      throw error;
    }
  }

  /** Routes of one family; `filter` adds selectors such as ['proto', '200'] or ['table', 'all']. */
  async routes(family: 4 | 6, filter: readonly string[] = []): Promise<RouteInfo[]> {
    return this.json<RouteInfo[]>([`-${family}`, 'route', 'show', ...filter]);
  }

  /**
   * Runs several commands in one process. Each command is an argument list
   * as after `ip`; values are validated names and addresses, never free text.
   * With `force`, later commands run even when one fails (for cleanup).
   */
  async batch(commands: ReadonlyArray<readonly string[]>, options: { force?: boolean } = {}): Promise<void> {
    if (commands.length === 0) return;
    const input = commands.map((c) => c.join(' ')).join('\n') + '\n';
    await runChecked(this.runner, 'ip', [...(options.force ? ['-force'] : []), '-batch', '-'], {
      input,
      netns: this.netns,
    });
  }

  /** Deletes a link, treating "already gone" as success. Returns whether it existed. */
  async deleteLink(name: string): Promise<boolean> {
    try {
      await this.run(['link', 'del', 'dev', name]);
      return true;
    } catch (error) {
      if (error instanceof CommandError && NOT_FOUND.test(error.stderr)) return false;
      throw error;
    }
  }
}

/** True when a CommandError says the object was not there. */
export function isNotFound(error: unknown): boolean {
  return error instanceof CommandError && NOT_FOUND.test(error.stderr);
}
