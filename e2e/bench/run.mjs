// `nx run e2e:bench`: bundles the benchmark (TypeScript sources with `.js`
// import suffixes, the workspace packages by their source condition) into
// dist/bench and runs it in this process with the arguments given.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = join(root, 'dist', 'bench');
await mkdir(outDir, { recursive: true });
await build({
  entryPoints: [join(root, 'e2e/bench/main.ts')],
  outfile: join(outDir, 'main.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  conditions: ['@tscni/source'],
  logLevel: 'warning',
  // CommonJS dependencies inside an ESM bundle need a require.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});
// The fake API server runs as its own process from a script beside the module that starts it.
await copyFile(join(root, 'packages/route-sync/src/testing/fake-apiserver.ts'), join(outDir, 'fake-apiserver.ts'));
await import(pathToFileURL(join(outDir, 'main.mjs')).href);
