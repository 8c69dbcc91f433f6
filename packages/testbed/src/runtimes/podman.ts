import type { TestNamespace } from '@tscni/core/testing';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUSYBOX_IMAGE } from './busybox-image.js';
import { command } from './command.js';

export interface PodmanNetworkSetup {
  /** Where podman looks for plugins, in order. */
  pluginDirs: string[];
  /** The directory of conflists podman reads. */
  configDir: string;
  /** A network with a conflist in configDir (otherwise podman writes its own cni-podman0 list). */
  defaultNetwork: string;
}

export interface PodmanSetup {
  /** A private directory for podman's configuration, storage, run state and events. */
  dir: string;
  /** podman runs inside this namespace, so the plugins it executes make their bridge and rules there. */
  node: TestNamespace;
  /**
   * How containers get their network; absent for a podman used only to
   * convert images (its network directory is then a private empty one: podman
   * creates a lock file there, which must not land in the machine's).
   */
  network?: PodmanNetworkSetup;
  /** A root filesystem archive (see busyboxRootfsArchive), imported as BUSYBOX_IMAGE. */
  rootfsArchive: string;
}

/**
 * podman 4 with its CNI backend, configured entirely through its own files
 * (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF) so it shares no storage, run
 * state or network configuration with the machine or with another test.
 */
export class Podman {
  private constructor(
    private readonly node: TestNamespace,
    private readonly env: Record<string, string | undefined>,
  ) {}

  static async create(setup: PodmanSetup): Promise<Podman> {
    const { dir } = setup;
    await mkdir(dir, { recursive: true });
    // cgroupfs and file events: there is no systemd here. runc: crun fails on
    // this kind of machine's hybrid cgroups. The default ulimits exceed what
    // the machine allows.
    await writeFile(
      join(dir, 'containers.conf'),
      `[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = ${JSON.stringify(join(dir, 'events.log'))}
runtime = "runc"
tmp_dir = ${JSON.stringify(join(dir, 'tmp'))}
${networkSection(setup.network ?? { pluginDirs: [], configDir: join(dir, 'net.d'), defaultNetwork: 'none' })}
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=32768:32768"]
`,
    );
    await writeFile(
      join(dir, 'storage.conf'),
      `[storage]
driver = "overlay"
runroot = ${JSON.stringify(join(dir, 'runroot'))}
graphroot = ${JSON.stringify(join(dir, 'root'))}
`,
    );
    const podman = new Podman(setup.node, {
      ...process.env,
      CONTAINERS_CONF: join(dir, 'containers.conf'),
      CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    });
    await podman.run(['import', '--change', 'CMD ["/bin/sh"]', setup.rootfsArchive, BUSYBOX_IMAGE]);
    return podman;
  }

  /**
   * Runs `podman args` inside the node namespace. nsenter, not `ip netns
   * exec`: the latter remounts /sys for the namespace, hiding the cgroup
   * mounts runc needs.
   */
  async run(args: string[]): Promise<string> {
    return (await command('podman', args, { env: this.env, netns: this.node.path })).trim();
  }

  /** Starts a long-running busybox container on `network`; returns its ID. */
  async startContainer(name: string, network: string, extraArgs: string[] = []): Promise<string> {
    return this.run(['run', '-d', '--name', name, '--network', network, ...extraArgs, BUSYBOX_IMAGE, 'sleep', '600']);
  }

  /** The IPv4 address podman recorded for the container on `network`. */
  async address(container: string, network: string): Promise<string> {
    return this.run(['inspect', '--format', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container]);
  }

  /** Writes the image as a docker-archive, the format `ctr images import` reads. */
  async saveImage(path: string): Promise<void> {
    await this.run(['save', '--format', 'docker-archive', '--output', path, BUSYBOX_IMAGE]);
  }

  /** Removes every container (which runs CNI DEL for each), also the ones a failed test left running. */
  async removeAllContainers(): Promise<void> {
    await this.run(['rm', '--force', '--all', '--time', '0']);
  }
}

function networkSection(network: PodmanNetworkSetup): string {
  // podman refuses an empty list; without the key it uses its default plugin directories.
  const pluginDirs = network.pluginDirs.length > 0 ? `cni_plugin_dirs = [${network.pluginDirs.map((dir) => JSON.stringify(dir)).join(', ')}]` : '';
  return `[network]
network_backend = "cni"
${pluginDirs}
network_config_dir = ${JSON.stringify(network.configDir)}
default_network = ${JSON.stringify(network.defaultNetwork)}`;
}
