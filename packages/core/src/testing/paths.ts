import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/core/src/testing/paths.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Where `npm run build` puts the executables; tests run these, as a runtime would. */
export const BIN_DIR = join(REPO_ROOT, 'dist', 'cni', 'bin');

/** The reference plugins from Debian's containernetworking-plugins. */
export const REFERENCE_BIN_DIR = '/usr/lib/cni';

export function binary(name: string): string {
  return join(BIN_DIR, name);
}
