import type { TestNamespace } from '@tscni/core/testing';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { command, installed } from './command.js';

/** What a removed container may leave behind on its node: the classic CNI leaks. */
export interface Leftovers {
  /** host-local reservation files (`<dataDir>/<network>/<ip>`). */
  addressFiles: string[];
  /** Interfaces still attached to the bridge. */
  bridgePorts: string[];
  /** iptables and nftables lines that name one of the containers or addresses. */
  rules: string[];
}

export interface LeftoverQuery {
  dataDir: string;
  network: string;
  bridge: string;
  /** Container IDs and pod addresses that no rule may mention any more. */
  mentions: string[];
}

export async function leftovers(node: TestNamespace, query: LeftoverQuery): Promise<Leftovers> {
  const stored = await readdir(join(query.dataDir, query.network)).catch(() => [] as string[]);
  const ports = JSON.parse(await command('ip', ['-j', '-n', node.name, 'link', 'show', 'master', query.bridge]).catch(() => '[]')) as Array<{
    ifname: string;
  }>;
  return {
    addressFiles: stored.filter((name) => /^[\d.]+$|:/.test(name)),
    bridgePorts: ports.map((port) => port.ifname),
    rules: (await firewallLines(node)).filter((line) => query.mentions.some((m) => mentions(line, m))),
  };
}

/** Every iptables (either flavour iptables-save shows) and nftables line in the node. */
async function firewallLines(node: TestNamespace): Promise<string[]> {
  const dumps = [await command('iptables-save', [], { netns: node.path })];
  if (await installed('nft')) dumps.push(await command('nft', ['list', 'ruleset'], { netns: node.path }));
  return dumps.join('\n').split('\n');
}

/** `10.1.0.2` must not match inside `10.1.0.23`. */
function mentions(line: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w.])${escaped}($|[^\\w.])`).test(line);
}
