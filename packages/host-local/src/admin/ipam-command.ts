import { netnsExists } from '@tscni/core';
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR } from '../config.js';
import { leakSign, listHeld, networksIn, releaseHeld, type HeldAddress } from './inventory.js';

const USAGE = `usage: tscni ipam ls|check [--network NAME] [--data-dir DIR] [--json]
       tscni ipam release IP [--network NAME] [--data-dir DIR] [--force]

  ls       every address held in the store, by whom (container, interface, pod)
  check    the addresses that look leaked: their network namespace is gone, or
           their file names no owner; exits 1 when there is any
  release  releases one address; refused while its network namespace exists
           (the pod may still use it) unless --force

  --data-dir  tscni-host-local's dataDir (default ${DEFAULT_DATA_DIR})
  --network   one network (default: every network of the data dir)
  --json      one JSON object per line instead of a table`;

/** `tscni-host-local ipam ...` (what `tscni ipam ...` runs): the store, for a person on the node. Returns the exit code. */
export async function runIpamCommand(argv: string[], out: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { network: { type: 'string' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' }, force: { type: 'boolean' }, help: { type: 'boolean' } },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [verb, ...rest] = positionals;
  if (values.help) {
    out(USAGE + '\n');
    return 0;
  }
  const dataDir = values['data-dir'] ?? DEFAULT_DATA_DIR;
  const networks = values.network ? [values.network] : networksIn(dataDir);
  const held = async () => (await Promise.all(networks.map((network) => listHeld(dataDir, network)))).flat();
  switch (verb) {
    case 'ls':
      if (rest.length > 0) return usageError(`ls takes no arguments: ${rest.join(' ')}`);
      out(await format(await held(), values.json, async () => undefined));
      return 0;
    case 'check': {
      if (rest.length > 0) return usageError(`check takes no arguments: ${rest.join(' ')}`);
      const signs = new Map<HeldAddress, string>();
      for (const address of await held()) {
        const sign = await leakSign(address);
        if (sign) signs.set(address, sign);
      }
      out(await format([...signs.keys()], values.json, async (address) => signs.get(address)));
      return signs.size > 0 ? 1 : 0;
    }
    case 'release': {
      if (rest.length !== 1) return usageError('release takes one address');
      return release(await held(), rest[0]!, dataDir, values.force === true, out);
    }
    default:
      return usageError(verb ? `unknown command "${verb}"` : 'a command is required');
  }
}

async function release(held: HeldAddress[], ip: string, dataDir: string, force: boolean, out: (text: string) => void): Promise<number> {
  const matches = held.filter((address) => address.ip === ip);
  if (matches.length === 0) {
    process.stderr.write(`tscni ipam: ${ip} is not held in ${dataDir}\n`);
    return 1;
  }
  if (matches.length > 1) return usageError(`${ip} is held in networks ${matches.map((m) => m.network).join(', ')}: say which with --network`);
  const address = matches[0]!;
  const netns = address.pod?.netns;
  if (!force && netns && (await netnsExists(netns))) {
    process.stderr.write(`tscni ipam: not releasing ${ip}: its network namespace ${netns} still exists, so ${describeHolder(address)} may still use it (--force releases it anyway)\n`);
    return 1;
  }
  if (!(await releaseHeld(dataDir, address))) {
    process.stderr.write(`tscni ipam: ${ip} changed hands while we looked; nothing released\n`);
    return 1;
  }
  out(`released ${ip} (network ${address.network}, ${describeHolder(address)})\n`);
  return 0;
}

/** A table, or JSON lines; `note` adds a last column (check's reason). */
async function format(addresses: HeldAddress[], json: boolean | undefined, note: (address: HeldAddress) => Promise<string | undefined>): Promise<string> {
  if (json) {
    const lines = await Promise.all(addresses.map(async (address) => JSON.stringify({ ...address, ...withNote(await note(address)) })));
    return lines.map((line) => line + '\n').join('');
  }
  const header = ['NETWORK', 'IP', 'CONTAINER', 'IFNAME', 'POD', 'ALLOCATED', 'NETNS'];
  const rows = await Promise.all(
    addresses.map(async (address) => [
      address.network,
      address.ip,
      address.readable ? shortId(address.owner.containerId) : '(unreadable)',
      address.owner.ifName || '-',
      podName(address) ?? '-',
      address.pod?.allocatedAt ?? '-',
      address.pod?.netns || '-',
      ...(await note(address).then((text) => (text ? [text] : []))),
    ]),
  );
  return table(rows.some((row) => row.length > header.length) ? [[...header, 'WHY'], ...rows] : [header, ...rows]);
}

function withNote(note: string | undefined): { looksLeaked?: string } {
  return note ? { looksLeaked: note } : {};
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd() + '\n').join('');
}

function podName(address: HeldAddress): string | undefined {
  const pod = address.pod;
  return pod?.namespace && pod.name ? `${pod.namespace}/${pod.name}` : undefined;
}

function describeHolder(address: HeldAddress): string {
  const pod = podName(address);
  return `container ${shortId(address.owner.containerId)}/${address.owner.ifName || '*'}${pod ? `, pod ${pod}` : ''}`;
}

function shortId(id: string): string {
  return id.length > 16 ? id.slice(0, 13) + '...' : id;
}

function usageError(message: string): number {
  process.stderr.write(`tscni ipam: ${message}\n${USAGE}\n`);
  return 2;
}
