import { execaRunner } from '@tscni/core';
import { HostEngine, OwnDockerEngine, type Engine } from './engine.js';
import { buildOffline } from './offline.js';

/** What the kind suite runs with: an engine, the kind and kubectl to use, and the images. */
export interface KindSetup {
  mode: 'online' | 'offline';
  engine: Engine;
  kind: string;
  kubectl: string;
  /** kind's --image; undefined: kind's own default, pulled. */
  nodeImage?: string;
  /** deploy/Dockerfile's BASE; undefined: its default, pulled. */
  tscniBase?: string;
}

export type KindChoice = { usable: true; mode: 'online' | 'offline' } | { usable: false; reason: string };

/** The programs the offline build and its engine run (.ci/run installs them). */
const OFFLINE_NEEDS = ['go', 'gcc', 'mmdebstrap', 'dockerd', 'docker', 'jq', 'busybox', 'ctr', 'nsenter'];

/**
 * Online (kind's published node image, the public Node base, the machine's
 * docker or podman) where kind, kubectl and an engine are at hand; offline
 * (everything built from package registries, a dockerd of the suite's own)
 * otherwise, or when TSCNI_KIND_OFFLINE=1 asks for it (0 forbids it).
 */
export async function chooseKindMode(env = process.env): Promise<KindChoice> {
  const asked = env.TSCNI_KIND_OFFLINE;
  if (asked !== '1' && (await hostEngine()) && (await succeeds('kind', ['version'])) && (await succeeds('kubectl', ['version', '--client']))) {
    return { usable: true, mode: 'online' };
  }
  if (asked === '0') return { usable: false, reason: 'TSCNI_KIND_OFFLINE=0, and kind, kubectl or a running docker/podman is missing' };
  for (const tool of OFFLINE_NEEDS) {
    if (!(await succeeds('sh', ['-c', `command -v ${tool}`]))) return { usable: false, reason: `the offline kind build needs \`${tool}\`` };
  }
  if (process.getuid?.() !== 0) return { usable: false, reason: 'the offline kind build runs its own dockerd: it needs root' };
  return { usable: true, mode: 'offline' };
}

/** Builds or finds what the mode needs and starts its engine (stop it with engine.stop()). */
export async function prepareKind(mode: 'online' | 'offline', id: string): Promise<KindSetup> {
  if (mode === 'online') return { mode, engine: new HostEngine((await hostEngine())!), kind: 'kind', kubectl: 'kubectl' };
  const build = await buildOffline();
  const engine = await OwnDockerEngine.start(id);
  try {
    for (const archive of [build.nodeImage.archive, build.tscniBase.archive, ...build.testImages]) {
      await engine.run('docker', ['load', '-q', '-i', archive]);
    }
  } catch (error) {
    await engine.stop();
    throw error;
  }
  return { mode, engine, kind: build.bin('kind'), kubectl: build.bin('kubectl'), nodeImage: build.nodeImage.ref, tscniBase: build.tscniBase.ref };
}

async function hostEngine(): Promise<'docker' | 'podman' | undefined> {
  for (const engine of ['docker', 'podman'] as const) if (await succeeds(engine, ['info'])) return engine;
  return undefined;
}

async function succeeds(file: string, args: string[]): Promise<boolean> {
  return (await execaRunner.run(file, args)).exitCode === 0;
}
