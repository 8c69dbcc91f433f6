import { realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from '../spec/versions.js';
import { readPluginOutput, type Env } from '../sys/plugin-exec.js';
import { ownExecutable } from './executable.js';
import { dispatch, type PluginHandlers } from './dispatch.js';

/**
 * Delegates that may run inside the calling process instead of a child.
 *
 * A tscni plugin that bundles another tscni plugin (tscni-bridge bundles
 * tscni-host-local) registers its handlers here. The delegate then runs
 * through the very same dispatcher, with the same stdin bytes and
 * environment, and its output is read by the same code as a child's, so the
 * behaviour per spec is identical; only the process start is saved. It is
 * used only when the executable that CNI_PATH resolves the type to sits in
 * the same directory as the running executable, i.e. is the same build:
 * anything else named in the config is still executed.
 */
const registry = new Map<string, PluginHandlers>();

export function registerInProcessPlugin(type: string, handlers: PluginHandlers): void {
  registry.set(type, handlers);
}

/** The handlers to run in-process for the plugin found at `path`, if any. */
export async function inProcessHandlers(type: string, path: string): Promise<PluginHandlers | undefined> {
  const handlers = registry.get(type);
  const self = ownExecutable();
  if (!handlers || !self || process.env.TSCNI_NO_IN_PROCESS === '1') return undefined;
  const [found, own] = await Promise.all([realpath(dirname(path)), realpath(dirname(self))]).catch(() => []);
  return found !== undefined && found === own ? handlers : undefined;
}

/** Runs a registered plugin as if it had been executed, and reads its output like a child's. */
export async function runInProcess(
  handlers: PluginHandlers,
  path: string,
  command: Exclude<Command, 'VERSION'>,
  stdin: string | Buffer,
  env: Env,
): Promise<unknown> {
  let stdout = '';
  const exitCode = await dispatch(handlers, {
    env: { ...env, CNI_COMMAND: command },
    readStdin: async () => Buffer.from(stdin),
    writeStdout: (text) => void (stdout += text),
    writeStderr: () => undefined,
  });
  return readPluginOutput(path, command, { stdout, stderr: '', exitCode });
}
