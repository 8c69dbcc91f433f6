import { execaRunner } from '@tscni/core';

export type Engine = 'docker' | 'podman';

export type KindTools = { usable: true; engine: Engine } | { usable: false; reason: string };

/** kind and a container engine it can drive, or why the kind suite cannot run here. */
export async function findKindTools(): Promise<KindTools> {
  if (!(await succeeds('kind', ['version']))) return { usable: false, reason: '`kind` is not installed' };
  if (!(await succeeds('kubectl', ['version', '--client']))) return { usable: false, reason: '`kubectl` is not installed' };
  for (const engine of ['docker', 'podman'] as const) {
    if (await succeeds(engine, ['info'])) return { usable: true, engine };
  }
  return { usable: false, reason: 'no container engine: neither `docker info` nor `podman info` works' };
}

async function succeeds(file: string, args: string[]): Promise<boolean> {
  return (await execaRunner.run(file, args)).exitCode === 0;
}
