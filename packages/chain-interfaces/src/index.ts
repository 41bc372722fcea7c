/**
 * `@ln/chain-interfaces`: everything the user of the library provides — chain data, fee
 * estimates, broadcasting, keys, logging, persistence — and the `Watch` seam between
 * channels and monitors. Interfaces plus the plain data types they use; no behaviour
 * beyond small helpers.
 *
 * @packageDocumentation
 */
export * from './primitives.js';
export * from './fees.js';
export * from './broadcaster.js';
export * from './chain.js';
export * from './keys.js';
export * from './logger.js';
export * from './kvstore.js';
export * from './watch.js';
