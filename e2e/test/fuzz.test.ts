import { binary, execPluginIn, Sandbox, type PluginRun, type TestNamespace } from '@tscni/core/testing';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fuzzCase, validConfig, validEnv, type FuzzCase, type FuzzPaths } from '../src/fuzz/cases.js';

/**
 * Bad input for every plugin and command, seeded and reproducible
 * (TSCNI_FUZZ_SEED, TSCNI_FUZZ_CASES): every failure must be the spec's
 * error JSON on stdout with a right code for the fault and exit 1, never
 * code 999, never a stack trace; nothing is left behind and nothing is
 * written outside the dataDir, the lock (and masq's stamp beside it), state
 * and log files.
 */
const SEED = Number(process.env.TSCNI_FUZZ_SEED ?? 20261202);
const CASES = Number(process.env.TSCNI_FUZZ_CASES ?? 2000);
/** Each worker has its node, pod namespace and directory: its cases run one after another. */
const WORKERS = 4;
const sandbox = new Sandbox('fz');
afterAll(() => sandbox.cleanup());

interface Worker {
  node: TestNamespace;
  paths: FuzzPaths;
  dir: string;
}

async function worker(n: number): Promise<Worker> {
  const node = await sandbox.namespace(`n${n}`);
  const pod = await sandbox.namespace(`p${n}`);
  const dir = await sandbox.dir();
  const paths: FuzzPaths = {
    podNetns: pod.path,
    bridge: `fzbr${n}`,
    dataDir: join(dir, 'ipam'),
    lockFile: join(dir, 'masq.lock'),
    stateDir: join(dir, 'run'),
    logFile: join(dir, 'plugin.log'),
    binDir: join(binary('tscni-bridge'), '..'),
  };
  // What the agent would have written for tscni-route-sync: no peers yet.
  await mkdir(paths.stateDir, { recursive: true });
  await writeFile(join(paths.stateDir, 'route-sync.json'), JSON.stringify({ node: `fuzz-node-${n}`, routes: [] }));
  return { node, paths, dir };
}

const run = (w: Worker, plugin: string, env: Record<string, string | undefined>, stdin: string) =>
  execPluginIn(w.node, binary(plugin), { command: env.CNI_COMMAND ?? '', env, cwd: w.dir }, stdin);

/** CHECK checks what ADD returned: the runtime passes that as prevResult, where the case has none. */
function withPrevResult(stdin: string, result: unknown): string {
  try {
    const config = JSON.parse(stdin) as unknown;
    if (typeof config !== 'object' || config === null || Array.isArray(config) || 'prevResult' in config) return stdin;
    return JSON.stringify({ ...config, prevResult: result });
  } catch {
    return stdin;
  }
}

/** What is wrong with a run for its case, if anything. */
function verdict(c: FuzzCase, r: PluginRun): string | undefined {
  if (/^\s+at .+:\d+:\d+\)?$/m.test(r.stderr) || /^\s+at .+:\d+:\d+\)?$/m.test(r.stdout)) return `a stack trace: ${r.stderr.slice(0, 300)}`;
  if (r.exitCode === 0) {
    if (!c.success) return `succeeded, but the fault calls for code ${c.codes.join('|')}: ${r.stdout.slice(0, 200)}`;
    if (r.stdout.trim() && !r.json) return `exit 0 with stdout that is not JSON: ${r.stdout.slice(0, 200)}`;
    if (c.command === 'ADD' && typeof r.json?.cniVersion !== 'string') return `ADD succeeded without a result: ${r.stdout.slice(0, 200)}`;
    return undefined;
  }
  if (r.exitCode !== 1) return `exit ${r.exitCode} (stderr: ${r.stderr.slice(0, 200)})`;
  const error = r.json as { code?: unknown; msg?: unknown; cniVersion?: unknown } | undefined;
  if (!error || !Number.isInteger(error.code) || typeof error.msg !== 'string' || !error.msg || typeof error.cniVersion !== 'string') {
    return `exit 1 without the spec's error JSON: ${r.stdout.slice(0, 200)}`;
  }
  // A CHECK that finds the attachment unlike its prevResult or config says so with the catch-all, as the reference plugins do.
  if (c.command === 'CHECK' && error.code === 999 && c.success) return undefined;
  if (!c.codes.includes(error.code as number)) return `code ${String(error.code)} (${error.msg.slice(0, 200)}), right for the fault: ${c.codes.join('|') || 'success'}`;
  return undefined;
}

/** The pod's leftovers on the worker: address files, veths. */
async function leftovers(w: Worker): Promise<string[]> {
  const network = join(w.paths.dataDir, 'fuzznet');
  const files = existsSync(network) ? (await readdir(network)).filter((name) => /^[\d.]+$|:/.test(name)) : [];
  const veths = (await sandbox.exec(w.node, 'ip', ['-o', 'link', 'show', 'type', 'veth'])).trim();
  const pod = (await sandbox.exec({ name: w.paths.podNetns.split('/').pop()!, path: w.paths.podNetns }, 'ip', ['-o', 'link', 'show'])).split('\n').filter((line) => line && !/: lo:/.test(line));
  return [...files.map((f) => `address file ${f}`), ...(veths ? [`veth ${veths.slice(0, 80)}`] : []), ...pod.map((l) => `pod link ${l.slice(0, 60)}`)];
}

/** Files under the worker's directory the plugins may write; anything else is a stray write. */
async function strayFiles(w: Worker): Promise<string[]> {
  // masq.stamp: what tscni-masq's writers last saw in place, next to its lock.
  const allowed = [/^ipam(\/|$)/, /^masq\.(lock|stamp)$/, /^run(\/|$)/, /^plugin\.log$/];
  const all = (await readdir(w.dir, { recursive: true })).map((entry) => relative(w.dir, join(w.dir, entry)));
  return all.filter((path) => !allowed.some((pattern) => pattern.test(path)));
}

test(`${CASES} bad invocations across the plugins and commands (seed ${SEED}): spec errors with the right codes, nothing left behind`, async () => {
  const workers = await Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(n)));
  const problems: string[] = [];
  const tally: Record<string, number> = {};
  await Promise.all(
    workers.map(async (w, n) => {
      for (let index = n; index < CASES; index += WORKERS) {
        const c = fuzzCase(SEED, index, w.paths);
        const valid = JSON.stringify(validConfig(c.plugin, c.version, 'ADD', w.paths));
        const addEnv = validEnv('ADD', index, w.paths);
        const delEnv = validEnv('DEL', index, w.paths);
        const delConfig = JSON.stringify(validConfig(c.plugin, c.version, 'DEL', w.paths));
        const where = `case ${index} (${c.plugin} ${c.command ?? '(none)'} ${c.version}, ${c.fault})`;
        let stdin = c.stdin;
        if (c.needsAttachment) {
          const added = await run(w, c.plugin, addEnv, valid);
          if (added.exitCode !== 0) problems.push(`${where}: the valid ADD before it failed: ${added.stdout.slice(0, 200)}`);
          if (c.command === 'CHECK') stdin = withPrevResult(stdin, added.json);
        }
        const r = await run(w, c.plugin, c.env, stdin);
        const wrong = verdict(c, r);
        if (wrong) problems.push(`${where}: ${wrong}`);
        const outcome = r.exitCode === 0 ? 'succeeded' : `code ${String(r.json?.code)}`;
        tally[outcome] = (tally[outcome] ?? 0) + 1;
        // Whatever the case did, a DEL with the valid config must leave nothing of the pod.
        if (c.needsAttachment || c.command === 'ADD') {
          const deleted = await run(w, c.plugin, delEnv, delConfig);
          if (deleted.exitCode !== 0) problems.push(`${where}: the DEL after it failed: ${deleted.stdout.slice(0, 200)}`);
          const left = await leftovers(w);
          if (left.length) problems.push(`${where}: left behind ${left.join(', ')}`);
        }
        if (problems.length > 50) return;
      }
    }),
  );
  for (const w of workers) {
    const stray = await strayFiles(w);
    if (stray.length) problems.push(`written outside the dataDir, lock, state and log files: ${stray.join(', ')}`);
  }
  if (existsSync('/var/lib/cni/networks/fuzznet')) problems.push('a default dataDir was used: /var/lib/cni/networks/fuzznet');
  console.log(`fuzz seed ${SEED}: ${CASES} cases, ${JSON.stringify(tally)}`);
  expect(problems).toEqual([]);
}, 30 * 60_000);
