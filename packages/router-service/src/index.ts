/**
 * `@ln/router-service`: the router-only service — a graph loaded from a snapshot file or synced
 * from peers (`@ln/noise-peer` + `@ln/gossip`), `@ln/router` answering route queries over HTTP
 * with JSON, a health endpoint with the gossip sync progress, and the `ln-router` CLI.
 *
 * This entry is platform-neutral: the request/response codecs, the rebuilt-on-change routing
 * view, graph decoding from bytes and the scorer store interface. The HTTP server
 * (`RouterService`), peer sync over TCP (`PeerSync`), file loading (`loadGraphFile`) and the
 * file scorer store are in the Node-only entry `@ln/router-service/node`.
 *
 * @packageDocumentation
 */
export { RoutingView, type RoutingViewOptions, type BuildInfo } from './routing-view.js';
export type { ScorerStore } from './scorer-store.js';
export { decodeGraphBytes, graphSnapshotBytes, isGzip, GraphFileError, type GraphFileFormat } from './graph-files.js';
export { ApiError, parseRouteRequest, parseOutcomeRequest, parseScidField, routeToJson, multiPathToJson, type RouteRequest, type OutcomeRequest } from './api.js';
