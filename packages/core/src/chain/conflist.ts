import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../spec/errors.js';
import { validateNetworkName } from '../spec/names.js';
import type { NetConfList } from '../spec/types.js';
import { highestSupported, requireSupportedVersion, type SpecVersion } from '../spec/versions.js';

/** A conflist with the bytes it was read from (libcni caches the bytes). */
export interface LoadedConfList {
  list: NetConfList;
  bytes: Buffer;
  /** The version the runtime speaks with this list's plugins. */
  version: SpecVersion;
}

const CONFIG_EXTENSIONS = ['.conf', '.conflist', '.json'];

/**
 * Parses a `.conflist`, or a single-plugin `.conf` wrapped into a one-plugin
 * list as libcni does.
 */
export function parseConfList(bytes: Buffer | string): LoadedConfList {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(bytes.toString()) as Record<string, unknown>;
  } catch (error) {
    throw new CniError(ErrorCode.DecodeFailure, `failed to decode network config list: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null) {
    throw new CniError(ErrorCode.DecodeFailure, 'network config list must be a JSON object');
  }
  const list: NetConfList = Array.isArray(raw.plugins)
    ? (raw as unknown as NetConfList)
    : { cniVersion: raw.cniVersion as string, name: raw.name as string, plugins: [raw as NetConfList['plugins'][0]] };
  validateNetworkName(list.name);
  if (list.plugins.length === 0) throw new CniError(ErrorCode.InvalidConfig, `network ${list.name} has no plugins`);
  for (const [i, plugin] of list.plugins.entries()) {
    if (typeof plugin?.type !== 'string' || !plugin.type) {
      throw new CniError(ErrorCode.InvalidConfig, `network ${list.name}: plugins[${i}] has no "type"`);
    }
  }
  const version = Array.isArray(list.cniVersions)
    ? (highestSupported(list.cniVersions) ?? requireSupportedVersion(list.cniVersions.at(-1)))
    : requireSupportedVersion(list.cniVersion);
  return { list, bytes: Buffer.from(bytes), version };
}

/** The config named `name` in `dir`, files considered in name order (libcni's rule). */
export async function loadConfList(dir: string, name: string): Promise<LoadedConfList> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => CONFIG_EXTENSIONS.some((ext) => f.endsWith(ext))).sort();
  } catch (error) {
    throw new CniError(ErrorCode.IoFailure, `cannot read config directory ${dir}: ${(error as Error).message}`);
  }
  for (const file of files) {
    const bytes = await readFile(join(dir, file));
    let parsedName: unknown;
    try {
      parsedName = (JSON.parse(bytes.toString()) as { name?: unknown }).name;
    } catch {
      continue; // an unreadable file is not the one asked for
    }
    if (parsedName === name) return parseConfList(bytes);
  }
  throw new CniError(ErrorCode.InvalidConfig, `no network config named "${name}" in ${dir}`);
}
