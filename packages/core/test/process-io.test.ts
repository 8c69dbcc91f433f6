import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/**
 * processIO() on real file descriptors: a child process bundled from the
 * source (as the plugins are) reads its stdin and writes its stdout the way
 * a runtime hands them over: blocking or non-blocking, in pieces, big, empty,
 * or with the reader gone.
 */
const MAIN = resolve(import.meta.dirname, '../src/skel/main.ts');

const ENTRY = `
import { processIO, runPlugin } from ${JSON.stringify(MAIN)};
import { createHash } from 'node:crypto';
// Node's stdio streams put their fd in non-blocking mode (libuv), which is how
// a runtime may hand them over: processIO() must then fall back to the streams.
if (process.env.TOUCH_STDIN) void process.stdin;
if (process.env.TOUCH_STDOUT) void process.stdout;
const io = processIO();
switch (process.env.MODE) {
  case 'read': {
    const bytes = await io.readStdin();
    io.writeStdout(JSON.stringify({ length: bytes.length, sha: createHash('sha256').update(bytes).digest('hex') }));
    break;
  }
  case 'write': {
    for (let i = 0; i < Number(process.env.CHUNKS); i++) io.writeStdout(String(i % 10).repeat(65536) + '|');
    io.writeStderr('done');
    break;
  }
  default: {
    const fail = () => Promise.reject(new Error('handler called'));
    await runPlugin({ add: fail, del: fail, check: fail }, 'about the plugin');
  }
}
`;

let dir: string;
let script: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tscni-process-io-'));
  await writeFile(join(dir, 'entry.ts'), ENTRY);
  script = join(dir, 'entry.mjs');
  await build({
    entryPoints: [join(dir, 'entry.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@tscni/source'],
    logLevel: 'silent',
  });
});

afterAll(() => rm(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

interface Options {
  env?: Record<string, string>;
  /** Written to stdin in these pieces, a pause before each; undefined: stdin is /dev/null's 'ignore'. */
  stdin?: Buffer[];
  pauseMs?: number;
  /** Close the read end of stdout at once (the runtime is gone). */
  dropStdout?: boolean;
  /** Do not read stdout for this long, so the pipe fills up. */
  stallStdoutMs?: number;
  /** Run as `sh -c 'cat file | node script'`: stdin a real pipe (a socketpair otherwise). */
  shellPipe?: string;
}

function run(options: Options): Promise<Run> {
  const env = { PATH: process.env.PATH ?? '', ...options.env };
  const child = options.shellPipe
    ? spawn('sh', ['-c', 'cat "$1" | "$2" "$3"', 'sh', options.shellPipe, process.execPath, script], { env })
    : spawn(process.execPath, [script], { env, stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  let stderr = '';
  if (options.dropStdout) child.stdout!.destroy();
  else {
    child.stdout!.on('data', (d: Buffer) => stdout.push(d));
    if (options.stallStdoutMs) {
      child.stdout!.pause();
      setTimeout(() => child.stdout!.resume(), options.stallStdoutMs);
    }
  }
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  if (options.stdin && !options.shellPipe) {
    const stdin = child.stdin!;
    stdin.on('error', () => {});
    void (async () => {
      for (const piece of options.stdin!) {
        await new Promise((r) => setTimeout(r, options.pauseMs ?? 0));
        stdin.write(piece);
      }
      stdin.end();
    })();
  }
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr })),
  );
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const config = (padding = 0) =>
  Buffer.from(JSON.stringify({ cniVersion: '1.1.0', name: 'n', type: 't', padding: 'p'.repeat(padding) }));

describe('processIO on real file descriptors', () => {
  const read = (stdin: Buffer[], extra: Options = {}) =>
    run({ ...extra, stdin, env: { MODE: 'read', ...extra.env } });

  it.each([
    ['one piece', [config()], {}],
    ['empty (EOF at once)', [], {}],
    ['several pieces, 300 KB', [config(100_000), Buffer.alloc(100_000, 32), Buffer.alloc(100_000, 32)], { pauseMs: 30 }],
    ['non-blocking, the writer still writing', [config(10), Buffer.alloc(70_000, 32)], { pauseMs: 150, env: { TOUCH_STDIN: '1' } }],
    ['non-blocking, empty', [], { pauseMs: 100, env: { TOUCH_STDIN: '1' } }],
  ] as const)('reads all of stdin: %s', async (_name, pieces, extra) => {
    const all = Buffer.concat([...pieces]);
    const result = await read([...pieces], extra as Options);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout.toString())).toEqual({ length: all.length, sha: sha(all) });
    expect(result.code).toBe(0);
  });

  it('reads all of a real pipe (as Go runtimes hand it), and of a file', async () => {
    const file = join(dir, 'config.json');
    const bytes = config(200_000);
    await writeFile(file, bytes);
    const piped = await run({ env: { MODE: 'read' }, shellPipe: file });
    expect(JSON.parse(piped.stdout.toString())).toEqual({ length: bytes.length, sha: sha(bytes) });
    const fromFile = await new Promise<Run>((resolve) => {
      const child = spawn('sh', ['-c', '"$1" "$2" < "$3"', 'sh', process.execPath, script, file], {
        env: { PATH: process.env.PATH ?? '', MODE: 'read' },
      });
      const out: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: '' }));
    });
    expect(JSON.parse(fromFile.stdout.toString())).toEqual({ length: bytes.length, sha: sha(bytes) });
  });

  it.each([
    ['blocking', {}],
    ['non-blocking (EAGAIN: the stream takes the rest, in order)', { TOUCH_STDOUT: '1' }],
  ])('writes every byte, in order, to a reader that stalls: %s', async (_name, env) => {
    const chunks = 40; // 2.6 MB, far beyond a pipe's buffer
    const result = await run({ env: { MODE: 'write', CHUNKS: String(chunks), ...env }, stallStdoutMs: 300 });
    const expected = Array.from({ length: chunks }, (_, i) => String(i % 10).repeat(65536) + '|').join('');
    expect(result.stdout.length).toBe(expected.length);
    expect(result.stdout.toString() === expected).toBe(true);
    expect(result.stderr).toBe('done');
    expect(result.code).toBe(0);
  });

  it('VERSION: the version JSON with no stdin at all, exit 0', async () => {
    const result = await run({ env: { CNI_COMMAND: 'VERSION' } });
    expect(JSON.parse(result.stdout.toString())).toMatchObject({ cniVersion: '1.1.0' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('errors: the spec error JSON on stdout, the about text on stderr, exit 1', async () => {
    const missing = await run({ env: {} });
    expect(JSON.parse(missing.stdout.toString())).toMatchObject({ code: 4, msg: 'required env variables [CNI_COMMAND] missing' });
    expect(missing.stderr).toBe('about the plugin\n');
    expect(missing.code).toBe(1);
    const empty = await run({ env: { CNI_COMMAND: 'GC', CNI_PATH: '/x' }, stdin: [] });
    expect(JSON.parse(empty.stdout.toString())).toMatchObject({ code: 6 });
    expect(empty.code).toBe(1);
  });

  it('the reader gone (EPIPE): no crash, one line on stderr, exit 1', async () => {
    const result = await run({ env: { CNI_COMMAND: 'VERSION' }, dropStdout: true });
    expect(result.stderr).toMatch(/^EPIPE[^\n]*\n$/);
    expect(result.code).toBe(1);
  });
});
