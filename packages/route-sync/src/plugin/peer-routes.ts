import { CniError, ErrorCode } from '@tscni/core';
import type { PeerRoute } from '../routes-proto.js';
import { readState } from '../state-file.js';

/** The routes the agent last published; a missing state means the node is not ready yet. */
export async function loadPeerRoutes(stateDir: string): Promise<PeerRoute[]> {
  let state;
  try {
    state = await readState(stateDir);
  } catch (error) {
    const code = error instanceof SyntaxError ? ErrorCode.DecodeFailure : ErrorCode.IoFailure;
    throw new CniError(code, `cannot read the route-sync state in ${stateDir}`, String(error));
  }
  if (!state) {
    throw new CniError(
      ErrorCode.TryAgainLater,
      `no route-sync state in ${stateDir}: tscni-agent has not synced this node yet`,
    );
  }
  return state.routes;
}
