import { execaRunner, runChecked, type RunOptions } from '@tscni/core';

/** Runs a program to completion through the project's Runner; rejects with its stderr on a non-zero exit. */
export async function command(file: string, args: readonly string[], options?: RunOptions): Promise<string> {
  return (await runChecked(execaRunner, file, args, options)).stdout;
}

/** True when `file` is on PATH: the runtimes are system packages a machine may lack. */
export async function installed(file: string): Promise<boolean> {
  return (await execaRunner.run('which', [file])).exitCode === 0;
}
