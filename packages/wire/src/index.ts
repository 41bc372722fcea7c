/**
 * `@ln/wire`: the Lightning wire protocol — every BOLT 1, 2 and 7 message declared once
 * (encoder and decoder from one declaration), BigSize and TLV streams, BOLT 9 feature bits,
 * short channel ids, chain hashes, address descriptors, gossip query encodings, and the
 * handler interfaces `PeerManager` calls.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export { Reader, Writer } from './codec/io.js';
export * from './codec/primitives.js';
export * from './codec/tlv.js';
export * from './codec/message.js';
export * from './messages/index.js';
export * from './registry.js';
export * from './features.js';
export * from './scid.js';
export * from './chains.js';
export * from './addresses.js';
export * from './gossip-queries.js';
export * from './handlers.js';
export * from './default-handlers.js';
