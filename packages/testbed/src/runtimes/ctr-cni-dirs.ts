import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readlink, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/**
 * `ctr run --cni` has no options for its CNI directories: it reads the
 * machine's /etc/cni/net.d, loads only the first config file by name, and
 * finds plugins in /opt/cni/bin (or /usr/lib/cni). A test that drives it has
 * to install files there: one conflist under a name that sorts first, and
 * links to the plugins, all removed again afterwards.
 */
export const CTR_CONF_DIR = '/etc/cni/net.d';
export const CTR_PLUGIN_DIR = '/opt/cni/bin';

const TEST_PREFIX = '00-tscni-test-';
const CONFIG_EXTENSIONS = ['.conf', '.conflist', '.json'];

/**
 * Why the machine's CNI config directory cannot be used now, or undefined:
 * a config of someone else's that ctr would pick before ours, or another
 * test's conflist (two would shadow each other).
 */
export async function ctrConfDirBlocker(ours?: string): Promise<string | undefined> {
  const files = await readdir(CTR_CONF_DIR).catch(() => [] as string[]);
  // Ours starts with TEST_PREFIX, so a name below the prefix sorts before any of ours.
  const blocking = files
    .filter((f) => f !== ours && CONFIG_EXTENSIONS.some((ext) => f.endsWith(ext)))
    .filter((f) => f < TEST_PREFIX || f.startsWith(TEST_PREFIX))
    .sort();
  return blocking.length > 0 ? `${CTR_CONF_DIR} holds ${blocking.join(', ')}, which ctr would load instead of the test's conflist` : undefined;
}

export class CtrCniFiles {
  private constructor(
    private readonly confFile: string,
    private readonly links: string[],
    private readonly createdDirs: string[],
  ) {}

  /** Installs `conflist` and links to `plugins` (absolute paths); refuses if anything would shadow them. */
  static async install(conflist: object, plugins: string[]): Promise<CtrCniFiles> {
    const name = `${TEST_PREFIX}${randomBytes(4).toString('hex')}.conflist`;
    const confFile = `${CTR_CONF_DIR}/${name}`;
    // 'wx': never overwrite; checked again after writing, so that of two runs starting together neither proceeds unnoticed.
    await writeFile(confFile, JSON.stringify(conflist), { flag: 'wx' });
    const files = new CtrCniFiles(confFile, [], []);
    try {
      const blocker = await ctrConfDirBlocker(name);
      if (blocker) throw new Error(blocker);
      await files.createPluginDir();
      for (const plugin of plugins) await files.link(plugin);
    } catch (error) {
      await files.remove();
      throw error;
    }
    return files;
  }

  private async createPluginDir(): Promise<void> {
    for (const dir of [dirname(CTR_PLUGIN_DIR), CTR_PLUGIN_DIR]) {
      if (await mkdir(dir).then(() => true, (error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? false : Promise.reject(error)))) {
        this.createdDirs.unshift(dir);
      }
    }
  }

  /**
   * A link, not a copy: each plugin name is the same 100 MB binary, which
   * runs the plugin its link is named after. A link that
   * already points at the same file is one a killed run left: adopted.
   */
  private async link(target: string): Promise<void> {
    const path = `${CTR_PLUGIN_DIR}/${basename(target)}`;
    const existing = await readlink(path).catch(() => undefined);
    if (existing === undefined) await symlink(target, path);
    else if (existing !== target) throw new Error(`${path} exists and is not ours (links to ${existing})`);
    this.links.push(path);
  }

  /** Removes exactly what install made. */
  async remove(): Promise<void> {
    for (const path of [...this.links, this.confFile]) await rm(path, { force: true });
    // rmdir only removes an empty directory: anything someone else put there stays.
    for (const dir of this.createdDirs) await rmdir(dir).catch(() => undefined);
  }
}
