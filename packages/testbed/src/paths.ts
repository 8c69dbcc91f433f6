import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, found upwards from this module: it runs both from
 * packages/testbed/src (jest) and bundled into dist/demo (`npm start`) or dist/bench.
 */
function findRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
  }
  throw new Error(`no nx.json above ${from}`);
}

export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** The built executables (`npm run build`): the plugins' binary and its links, the agent and its Node runtime. */
export const PLUGIN_DIR = join(REPO_ROOT, 'dist', 'cni', 'bin');
