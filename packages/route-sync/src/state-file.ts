import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PeerRoute } from './routes-proto.js';

/**
 * What the agent tells the per-pod plugin: the routes to known peers. The
 * agent writes it (atomically) after each reconcile; the plugin only reads.
 */
export interface RouteSyncState {
  node: string;
  routes: PeerRoute[];
}

export const DEFAULT_STATE_DIR = '/run/tscni';
const STATE_FILE = 'route-sync.json';

export function stateFilePath(stateDir: string): string {
  return join(stateDir, STATE_FILE);
}

/**
 * The state, or undefined when the agent has not written one yet. Content
 * that is not a state throws a SyntaxError; a failed read, the fs error.
 */
export async function readState(stateDir: string): Promise<RouteSyncState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFilePath(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const state = JSON.parse(text) as RouteSyncState;
  if (!Array.isArray(state?.routes)) throw new SyntaxError(`${stateFilePath(stateDir)}: "routes" must be a list`);
  return state;
}
