import { execaRunner, runChecked, type RunResult } from '@tscni/core';
import { join } from 'node:path';
import { OFFLINE_DIR } from './offline.js';

/**
 * Where docker, kind and kubectl run. The suite's own engine is a dockerd in
 * a network namespace of its own (packages/testbed/kind-offline/engine.sh): the kind
 * nodes, their bridge, their iptables rules and the ports kind publishes
 * all live there, so the host's network never changes, and every client
 * runs inside it (`nsenter --net`, not `ip netns exec`, which would hide the
 * cgroup mounts).
 */
export interface Engine {
  readonly kind: 'docker' | 'podman';
  /** Runs a client of the engine (docker, kind, kubectl); throws on a non-zero exit. */
  run(file: string, args: string[]): Promise<RunResult>;
  /** Like run, but resolves whatever the exit code. */
  tryRun(file: string, args: string[]): Promise<RunResult>;
  stop(): Promise<void>;
}

export class OwnDockerEngine implements Engine {
  readonly kind = 'docker';

  private constructor(
    readonly id: string,
    private readonly netns: string,
    private readonly env: Record<string, string | undefined>,
  ) {}

  static async start(id: string): Promise<OwnDockerEngine> {
    const { stdout } = await runChecked(execaRunner, 'bash', [join(OFFLINE_DIR, 'engine.sh'), 'start', id]);
    const vars = Object.fromEntries(stdout.trim().split('\n').map((line) => line.split('=', 2) as [string, string]));
    return new OwnDockerEngine(id, vars.NETNS!, { ...process.env, DOCKER_HOST: vars.DOCKER_HOST, DOCKER_BUILDKIT: '0' });
  }

  run(file: string, args: string[]): Promise<RunResult> {
    return runChecked(execaRunner, file, args, { netns: this.netns, env: this.env });
  }

  tryRun(file: string, args: string[]): Promise<RunResult> {
    return execaRunner.run(file, args, { netns: this.netns, env: this.env });
  }

  /** Stops dockerd with every container, and removes its namespace, state and data. */
  async stop(): Promise<void> {
    await runChecked(execaRunner, 'bash', [join(OFFLINE_DIR, 'engine.sh'), 'stop', this.id]);
  }
}

/** The machine's own docker or podman, as a user with internet has it. */
export class HostEngine implements Engine {
  constructor(readonly kind: 'docker' | 'podman') {}

  /** kind reaches podman only when asked to. */
  private get env(): Record<string, string | undefined> {
    return { ...process.env, ...(this.kind === 'podman' ? { KIND_EXPERIMENTAL_PROVIDER: 'podman' } : {}) };
  }

  run(file: string, args: string[]): Promise<RunResult> {
    return runChecked(execaRunner, file, args, { env: this.env });
  }

  tryRun(file: string, args: string[]): Promise<RunResult> {
    return execaRunner.run(file, args, { env: this.env });
  }

  async stop(): Promise<void> {}
}
