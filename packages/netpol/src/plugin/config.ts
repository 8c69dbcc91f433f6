import { invalidConfig, type NetConf } from '@tscni/core';
import { DEFAULT_RUN_DIR } from '../handoff/paths.js';

export interface NetpolConfig {
  /** Where the agent's socket and the pod records are (handoff/paths.ts). */
  runDir: string;
  /** How long ADD waits for the agent before deciding without it. */
  timeoutMs: number;
}

/** Long enough for an agent applying a large rule set; short against kubelet's sandbox timeout (minutes). */
export const DEFAULT_TIMEOUT_MS = 5_000;

export function parseNetpolConfig(config: NetConf): NetpolConfig {
  const { runDir = DEFAULT_RUN_DIR, timeoutMs = DEFAULT_TIMEOUT_MS } = config as NetConf & { runDir?: unknown; timeoutMs?: unknown };
  if (typeof runDir !== 'string' || !runDir.startsWith('/')) throw invalidConfig(`runDir must be an absolute path, not ${JSON.stringify(runDir)}`);
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw invalidConfig(`timeoutMs must be a positive integer (milliseconds), not ${JSON.stringify(timeoutMs)}`);
  }
  return { runDir, timeoutMs };
}
