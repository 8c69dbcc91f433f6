import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../spec/errors.js';
import type { Command } from '../spec/versions.js';
import type { RunResult, Runner } from './runner.js';

export type Env = Record<string, string | undefined>;

/**
 * Finds `<type>` in the CNI_PATH directories, first match wins, as libcni's
 * FindInPath. Plugin types are checked: a type with '/' could run anything.
 */
export async function findPlugin(type: string, cniPath: readonly string[]): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(type)) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid plugin type "${type}"`);
  }
  for (const dir of cniPath) {
    const candidate = join(dir, type);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next directory
    }
  }
  throw new CniError(
    ErrorCode.InvalidConfig,
    `failed to find plugin "${type}" in path [${cniPath.join(' ')}]`,
  );
}

/**
 * Executes a plugin per the spec: config on stdin, CNI_* in the environment.
 * Resolves with stdout parsed as JSON (undefined when empty); a failure
 * becomes the CniError the plugin printed, with its code.
 */
export async function execPlugin(
  runner: Runner,
  pluginPath: string,
  command: Command,
  stdin: string | Buffer,
  env: Env,
): Promise<unknown> {
  const result = await runner.run(pluginPath, [], { input: stdin, env: { ...env, CNI_COMMAND: command } });
  return readPluginOutput(pluginPath, command, result);
}

/** A plugin's exit code and stdout read per the spec: its JSON, or the error it printed. */
export function readPluginOutput(pluginPath: string, command: Command, result: RunResult): unknown {
  const stdout = result.stdout.trim();
  if (result.exitCode !== 0) throw pluginError(pluginPath, command, stdout, result.stderr, result.exitCode);
  if (!stdout) return undefined;
  try {
    return JSON.parse(stdout) as unknown;
  } catch {
    throw new CniError(ErrorCode.DecodeFailure, `${command} of ${pluginPath} printed something that is not JSON`, stdout);
  }
}

function pluginError(path: string, command: Command, stdout: string, stderr: string, exitCode: number): CniError {
  try {
    const parsed = JSON.parse(stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (typeof parsed.code === 'number') {
      return new CniError(
        parsed.code,
        typeof parsed.msg === 'string' ? parsed.msg : `${command} of ${path} failed`,
        typeof parsed.details === 'string' && parsed.details ? parsed.details : undefined,
      );
    }
  } catch {
    // not an error JSON: fall through
  }
  const detail = (stderr.trim() || stdout || `exit code ${exitCode}`).slice(0, 2000);
  return new CniError(ErrorCode.Internal, `${command} of ${path} failed: ${detail}`);
}
