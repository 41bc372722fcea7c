/**
 * BOLT 4 `payload` TLV stream: what each hop of a payment onion reads (amount to forward,
 * outgoing CLTV, next channel, and for the final hop the payment secret and total).
 */
import { DecodeError, Reader, bigsize, bytes, decodeTlvs, encodeTlvs, point, restBytes, shortChannelId, struct, tlv, tu32, tu64, type TlvValues } from '@ln/wire';
import { OnionError } from './errors.js';

/** The TLV type carrying a keysend preimage in the final hop's payload (bLIP 3, an even type). */
export const KEYSEND_TLV_TYPE = 5482373484n;

/** The BOLT 4 `payload` TLV schema. */
export const HOP_PAYLOAD_TLVS = {
  amtToForward: tlv(2, tu64),
  outgoingCltvValue: tlv(4, tu32),
  shortChannelId: tlv(6, shortChannelId),
  paymentData: tlv(8, struct({ paymentSecret: bytes(32), totalMsat: tu64 })),
  encryptedRecipientData: tlv(10, restBytes),
  currentPathKey: tlv(12, point),
  paymentMetadata: tlv(16, restBytes),
  totalAmountMsat: tlv(18, tu64),
  /** Spontaneous payments ("keysend", bLIP 3): the payment preimage, chosen by the sender. */
  keysendPreimage: tlv(KEYSEND_TLV_TYPE, bytes(32)),
};

/** The raw TLV records of a hop payload. */
export type HopPayloadTlvs = TlvValues<typeof HOP_PAYLOAD_TLVS>;

/** A payload for a forwarding hop: where to send what. */
export interface ForwardPayload {
  readonly kind: 'forward';
  readonly amtToForward: bigint;
  readonly outgoingCltvValue: number;
  readonly shortChannelId: bigint;
}

/** A payload for the final hop of a (non-blinded) payment. */
export interface FinalPayload {
  readonly kind: 'final';
  readonly amtToForward: bigint;
  readonly outgoingCltvValue: number;
  /** From `payment_data`; absent when the recipient gave none (e.g. keysend). */
  readonly paymentSecret?: Uint8Array;
  /** The whole payment's amount (multi-part payments, BOLT 4 "Basic Multi-Part Payments"); `amt_to_forward` when `payment_data` is absent. */
  readonly totalMsat: bigint;
  readonly paymentMetadata?: Uint8Array;
  /** A keysend preimage (TLV {@link KEYSEND_TLV_TYPE}). */
  readonly keysendPreimage?: Uint8Array;
}

/** A decoded hop payload, with the TLV type that was wrong when the payload is invalid (for `invalid_onion_payload`). */
export type HopPayload = ForwardPayload | FinalPayload;

/** Encodes a hop payload as its TLV stream (the bytes `createOnion` takes per hop). */
export function encodeHopPayload(p: HopPayload): Uint8Array {
  if (p.kind === 'forward') {
    return encodeTlvs(HOP_PAYLOAD_TLVS, { amtToForward: p.amtToForward, outgoingCltvValue: p.outgoingCltvValue, shortChannelId: p.shortChannelId });
  }
  return encodeTlvs(HOP_PAYLOAD_TLVS, {
    amtToForward: p.amtToForward,
    outgoingCltvValue: p.outgoingCltvValue,
    ...(p.paymentSecret ? { paymentData: { paymentSecret: p.paymentSecret, totalMsat: p.totalMsat } } : {}),
    ...(p.paymentMetadata ? { paymentMetadata: p.paymentMetadata } : {}),
    ...(p.keysendPreimage ? { keysendPreimage: p.keysendPreimage } : {}),
  });
}

/** Thrown when a payload breaks BOLT 4's rules; `tlvType` is the offending record (for `invalid_onion_payload`). */
export class InvalidOnionPayload extends OnionError {
  constructor(
    message: string,
    readonly tlvType: bigint,
  ) {
    super('invalid_payload', message);
  }
}

/**
 * Decodes and checks a hop payload (BOLT 4 "Requirements" of the reader, non-blinded):
 * `amt_to_forward` and `outgoing_cltv_value` must be present; an intermediate hop needs
 * `short_channel_id` and no `payment_data`; the final hop (`isFinal`, learned from the onion)
 * no `short_channel_id`, and `total_msat` defaults to `amt_to_forward` without `payment_data`
 * (whether a payment secret is required is the recipient's decision, not the decoder's).
 */
export function decodeHopPayload(payload: Uint8Array, isFinal: boolean): HopPayload {
  let t: HopPayloadTlvs;
  try {
    t = decodeTlvs(payload, HOP_PAYLOAD_TLVS);
  } catch (e) {
    if (e instanceof DecodeError) throw new InvalidOnionPayload(`hop payload: ${e.message}`, offendingTlvType(payload));
    throw e;
  }
  if (t.amtToForward === undefined) throw new InvalidOnionPayload('missing amt_to_forward', 2n);
  if (t.outgoingCltvValue === undefined) throw new InvalidOnionPayload('missing outgoing_cltv_value', 4n);
  if (t.encryptedRecipientData !== undefined || t.currentPathKey !== undefined) {
    throw new InvalidOnionPayload('blinded paths are not supported', t.encryptedRecipientData !== undefined ? 10n : 12n);
  }
  if (!isFinal) {
    if (t.shortChannelId === undefined) throw new InvalidOnionPayload('missing short_channel_id on an intermediate hop', 6n);
    if (t.paymentData !== undefined) throw new InvalidOnionPayload('payment_data on an intermediate hop', 8n);
    return { kind: 'forward', amtToForward: t.amtToForward, outgoingCltvValue: t.outgoingCltvValue, shortChannelId: t.shortChannelId };
  }
  if (t.shortChannelId !== undefined) throw new InvalidOnionPayload('short_channel_id on the final hop', 6n);
  return {
    kind: 'final',
    amtToForward: t.amtToForward,
    outgoingCltvValue: t.outgoingCltvValue,
    totalMsat: t.paymentData?.totalMsat ?? t.amtToForward,
    ...(t.paymentData ? { paymentSecret: t.paymentData.paymentSecret } : {}),
    ...(t.paymentMetadata ? { paymentMetadata: t.paymentMetadata } : {}),
    ...(t.keysendPreimage ? { keysendPreimage: t.keysendPreimage } : {}),
  };
}

const KNOWN_TYPES = new Set(Object.values(HOP_PAYLOAD_TLVS).map((d) => d.type));

/**
 * The TLV type a payload that does not decode fails on, for `invalid_onion_payload`'s `type`
 * (BOLT 4: "if the failure can be narrowed down to a specific tlv type"): the first record out
 * of order or repeated, whose length runs past the end, of an unknown even type (BOLT 1 "it's
 * OK to be odd"), or known but with a value that does not decode. 0 if no record can be named
 * (e.g. the first type itself is truncated).
 */
export function offendingTlvType(payload: Uint8Array): bigint {
  const r = new Reader(payload);
  let last = -1n;
  while (r.remaining > 0) {
    let type: bigint;
    try {
      type = bigsize.decode(r);
    } catch {
      return 0n;
    }
    if (type <= last) return type;
    let value: Uint8Array;
    try {
      const len = bigsize.decode(r);
      if (len > BigInt(r.remaining)) return type;
      value = r.bytes(Number(len));
    } catch {
      return type;
    }
    if (KNOWN_TYPES.has(type)) {
      const def = Object.values(HOP_PAYLOAD_TLVS).find((d) => d.type === type)!;
      try {
        const inner = new Reader(value);
        def.codec.decode(inner);
        if (inner.remaining !== 0) return type;
      } catch {
        return type;
      }
    } else if (type % 2n === 0n) return type;
    last = type;
  }
  return 0n;
}
