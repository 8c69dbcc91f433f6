import { execaRunner, runChecked } from '@tscni/core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import type { Engine } from './tools.js';

/** The image deploy/daemonset.yaml runs; the kind suite builds and loads it under this name. */
export const IMAGE = 'tscni:dev';
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
export const KIND_CONFIG = join(DEPLOY_DIR, 'kind-config.yaml');
export const DEMO_MANIFEST = join(DEPLOY_DIR, 'examples', 'demo-daemonset.yaml');

/** A kind cluster driven through the kind CLI, kubectl and the container engine. */
export class KindCluster {
  constructor(
    readonly name: string,
    readonly engine: Engine,
  ) {}

  /** kind reaches podman only when asked to. */
  private get env(): Record<string, string | undefined> {
    return { ...process.env, ...(this.engine === 'podman' ? { KIND_EXPERIMENTAL_PROVIDER: 'podman' } : {}) };
  }

  async create(): Promise<void> {
    await this.kind(['create', 'cluster', '--name', this.name, '--config', KIND_CONFIG, '--wait', '0s']);
  }

  async delete(): Promise<void> {
    await this.kind(['delete', 'cluster', '--name', this.name]);
  }

  /** Builds the image from the repository root and loads it into every node. */
  async loadImage(): Promise<void> {
    await this.run(this.engine, ['build', '-f', join(DEPLOY_DIR, 'Dockerfile'), '-t', IMAGE, REPO_ROOT]);
    if (this.engine === 'docker') {
      await this.kind(['load', 'docker-image', IMAGE, '--name', this.name]);
      return;
    }
    // kind cannot read podman's store directly: go through an archive.
    const dir = await mkdtemp(join(tmpdir(), 'tscni-kind-'));
    try {
      await this.run('podman', ['save', '--format', 'docker-archive', '-o', join(dir, 'image.tar'), IMAGE]);
      await this.kind(['load', 'image-archive', join(dir, 'image.tar'), '--name', this.name]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async kubectl(args: string[]): Promise<string> {
    return (await this.run('kubectl', ['--context', `kind-${this.name}`, ...args])).stdout;
  }

  async kubectlJson<T>(args: string[]): Promise<T> {
    return JSON.parse(await this.kubectl([...args, '-o', 'json'])) as T;
  }

  /**
   * A command in the node's own network namespace: a throwaway busybox pod
   * with hostNetwork (kind's node image has no ping).
   */
  async onNode(node: string, command: string[]): Promise<string> {
    const overrides = { apiVersion: 'v1', spec: { hostNetwork: true, nodeName: node, tolerations: [{ operator: 'Exists' }] } };
    const name = `${this.name}-on-node`;
    const args = ['run', name, '--image=busybox:1.36', '--restart=Never', '--rm', '-i', '--quiet'];
    return this.kubectl([...args, `--overrides=${JSON.stringify(overrides)}`, '--', ...command]);
  }

  /** Runs a container on the cluster's network: "outside" the cluster, as the internet is. */
  async runOutside(name: string, image: string, command: string[]): Promise<string> {
    await this.run(this.engine, ['run', '-d', '--name', name, '--network', 'kind', image, ...command]);
    return (await this.run(this.engine, ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', name])).stdout.trim();
  }

  async logsOf(container: string): Promise<string> {
    const result = await this.run(this.engine, ['logs', container]);
    return result.stdout + result.stderr;
  }

  async removeContainer(name: string): Promise<void> {
    await execaRunner.run(this.engine, ['rm', '-f', name]);
  }

  private kind(args: string[]) {
    return this.run('kind', args);
  }

  private run(file: string, args: string[]) {
    return runChecked(execaRunner, file, args, { env: this.env });
  }
}
