/**
 * `@ln/router-service`: the router-only service — a graph loaded from a snapshot file or synced
 * from peers (`@ln/noise-peer` + `@ln/gossip`), `@ln/router` answering route queries over HTTP
 * with JSON, a health endpoint with the gossip sync progress, and the `ln-router` CLI.
 *
 * @packageDocumentation
 */
export { RouterService, type RouterServiceOptions, type GraphSource } from './service.js';
export { RoutingView, type RoutingViewOptions, type BuildInfo } from './routing-view.js';
export { PeerSync, parsePeerAddress, type PeerAddress, type PeerSyncOptions, type PeerProgress, type SyncProgress } from './peer-sync.js';
export { FileScorerStore, type ScorerStore } from './scorer-store.js';
export { loadGraphFile, graphSnapshotBytes, GraphFileError, type GraphFileFormat, type LoadGraphFileOptions } from './graph-files.js';
export { ApiError, parseRouteRequest, parseOutcomeRequest, parseScidField, routeToJson, multiPathToJson, type RouteRequest, type OutcomeRequest } from './api.js';
