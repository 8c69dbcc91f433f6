import { join } from 'node:path';
import { PLUGIN_DIR, REPO_ROOT } from '@tscni/testbed/paths';

/**
 * The tscni executables measured: the build's (`npm run build`), or another
 * build's directory named by TSCNI_BENCH_BIN, to compare two commits on the
 * same machine in the same state.
 */
export const TSCNI_BIN_DIR = process.env.TSCNI_BENCH_BIN || PLUGIN_DIR;

/** The Bun the build compiles the plugins with (its bare start is table 6's floor). */
export const BUN = join(REPO_ROOT, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun');
