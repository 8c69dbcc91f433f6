// Bundles the `npm start` CLI into dist/e2e/start.mjs, so Node runs it
// directly (the sources are TypeScript with `.js` import suffixes).
import { build } from 'esbuild';
import { copyFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = join(root, 'dist/e2e');
await build({
  entryPoints: [join(root, 'e2e/src/start.ts')],
  outfile: join(outDir, 'start.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  conditions: ['@tscni/source'],
  logLevel: 'warning',
  // CommonJS dependencies inside an ESM bundle need a require.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});
// The API server runs as its own process from a script found beside the
// module that starts it (import.meta.dirname): here, beside the bundle.
await copyFile(join(root, 'packages/route-sync/src/testing/fake-apiserver.ts'), join(outDir, 'fake-apiserver.ts'));
