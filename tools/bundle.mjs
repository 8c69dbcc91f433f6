// Bundles a program (TypeScript sources with `.js` import suffixes, the
// workspace packages by their source condition) into one ESM file Node runs
// directly. Used by the demo (`nx run demo:bundle`: `node tools/bundle.mjs
// packages/demo/src/start.ts dist/demo/start.mjs`) and the benchmark
// (packages/bench/scripts/run.mjs).
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles `entry` (relative to the repository) into `outfile`; returns its absolute path. */
export async function bundle(entry, outfile) {
  const out = join(root, outfile);
  await mkdir(dirname(out), { recursive: true });
  await build({
    entryPoints: [join(root, entry)],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    conditions: ['@tscni/source'],
    logLevel: 'warning',
    // CommonJS dependencies inside an ESM bundle need a require.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  // The test bed's stand-in API server runs as its own process from a script
  // found beside the module that starts it (import.meta.dirname): here,
  // beside the bundle.
  await copyFile(join(root, 'packages/testbed/src/api-server/fake-apiserver.ts'), join(dirname(out), 'fake-apiserver.ts'));
  return out;
}

if (import.meta.main) {
  const [entry, outfile] = process.argv.slice(2);
  if (!entry || !outfile) throw new Error('usage: node tools/bundle.mjs ENTRY OUTFILE (both relative to the repository)');
  await bundle(entry, outfile);
}
