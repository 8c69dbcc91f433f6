// Builds what dist/cni/bin holds, the directory a node's /opt/cni/bin is
// made from:
//
// - `tscni`, one self-contained binary (`bun build --compile`: the Bun
//   runtime and the bundled code in one file) with tscni-bridge,
//   tscni-host-local, tscni-masq, tscni-route-sync and tscni-netpol as hard links to it
//   (packages/executables/src/multi-call.ts picks by name). A runtime starts
//   one of these for every pod and command: Bun starts in a fraction of
//   Node's time and memory (README, "What runs where").
// - `tscni-agent`, the node agent: long-running, on Node.js 24,
//   which @kubernetes/client-node is made for. It is one bundled file, a
//   shell/JavaScript polyglot: /bin/sh runs its first line and execs Node 24
//   on the same file; Node skips the shebang and reads the `":"` line as a
//   harmless string statement. The runtime it execs is, in order:
//   $TSCNI_NODE, `tscni-node` beside it (the Node.js binary from
//   node_modules, placed here by this build), or `node` on PATH.
//   `tscni-route-sync-agent`, its name until the agent had a package of its
//   own, is a symbolic link to it for one release (the agent logs that it
//   is deprecated when run by that name).
//
// Usage: node tools/build-executables.mjs
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { execFile } from 'node:child_process';
import { chmod, copyFile, link, mkdir, rename, rm, stat, symlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUN = join(root, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun');
const MULTI_CALL_ENTRY = join(root, 'packages', 'executables', 'src', 'multi-call.ts');
const AGENT_ENTRY = join(root, 'packages', 'agent', 'src', 'main.ts');
const MULTI_CALL = 'tscni';
const PLUGIN_LINKS = ['tscni-bridge', 'tscni-host-local', 'tscni-masq', 'tscni-route-sync', 'tscni-netpol'];
const AGENT = 'tscni-agent';
const DEPRECATED_AGENT_LINK = 'tscni-route-sync-agent';

// --out DIR: another directory than dist/cni/bin. --plugins-on node: the
// multi-call entry as a Node bundle instead of the Bun binary, the candidate
// the bench compares against (TSCNI_BENCH_BIN=DIR npm run bench).
const options = parseArgs(process.argv.slice(2));
const binDir = options.out ?? join(root, 'dist', 'cni', 'bin');

function parseArgs(args) {
  const parsed = { out: undefined, pluginsOn: 'bun' };
  for (let i = 0; i < args.length; i += 2) {
    if (args[i] === '--out' && args[i + 1]) parsed.out = resolve(args[i + 1]);
    else if (args[i] === '--plugins-on' && ['bun', 'node'].includes(args[i + 1])) parsed.pluginsOn = args[i + 1];
    else {
      console.error('usage: build-executables.mjs [--out DIR] [--plugins-on bun|node]');
      process.exit(2);
    }
  }
  return parsed;
}

/**
 * One self-contained executable: Bun's runtime with the bundle and its
 * bytecode inside. A plugin must not read a .env or bunfig.toml from
 * whatever directory the runtime starts it in, hence the two --no- flags.
 *
 * --splitting makes each plugin's entry (multi-call.ts imports them lazily)
 * a chunk of its own inside the binary, importing only the Node built-ins
 * its own modules use. In one bundle Bun hoists every module's imports of
 * built-ins to the top, so each plugin loaded all of them at start
 * (node:crypto, node:net, node:util among them): with splitting the
 * bridge's VERSION exits in 16 ms instead of 28, and tscni-host-local's
 * ADD+DEL keeps 3.6 MB of its own instead of 4.7 (README, "What runs where").
 */
async function compileWithBun(entry, outfile) {
  const temporary = `${outfile}.${process.pid}.tmp`; // written beside, renamed into place: tests may be running the old one
  await promisify(execFile)(BUN, [
    'build', entry, '--compile', '--splitting', '--minify', '--bytecode', '--format=esm', '--conditions=@tscni/source',
    '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--outfile', temporary,
  ], { cwd: root });
  await chmod(temporary, 0o755);
  await rename(temporary, outfile);
}

/** A symbolic link at `target` to `source`, replacing what is there in one rename. */
async function symlinkInPlace(source, target) {
  const temporary = `${target}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  await symlink(source, temporary);
  await rename(temporary, target);
}

/** A hard link at `target` to `source`, replacing what is there in one rename. */
async function linkInPlace(source, target) {
  const temporary = `${target}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  await link(source, temporary);
  await rename(temporary, target);
}

// Plugins never speak TLS, so the extra CA bundle some hosts export would only
// cost start-up time (about 30 ms here); NODE_COMPILE_CACHE keeps V8's compiled
// code between runs, which matters for a process started often.
const launcher = [
  '#!/bin/sh',
  '":" //; n="${TSCNI_NODE:-${0%/*}/tscni-node}"; [ -x "$n" ] || n=node; unset NODE_EXTRA_CA_CERTS; ' +
    'export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-${TMPDIR:-/tmp}/tscni-compile-cache}"; exec "$n" "$0" "$@"',
].join('\n');

// Node built-ins imported with `import` become CommonJS requires: esbuild
// hoists an ESM import of a built-in to the top of the bundle, so it would be
// loaded at every start even when only a lazily loaded part uses it; and
// node:http's ESM facade alone loads Node's bundled undici (about 40 ms). As
// a require it loads when the module importing it runs.
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

/** One bundled file that starts Node 24 on itself (the launcher above). */
async function bundleForNode(entry, outfile) {
  const temporary = `${outfile}.${process.pid}.tmp`;
  await build({
    entryPoints: [entry],
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
}

// Places the Node 24 binary from node_modules beside the agent, so the whole
// directory runs as it is (the node image uses its own Node instead).
async function installNodeRuntime() {
  const source = join(root, 'node_modules', 'node', 'bin', 'node');
  const target = join(binDir, 'tscni-node');
  const [from, to] = await Promise.all([stat(source), stat(target).catch(() => undefined)]);
  if (to && to.size === from.size && to.mtimeMs >= from.mtimeMs) return;
  const temporary = `${target}.${process.pid}.tmp`;
  await copyFile(source, temporary);
  await chmod(temporary, 0o755);
  await rename(temporary, target);
}

await mkdir(binDir, { recursive: true });
await Promise.all([
  options.pluginsOn === 'node' ? bundleForNode(MULTI_CALL_ENTRY, join(binDir, MULTI_CALL)) : compileWithBun(MULTI_CALL_ENTRY, join(binDir, MULTI_CALL)),
  bundleForNode(AGENT_ENTRY, join(binDir, AGENT)),
  installNodeRuntime(),
]);
for (const name of PLUGIN_LINKS) await linkInPlace(join(binDir, MULTI_CALL), join(binDir, name));
await symlinkInPlace(AGENT, join(binDir, DEPRECATED_AGENT_LINK));
