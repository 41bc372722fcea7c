/**
 * BOLT 4 onion routing: Sphinx packets and failure packets, as plain functions.
 *
 * @packageDocumentation
 */
export { createOnion, peelOnion, hopShiftSize, HOP_PAYLOADS_SIZE, ONION_PACKET_SIZE, HMAC_SIZE } from './sphinx.js';
export type { OnionHop, BuiltOnion, PeeledOnion } from './sphinx.js';
export { createFailureOnion, wrapFailureOnion, decodeFailureOnion, FAILURE_PAYLOAD_TARGET } from './failure.js';
export type { DecodedFailure } from './failure.js';
export { computeHopSecrets, generateKey, generateCipherStream } from './keys.js';
export type { OnionCrypto, OnionKeyType, HopSecrets } from './keys.js';
export { OnionError, type OnionErrorCode } from './errors.js';
export { HOP_PAYLOAD_TLVS, KEYSEND_TLV_TYPE, encodeHopPayload, decodeHopPayload, InvalidOnionPayload, type HopPayload, type ForwardPayload, type FinalPayload, type HopPayloadTlvs } from './hop-payload.js';
export { FAILURES, BADONION, PERM, NODE, UPDATE, encodeFailureMessage, decodeFailureMessage, failureFlags, type FailureMessage, type FailureFields } from './failure-messages.js';
