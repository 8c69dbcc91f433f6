import { waitFor, type TestNamespace } from '@tscni/core/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUSYBOX_IMAGE } from './busybox-image.js';
import { command } from './command.js';

/** The containerd namespace the tests use; CNI container IDs are `<namespace>-<container>`. */
export const CTR_NAMESPACE = 'tscni';

/**
 * A containerd daemon of the test's own: own root, state and socket, CRI
 * disabled. With `ctr run --cni` it is ctr, the client, that executes the
 * plugins (containerd would only with CRI), so ctr runs inside the node
 * namespace and the bridge and rules land there, never in the machine's.
 * The daemon is started there too, so that it and its shims are among the
 * namespace's processes the sandbox kills if a test dies half-way.
 */
export class Containerd {
  private constructor(
    private readonly node: TestNamespace,
    private readonly socket: string,
    private readonly daemon: ChildProcess,
  ) {}

  static async start(dir: string, node: TestNamespace): Promise<Containerd> {
    const socket = join(dir, 'containerd.sock');
    await mkdir(dir, { recursive: true });
    const config = join(dir, 'containerd.toml');
    await writeFile(
      config,
      `version = 2
root = ${JSON.stringify(join(dir, 'root'))}
state = ${JSON.stringify(join(dir, 'state'))}
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = ${JSON.stringify(socket)}
[ttrpc]
  address = ${JSON.stringify(`${socket}.ttrpc`)}
[debug]
  address = ${JSON.stringify(join(dir, 'debug.sock'))}
`,
    );
    // Its log goes to a file: a pipe nobody reads would eventually block it.
    const log = await open(join(dir, 'containerd.log'), 'a');
    const daemon = spawn('nsenter', [`--net=${node.path}`, '--', 'containerd', '--config', config], {
      stdio: ['ignore', log.fd, log.fd],
    });
    await log.close();
    const containerd = new Containerd(node, socket, daemon);
    await waitFor('containerd to serve its socket', async () => {
      if (daemon.exitCode !== null) throw new Error(`containerd exited with ${daemon.exitCode}, see ${dir}/containerd.log`);
      return (await containerd.ctr(['version'])) !== '';
    });
    return containerd;
  }

  /** Runs `ctr args` against this daemon, inside the node namespace. */
  async ctr(args: string[]): Promise<string> {
    return command('ctr', ['--address', this.socket, '--namespace', CTR_NAMESPACE, ...args], { netns: this.node.path });
  }

  /**
   * `ctr run --rm --cni` of a busybox container that prints its IPv4
   * addresses and then waits for its stdin to close, so a test can look at
   * the node while the container runs. ctr itself runs the CNI ADD once the
   * task exists, and DEL, with an empty netns, once it has exited.
   */
  runUntilStdinCloses(container: string): CtrRun {
    const child = spawn(
      'nsenter',
      [`--net=${this.node.path}`, '--', 'ctr', '--address', this.socket, '--namespace', CTR_NAMESPACE, 'run', '--rm', '--cni', BUSYBOX_IMAGE, container,
        'sh', '-c', 'ip -4 -o addr show dev eth0; read _; exit 0'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    return new CtrRun(child);
  }

  async importImage(archive: string): Promise<void> {
    await this.ctr(['images', 'import', archive]);
  }

  /** Kills and removes whatever containers a failed test left, then stops the daemon. */
  async stop(): Promise<void> {
    if (this.daemon.exitCode === null) {
      const containers = (await this.ctr(['containers', 'list', '--quiet']).catch(() => '')).split('\n').filter(Boolean);
      for (const id of containers) {
        await this.ctr(['tasks', 'kill', '--signal', 'SIGKILL', id]).catch(() => undefined);
        await waitFor(`task ${id} to stop`, async () => !(await this.ctr(['tasks', 'list', '--quiet'])).includes(id)).catch(
          () => undefined,
        );
        await this.ctr(['tasks', 'delete', id]).catch(() => undefined);
        await this.ctr(['containers', 'delete', id]).catch(() => undefined);
      }
      const exited = once(this.daemon, 'exit');
      this.daemon.kill('SIGTERM');
      await exited;
    }
  }
}

/** A running `ctr run` (see Containerd.runUntilStdinCloses). */
export class CtrRun {
  private output = '';
  private readonly exited: Promise<number>;

  constructor(private readonly ctr: ChildProcess) {
    ctr.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    ctr.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = once(ctr, 'exit').then(([code]) => (code as number | null) ?? -1);
  }

  /** The container's IPv4 address on eth0, once it has printed it. */
  async address(): Promise<string> {
    return waitFor('the container to print its address', async () => {
      if (this.ctr.exitCode !== null) throw new Error(`ctr exited with ${this.ctr.exitCode}: ${this.output}`);
      return /inet ([\d.]+)\//.exec(this.output)?.[1];
    });
  }

  /** Lets the container exit and waits for ctr, which runs CNI DEL last; rejects unless ctr succeeded. */
  async finish(): Promise<void> {
    this.ctr.stdin?.end();
    const code = await this.exited;
    if (code !== 0) throw new Error(`ctr run exited with ${code}: ${this.output}`);
  }
}
