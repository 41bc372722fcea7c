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
export { addAttribution, decodeAttribution, ATTRIBUTION_DATA_SIZE, ATTRIBUTION_MAX_HOPS, ATTRIBUTION_HMAC_COUNT, HOLD_TIME_SIZE, TRUNCATED_HMAC_SIZE, type DecodedAttribution } from './attribution.js';
export {
  ENCRYPTED_DATA_TLVS, encodeEncryptedData, decodeEncryptedData, blindingSharedSecret, blindedNodeId, blindedPrivkey, nextPathKey, nextPathPrivkey,
  encryptRecipientData, decryptRecipientData, createBlindedPath, unblindHop, blindedForward, aggregateBlindedPayInfo, blindedPathAmount,
  type EncryptedData, type PaymentRelay, type BlindedHop, type BlindedPath, type UnblindedHop, type BlindedPayInfo,
} from './blinding.js';
