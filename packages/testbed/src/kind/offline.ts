import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';

/** The offline build of a kind cluster's parts (toolchain, Debian userlands, images): packages/testbed/kind-offline/. */
export const OFFLINE_DIR = join(REPO_ROOT, 'packages', 'testbed', 'kind-offline');

/** An image as a docker archive, and the name it loads under. */
export interface ImageArchive {
  archive: string;
  ref: string;
}

export interface OfflineBuild {
  /** kind, kubectl, ... built from the Go module proxy. */
  bin: (name: string) => string;
  nodeImage: ImageArchive;
  /** The BASE of deploy/Dockerfile: Debian slim with the project's Node.js 24. */
  tscniBase: ImageArchive;
  /** Images the suites run outside the cluster too (busybox:1.36). */
  testImages: string[];
}

/**
 * Builds whatever the cache lacks (cold: about 20 minutes on 2 cores, most
 * of it Kubernetes; warm: seconds) and says where it all is. The scripts'
 * progress goes to this process's stderr as they run.
 */
export async function buildOffline(): Promise<OfflineBuild> {
  const bin = await buildToolchain();
  const [images] = await script('images.sh');
  const [nodeImage] = await script('node-image.sh');
  return {
    bin,
    nodeImage: { archive: join(nodeImage!, 'node-image.tar'), ref: (await readFile(join(nodeImage!, 'ref'), 'utf8')).trim() },
    tscniBase: { archive: join(images!, 'base.tar'), ref: (await readFile(join(images!, 'base.ref'), 'utf8')).trim() },
    testImages: (await readdir(join(images!, 'test'))).map((file) => join(images!, 'test', file)),
  };
}

/** Only the Go toolchain (a bare control plane needs no images): a program's path by its name. */
export async function buildToolchain(): Promise<(name: string) => string> {
  const dirs = await script('toolchain.sh');
  return (name) => {
    const dir = dirs.find((dir) => existsSync(join(dir, 'bin', name)));
    if (!dir) throw new Error(`the offline toolchain has no ${name}`);
    return join(dir, 'bin', name);
  };
}

/** A version pinned in packages/testbed/kind-offline/versions.sh, by its variable (KUBERNETES_VERSION, ...). */
export async function pinnedVersion(variable: string): Promise<string> {
  const versions = await readFile(join(OFFLINE_DIR, 'versions.sh'), 'utf8');
  const version = new RegExp(`^${variable}=(\\S+)`, 'm').exec(versions)?.[1];
  if (!version) throw new Error(`packages/testbed/kind-offline/versions.sh pins no ${variable}`);
  return version;
}

/** Runs one build script; resolves its stdout's lines (the directories it built or found). */
function script(name: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(OFFLINE_DIR, name)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(stdout.split('\n').filter(Boolean)) : reject(new Error(`packages/testbed/kind-offline/${name} failed (exit ${code})`)),
    );
  });
}
