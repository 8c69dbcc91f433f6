export { ROUTE_PROTOCOL, type PeerRoute } from './routes-proto.js';
export { readState, stateFilePath, DEFAULT_STATE_DIR, type RouteSyncState } from './state-file.js';
export { buildConflist, CONFLIST_NAME } from './agent/conflist.js';
