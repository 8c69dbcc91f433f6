import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The runtime's result cache, in libcni's format and place
 * (`<cacheDir>/results/<network>-<containerID>-<ifname>`), so that tscni and
 * libcni-based runtimes can read each other's entries.
 */
export interface CacheEntry {
  kind: 'cniCacheV1';
  containerId: string;
  /** base64 of the conflist bytes used for ADD. */
  config: string;
  ifName: string;
  networkName: string;
  netns?: string;
  cniArgs?: Array<[string, string]>;
  capabilityArgs?: Record<string, unknown>;
  result?: unknown;
}

export class ResultCache {
  constructor(readonly cacheDir: string) {}

  private path(network: string, containerId: string, ifName: string): string {
    return join(this.cacheDir, 'results', `${network}-${containerId}-${ifName}`);
  }

  async read(network: string, containerId: string, ifName: string): Promise<CacheEntry | undefined> {
    try {
      return JSON.parse(await readFile(this.path(network, containerId, ifName), 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
  }

  async write(entry: CacheEntry): Promise<void> {
    const path = this.path(entry.networkName, entry.containerId, entry.ifName);
    await mkdir(join(this.cacheDir, 'results'), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(entry), { mode: 0o600 });
    await rename(temporary, path);
  }

  async remove(network: string, containerId: string, ifName: string): Promise<void> {
    await rm(this.path(network, containerId, ifName), { force: true });
  }

  /** Every cached attachment of one network. */
  async list(network: string): Promise<CacheEntry[]> {
    const dir = join(this.cacheDir, 'results');
    const names = await readdir(dir).catch(() => [] as string[]);
    const entries: CacheEntry[] = [];
    for (const name of names.filter((n) => n.startsWith(`${network}-`))) {
      try {
        const entry = JSON.parse(await readFile(join(dir, name), 'utf8')) as CacheEntry;
        if (entry.networkName === network) entries.push(entry);
      } catch {
        // a half-written or foreign file: not ours to judge
      }
    }
    return entries;
  }
}
