import { parseResult } from '../spec/result.js';
import type { Result } from '../spec/types.js';
import { isSupportedVersion, type Command } from '../spec/versions.js';
import { execPlugin, findPlugin } from '../sys/plugin-exec.js';
import type { Runner } from '../sys/runner.js';
import { spawnRunner } from '../sys/spawn-runner.js';
import type { CmdArgs } from './dispatch.js';
import { inProcessHandlers, runInProcess } from './in-process.js';

/**
 * Runs an IPAM (or any delegate) plugin the way the spec says a main plugin
 * must: the same stdin config and environment it received, with CNI_COMMAND
 * set. `stdin` overrides the config, for plugins that fill in an ipam section
 * (the seed's `podcidr` shorthand).
 */
export async function delegate(
  type: string,
  command: Exclude<Command, 'VERSION'>,
  args: Pick<CmdArgs, 'cniPath' | 'env' | 'stdin' | 'version'>,
  options: { stdin?: string | Buffer; runner?: Runner } = {},
): Promise<unknown> {
  const path = await findPlugin(type, args.cniPath);
  const stdin = options.stdin ?? args.stdin;
  const handlers = options.runner ? undefined : await inProcessHandlers(type, path);
  if (handlers) return runInProcess(handlers, path, command, stdin, args.env);
  return execPlugin(options.runner ?? spawnRunner, path, command, stdin, args.env);
}

/** IPAM ADD: the delegate's result, read in whatever version it printed. */
export async function delegateAdd(
  type: string,
  args: Pick<CmdArgs, 'cniPath' | 'env' | 'stdin' | 'version'>,
  options: { stdin?: string | Buffer; runner?: Runner } = {},
): Promise<Result> {
  const raw = await delegate(type, 'ADD', args, options);
  const printed = (raw as { cniVersion?: unknown } | undefined)?.cniVersion;
  return parseResult(raw ?? {}, isSupportedVersion(printed) ? printed : args.version);
}
