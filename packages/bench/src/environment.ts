import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REFERENCE_BIN_DIR } from '@tscni/core/testing';
import { BUN, TSCNI_BIN_DIR } from './executables.js';

const run = promisify(execFile);

/** What the figures depend on, printed above the tables and kept in the JSON. */
export interface Environment {
  date: string;
  cpu: string;
  cores: number;
  kernel: string;
  node: string;
  /** What the plugins run on: the compiled Bun binary, or Node bundles (a `--plugins-on node` build). */
  plugins: string;
  reference: string;
  commit: string;
  /** Where the tscni executables came from. */
  bin: string;
  loadAtStart: number[];
  loadAtEnd?: number[];
}

export async function describeEnvironment(): Promise<Environment> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const [node, plugins, reference, commit] = await Promise.all([
    run(join(TSCNI_BIN_DIR, 'tscni-node'), ['--version']).then((r) => r.stdout.trim(), () => 'unknown'),
    pluginRuntime(),
    referenceVersion(),
    run('git', ['rev-parse', '--short', 'HEAD']).then((r) => r.stdout.trim(), () => 'unknown'),
  ]);
  return {
    date: new Date().toISOString(),
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    kernel: release(),
    node,
    plugins,
    reference,
    commit,
    bin: TSCNI_BIN_DIR,
    loadAtStart: loadavg(),
  };
}

async function pluginRuntime(): Promise<string> {
  const head = await readFile(join(TSCNI_BIN_DIR, 'tscni')).then((bytes) => bytes.subarray(0, 2).toString(), () => '');
  if (head === '#!') return 'Node bundles (tscni-node)';
  const bun = await run(BUN, ['--version']).then((r) => r.stdout.trim(), () => 'unknown');
  return `one Bun-compiled binary (bun ${bun})`;
}

/** Debian's build prints "version unknown": the package version says which release it is. */
async function referenceVersion(): Promise<string> {
  const dpkg = await run('dpkg-query', ['-W', '-f', '${Version}', 'containernetworking-plugins']).then(
    (r) => r.stdout.trim(),
    () => '',
  );
  const protocols = await run(join(REFERENCE_BIN_DIR, 'bridge'), []).then(
    (r) => r.stderr + r.stdout,
    (error: { stderr?: string; stdout?: string }) => `${error.stderr ?? ''}${error.stdout ?? ''}`,
  );
  const spec = /versions supported: (.+)$/m.exec(protocols)?.[1]?.split(', ').at(-1);
  return `containernetworking-plugins ${dpkg || 'unknown'}${spec ? ` (spec up to ${spec})` : ''}`;
}

export function formatEnvironment(env: Environment): string {
  const load = (values: number[] | undefined) => values?.map((v) => v.toFixed(2)).join(' ') ?? '-';
  return [
    `date ${env.date}  commit ${env.commit}  tscni executables ${env.bin}`,
    `cpu ${env.cpu}, ${env.cores} cores; kernel ${env.kernel}; plugins: ${env.plugins}; agent: tscni-node ${env.node}`,
    `reference ${env.reference} in ${REFERENCE_BIN_DIR}`,
    `load average (1, 5, 15 min) at start ${load(env.loadAtStart)}, at end ${load(env.loadAtEnd)}`,
  ].join('\n');
}
