import type { PeerRoute } from '../routes-proto.js';
import { stateFilePath } from '../state-file.js';
import { writeFileAtomically } from './atomic-file.js';

/** Publishes the routes for the plugin; returns whether the file changed. */
export async function writeState(stateDir: string, node: string, routes: readonly PeerRoute[]): Promise<boolean> {
  return writeFileAtomically(stateFilePath(stateDir), JSON.stringify({ node, routes }, null, 2) + '\n');
}
