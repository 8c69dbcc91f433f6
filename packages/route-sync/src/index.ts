export { ROUTE_PROTOCOL, type PeerRoute } from './routes-proto.js';
export { readState, stateFilePath, DEFAULT_STATE_DIR, type RouteSyncState } from './state-file.js';
/** The node agent's controller of peer routes (packages/agent drives it). */
export { PeerRoutesController, type PeerRoutesDeps } from './controller/peer-routes-controller.js';
export { desiredRoutes, type DesiredRoutes, type SkippedRoute } from './controller/desired-routes.js';
export type { RouteChanges, RouteChangeReport } from './controller/own-routes.js';
