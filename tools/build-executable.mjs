// Bundles one entry point into a self-contained executable in dist/cni/bin.
//
// The file is a shell/JavaScript polyglot: /bin/sh runs its first line and
// execs Node 24 on the same file; Node skips the shebang and reads the `":"`
// line as a harmless string statement. The runtime it execs is, in order:
// $TSCNI_NODE, `tscni-node` beside the executable (what `npm run build`
// places in dist/cni/bin and the node agent installs into /opt/cni/bin), or
// `node` on PATH.
//
// Usage: node tools/build-executable.mjs <entry.ts> <executable-name>
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { chmod, copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, 'dist', 'cni', 'bin');
const [entry, name] = process.argv.slice(2);
if (!entry || !name) {
  console.error('usage: build-executable.mjs <entry.ts> <executable-name>');
  process.exit(2);
}

// Plugins never speak TLS, so the extra CA bundle some hosts export would only
// cost start-up time (about 30 ms here); NODE_COMPILE_CACHE keeps V8's compiled
// code between runs, which matters for a process started for every pod.
const launcher = [
  '#!/bin/sh',
  '":" //; n="${TSCNI_NODE:-${0%/*}/tscni-node}"; [ -x "$n" ] || n=node; unset NODE_EXTRA_CA_CERTS; ' +
    'export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-${TMPDIR:-/tmp}/tscni-compile-cache}"; exec "$n" "$0" "$@"',
].join('\n');

// Node built-ins imported with `import` become CommonJS requires: esbuild
// hoists an ESM import of a built-in to the top of the bundle, so it would be
// loaded at every start even when only a lazily loaded part (route-sync's
// agent) uses it; and node:http's ESM facade alone loads Node's bundled undici
// (about 40 ms). As a require it loads when the module importing it runs.
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name.replace(/^node:/, '')}`]));
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^[a-z:_/0-9]+$/ }, (args) =>
      args.kind === 'import-statement' && BUILTINS.has(args.path) ? { path: args.path, namespace: 'builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

await mkdir(binDir, { recursive: true });
const outfile = join(binDir, name);
// Written beside and renamed into place: tests may be executing the old file.
const temporary = `${outfile}.${process.pid}.tmp`;
await build({
  entryPoints: [join(root, entry)],
  outfile: temporary,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  conditions: ['@tscni/source'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazyBuiltins],
  banner: {
    js:
      launcher +
      "\nimport { createRequire as __tscniRequire } from 'node:module'; const require = __tscniRequire(import.meta.url);",
  },
});
await chmod(temporary, 0o755);
await rename(temporary, outfile);
await installRuntime();

// Places the Node 24 binary from node_modules beside the executables, so the
// whole directory can be copied to /opt/cni/bin as it is.
async function installRuntime() {
  const source = join(root, 'node_modules', 'node', 'bin', 'node');
  const target = join(binDir, 'tscni-node');
  const [from, to] = await Promise.all([stat(source), stat(target).catch(() => undefined)]);
  if (to && to.size === from.size && to.mtimeMs >= from.mtimeMs) return;
  const temporary = `${target}.${process.pid}.tmp`; // builds run in parallel
  await copyFile(source, temporary);
  await chmod(temporary, 0o755);
  await rename(temporary, target);
}
