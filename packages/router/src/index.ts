/**
 * `@ln/router`: pathfinding over a read-only network graph — `findRoute` (the seed's
 * `get_route`) with every per-hop constraint, first hops and invoice route hints.
 *
 * @packageDocumentation
 */
export * from './graph-view.js';
export { RoutingGraph } from './routing-graph.js';
export { findRoute, getRoute, scoredPath, usedLiquidityKey, forwardingFeeMsat, Router, RouteError, type Route, type RouteHop, type RouteParams, type RouteHintHop, type FirstHop } from './find-route.js';
export { MAX_LABELS, MAX_LABELS_PER_NODE } from './label-search.js';
export { IndexHeap } from './heap.js';
export * from './scorer.js';
export { findMultiPathRoute, offersBasicMpp, routeProbability, type MultiPathRoute, type MultiPathOptions } from './mpp.js';
export { KNOWN_FEATURE_BITS, ASSUMED_FEATURE_BITS, DEFAULT_PAYER_FEATURES, featureBytes, featureBits, hasFeatureBit, unknownRequiredFeatureBits, unsupportedPayeeFeatureBits } from './features.js';
