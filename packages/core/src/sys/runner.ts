/**
 * Every external tool (ip, iptables, nft, nsenter, flock, plugins) runs
 * through a Runner: argument arrays, never a shell string. Tests inject a
 * recording fake. Two implementations: spawnRunner (node:child_process
 * alone), the default of everything that runs once per pod (plugins, the
 * delegate, the chain runner), and execaRunner for long-running processes
 * (the node agent).
 */
export interface RunOptions {
  /** Written to the child's stdin. */
  input?: string | Buffer;
  /** The child's whole environment (not merged with ours) when given. */
  env?: Record<string, string | undefined>;
  /** Run inside this network namespace (a path), via nsenter. */
  netns?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface Runner {
  /** Runs to completion; resolves whatever the exit code. */
  run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

/** A command that exited non-zero, with everything needed to say why. */
export class CommandError extends Error {
  readonly command: string;
  readonly exitCode: number;
  readonly stderr: string;

  constructor(command: string, result: RunResult) {
    const detail = result.stderr.trim() || result.stdout.trim() || `exit code ${result.exitCode}`;
    super(`${command}: ${detail}`);
    this.name = 'CommandError';
    this.command = command;
    this.exitCode = result.exitCode;
    this.stderr = result.stderr;
  }
}

/** Runs and throws CommandError on a non-zero exit. */
export async function runChecked(
  runner: Runner,
  file: string,
  args: readonly string[],
  options?: RunOptions,
): Promise<RunResult> {
  const result = await runner.run(file, args, options);
  if (result.exitCode !== 0) throw new CommandError([file, ...args].join(' '), result);
  return result;
}

/** The runner on execa, for long-running processes; loaded on first use, so a bundle that never runs it never evaluates it. */
export const execaRunner: Runner = {
  async run(file, args, options = {}) {
    const { execa } = await import('execa');
    const [command, argv] = options.netns
      ? ['nsenter', [`--net=${options.netns}`, '--', file, ...args]]
      : [file, [...args]];
    const result = await execa(command, argv, {
      input: options.input,
      env: options.env,
      extendEnv: options.env === undefined,
      reject: false,
      stripFinalNewline: false,
    });
    if (result.failed && result.exitCode === undefined) {
      // The program could not be started at all (ENOENT, EACCES...).
      return { stdout: '', stderr: String(result.message), exitCode: 127 };
    }
    return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), exitCode: result.exitCode ?? 1 };
  },
};
