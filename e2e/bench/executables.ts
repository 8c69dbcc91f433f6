import { PLUGIN_DIR } from '../src/paths.js';

/**
 * The tscni executables measured: the build's (`npm run build`), or another
 * build's directory named by TSCNI_BENCH_BIN, to compare two commits on the
 * same machine in the same state.
 */
export const TSCNI_BIN_DIR = process.env.TSCNI_BENCH_BIN || PLUGIN_DIR;
