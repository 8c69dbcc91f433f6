import { CniError, ErrorCode, invalidConfig, type CmdArgs, type Result } from '@tscni/core';
import { DEFAULT_STATE_DIR } from '../state-file.js';

export interface RouteSyncConfig {
  /** Where the agent keeps its state file. */
  stateDir: string;
}

export function loadConfig(args: CmdArgs): RouteSyncConfig {
  const stateDir = args.config.stateDir ?? DEFAULT_STATE_DIR;
  if (typeof stateDir !== 'string' || !stateDir.startsWith('/')) {
    throw invalidConfig(`"stateDir" must be an absolute path, got ${JSON.stringify(stateDir)}`);
  }
  return { stateDir };
}

/** A chained plugin works on the result of the plugins before it. */
export function requirePrevResult(args: CmdArgs): Result {
  if (!args.prevResult) {
    throw new CniError(ErrorCode.InvalidConfig, 'tscni-route-sync must be chained after a plugin that returns a result (no prevResult)');
  }
  return args.prevResult;
}
