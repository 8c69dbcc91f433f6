import type { Runner } from './runner.js';

/**
 * A Runner on node:child_process alone. Per-pod plugins start a process for
 * every pod and pay for each module they load; this one loads nothing, and
 * node:child_process only at its first run, so a command that starts no
 * process (VERSION, tscni-masq's DEL) does not pay for it (about 2 ms).
 * Same contract as execaRunner: resolves whatever the exit code, 127 when
 * the program cannot be started, netns through nsenter.
 */
export const spawnRunner: Runner = {
  run(file, args, options = {}) {
    const [command, argv] = options.netns
      ? ['nsenter', [`--net=${options.netns}`, '--', file, ...args]]
      : [file, [...args]];
    const { spawn } = process.getBuiltinModule('node:child_process');
    return new Promise((resolve) => {
      const child = spawn(command, argv, { env: options.env ?? process.env, stdio: 'pipe' });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdin.on('error', () => undefined); // a child that exits without reading its input
      child.on('error', (error) => resolve({ stdout: '', stderr: error.message, exitCode: 127 }));
      child.on('close', (code, signal) =>
        resolve({
          stdout: Buffer.concat(stdout).toString(),
          stderr: Buffer.concat(stderr).toString(),
          exitCode: code ?? (signal ? 128 : 1),
        }),
      );
      child.stdin.end(options.input);
    });
  },
};
