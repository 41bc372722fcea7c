/**
 * BOLT 4 "Route Blinding" primitives as plain functions: path keys, blinded node ids,
 * `encrypted_recipient_data` (the `encrypted_data_tlv` stream under ChaCha20-Poly1305), blinded
 * path construction and unblinding at each hop, and the fee/CLTV arithmetic of blinded relays.
 *
 * The channel manager does not forward or accept blinded HTLCs (see the package README); these
 * functions are what a node, a BOLT 12 layer or a test needs to build and read blinded paths.
 */
import { DecodeError, decodeTlvs, encodeTlvs, point, restBytes, shortChannelId, struct, tlv, tu32, tu64, u16, u32, type TlvValues } from '@ln/wire';
import { OnionError } from './errors.js';
import { generateKey, type OnionCrypto } from './keys.js';

const enc = new TextEncoder();
const BLINDED_NODE_ID = enc.encode('blinded_node_id');
const ZERO_NONCE = new Uint8Array(12);
const NO_AAD = new Uint8Array(0);

/** The BOLT 4 `encrypted_data_tlv` schema (inside `encrypted_recipient_data`). */
export const ENCRYPTED_DATA_TLVS = {
  padding: tlv(1, restBytes),
  shortChannelId: tlv(2, shortChannelId),
  nextNodeId: tlv(4, point),
  pathId: tlv(6, restBytes),
  nextPathKeyOverride: tlv(8, point),
  paymentRelay: tlv(10, struct({ cltvExpiryDelta: u16, feeProportionalMillionths: u32, feeBaseMsat: tu32 })),
  paymentConstraints: tlv(12, struct({ maxCltvExpiry: u32, htlcMinimumMsat: tu64 })),
  allowedFeatures: tlv(14, restBytes),
};

/** The decoded records of an `encrypted_data_tlv` stream (unknown odd records kept in `unknown`). */
export type EncryptedData = TlvValues<typeof ENCRYPTED_DATA_TLVS>;
/** `payment_relay` of an `encrypted_data_tlv`. */
export type PaymentRelay = NonNullable<EncryptedData['paymentRelay']>;

/** Encodes an `encrypted_data_tlv` stream (BOLT 4 "Inside `encrypted_recipient_data`"). */
export function encodeEncryptedData(data: EncryptedData): Uint8Array {
  return encodeTlvs(ENCRYPTED_DATA_TLVS, data);
}

/**
 * Decodes an `encrypted_data_tlv` stream. Unknown even records, bad ordering or lengths throw
 * `OnionError('invalid_payload')` (BOLT 4: the reader MUST return an error).
 */
export function decodeEncryptedData(plaintext: Uint8Array): EncryptedData {
  try {
    return decodeTlvs(plaintext, ENCRYPTED_DATA_TLVS);
  } catch (e) {
    if (e instanceof DecodeError) throw new OnionError('invalid_payload', `encrypted_data_tlv: ${e.message}`);
    throw e;
  }
}

/** `ss_i = SHA256(e_i · N_i) = SHA256(k_i · E_i)`: the blinding shared secret (ECDH as in BOLT 8). */
export function blindingSharedSecret(c: OnionCrypto, secret: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return c.secp.ecdh(secret, publicKey);
}

/** `B_i = HMAC256("blinded_node_id", ss_i) · N_i`: the blinded node id of `nodeId`. */
export function blindedNodeId(c: OnionCrypto, sharedSecret: Uint8Array, nodeId: Uint8Array): Uint8Array {
  return c.secp.publicKeyTweakMul(nodeId, c.sym.hmacSha256(BLINDED_NODE_ID, sharedSecret));
}

/** `b_i = HMAC256("blinded_node_id", ss_i) · k_i`: the private key of a blinded node id (what the node decrypts its onion with). */
export function blindedPrivkey(c: OnionCrypto, sharedSecret: Uint8Array, nodePrivkey: Uint8Array): Uint8Array {
  return c.secp.privateKeyTweakMul(nodePrivkey, c.sym.hmacSha256(BLINDED_NODE_ID, sharedSecret));
}

function pathTweak(c: OnionCrypto, pathKey: Uint8Array, sharedSecret: Uint8Array): Uint8Array {
  const m = new Uint8Array(pathKey.length + sharedSecret.length);
  m.set(pathKey, 0);
  m.set(sharedSecret, pathKey.length);
  return c.sym.sha256(m);
}

/** `E_{i+1} = SHA256(E_i || ss_i) · E_i`: the next `path_key`, as every blinded hop computes it. */
export function nextPathKey(c: OnionCrypto, pathKey: Uint8Array, sharedSecret: Uint8Array): Uint8Array {
  return c.secp.publicKeyTweakMul(pathKey, pathTweak(c, pathKey, sharedSecret));
}

/** `e_{i+1} = SHA256(E_i || ss_i) · e_i`: the next ephemeral path private key (known only to the path's creator). */
export function nextPathPrivkey(c: OnionCrypto, pathPrivkey: Uint8Array, sharedSecret: Uint8Array): Uint8Array {
  return c.secp.privateKeyTweakMul(pathPrivkey, pathTweak(c, c.secp.publicKeyCreate(pathPrivkey), sharedSecret));
}

/** Encrypts an `encrypted_data_tlv` stream for a hop: ChaCha20-Poly1305 keyed with `rho_i = HMAC256("rho", ss_i)`, all-zero nonce, no associated data. */
export function encryptRecipientData(c: OnionCrypto, sharedSecret: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return c.sym.chacha20poly1305Encrypt(generateKey(c, 'rho', sharedSecret), ZERO_NONCE, NO_AAD, plaintext);
}

/** Decrypts `encrypted_recipient_data`; a wrong key or tampered data throws `OnionError('invalid_payload')`. */
export function decryptRecipientData(c: OnionCrypto, sharedSecret: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  try {
    return c.sym.chacha20poly1305Decrypt(generateKey(c, 'rho', sharedSecret), ZERO_NONCE, NO_AAD, ciphertext);
  } catch {
    throw new OnionError('invalid_payload', 'encrypted_recipient_data does not decrypt');
  }
}

/** One hop of a blinded path (BOLT 4 `blinded_path_hop`). */
export interface BlindedHop {
  readonly blindedNodeId: Uint8Array;
  readonly encryptedRecipientData: Uint8Array;
}

/** A blinded path (BOLT 4 `blinded_path`): the introduction node in the clear, then blinded hops. */
export interface BlindedPath {
  readonly firstNodeId: Uint8Array;
  readonly firstPathKey: Uint8Array;
  readonly hops: BlindedHop[];
}

/**
 * The writer of a `blinded_path` (BOLT 4 "Route Blinding"): from the path's first private key
 * `e_0`, each node's id and its `encrypted_data_tlv` bytes, derives `ss_i`, `B_i` and the
 * encrypted data of every hop. To concatenate a path someone else built, put its
 * `first_path_key` in the last hop's `next_path_key_override` and append its hops as they are.
 * Returns the path and each hop's `ss_i`.
 */
export function createBlindedPath(
  c: OnionCrypto, sessionKey: Uint8Array, hops: readonly { readonly nodeId: Uint8Array; readonly data: Uint8Array }[],
): BlindedPath & { readonly sharedSecrets: Uint8Array[] } {
  if (!hops.length) throw new OnionError('invalid_payload', 'a blinded path has at least one hop');
  const out: BlindedHop[] = [];
  const sharedSecrets: Uint8Array[] = [];
  let e = sessionKey;
  for (const h of hops) {
    const ss = blindingSharedSecret(c, e, h.nodeId);
    sharedSecrets.push(ss);
    out.push({ blindedNodeId: blindedNodeId(c, ss, h.nodeId), encryptedRecipientData: encryptRecipientData(c, ss, h.data) });
    e = nextPathPrivkey(c, e, ss);
  }
  return { firstNodeId: hops[0]!.nodeId, firstPathKey: c.secp.publicKeyCreate(sessionKey), hops: out, sharedSecrets };
}

/** What a blinded hop learns from its `path_key` and `encrypted_recipient_data`. */
export interface UnblindedHop {
  readonly sharedSecret: Uint8Array;
  /** The key to peel the onion with (its ECDH with the onion's ephemeral key gives the onion shared secret). */
  readonly blindedPrivkey: Uint8Array;
  /** The decrypted `encrypted_data_tlv` bytes and their records. */
  readonly plaintext: Uint8Array;
  readonly data: EncryptedData;
  /** The `path_key` to hand the next node: `next_path_key_override` if present, else `E_{i+1}`. */
  readonly nextPathKey: Uint8Array;
}

/** The reader of `encrypted_recipient_data` (BOLT 4 "Route Blinding"): decrypts and decodes its data, derives its blinded key and the next `path_key`. */
export function unblindHop(c: OnionCrypto, nodePrivkey: Uint8Array, pathKey: Uint8Array, encryptedRecipientData: Uint8Array): UnblindedHop {
  const ss = blindingSharedSecret(c, nodePrivkey, pathKey);
  const plaintext = decryptRecipientData(c, ss, encryptedRecipientData);
  const data = decodeEncryptedData(plaintext);
  return {
    sharedSecret: ss, blindedPrivkey: blindedPrivkey(c, ss, nodePrivkey), plaintext, data,
    nextPathKey: data.nextPathKeyOverride ?? nextPathKey(c, pathKey, ss),
  };
}

/**
 * A blinded relay's forward (BOLT 4 "Payload format", blinded non-final node):
 * `amt_to_forward = ceil((amount_msat - fee_base_msat) · 10^6 / (10^6 + fee_proportional_millionths))`,
 * `outgoing_cltv_value = cltv_expiry - cltv_expiry_delta`.
 */
export function blindedForward(relay: PaymentRelay, amountMsat: bigint, cltvExpiry: number): { amtToForward: bigint; outgoingCltvValue: number } {
  const prop = BigInt(relay.feeProportionalMillionths);
  const amt = ((amountMsat - BigInt(relay.feeBaseMsat)) * 1_000_000n + 1_000_000n + prop - 1n) / (1_000_000n + prop);
  return { amtToForward: amt, outgoingCltvValue: cltvExpiry - relay.cltvExpiryDelta };
}

/** The aggregated relay parameters of a blinded path (what the recipient advertises: BOLT 12 `blinded_payinfo`). */
export interface BlindedPayInfo {
  readonly feeBaseMsat: bigint;
  readonly feeProportionalMillionths: bigint;
  readonly cltvExpiryDelta: number;
}

/**
 * The route-blinding proposal's aggregation (proposals/route-blinding.md, rounding up): folds the
 * relays from the hop nearest the recipient back to the introduction node,
 * `route_fee_base(n+1) = ceil((fee_base(n+1)·10^6 + route_fee_base(n)·(10^6 + fee_prop(n+1))) / 10^6)`,
 * `route_fee_prop(n+1) = ceil(((route_fee_prop(n) + fee_prop(n+1))·10^6 + route_fee_prop(n)·fee_prop(n+1)) / 10^6)`,
 * and the CLTV deltas summed (plus the recipient's `min_final_cltv_expiry_delta`, if given).
 *
 * @param relays the relays in path order (introduction node first)
 */
export function aggregateBlindedPayInfo(relays: readonly PaymentRelay[], minFinalCltvExpiryDelta = 0): BlindedPayInfo {
  let base = 0n;
  let prop = 0n;
  let cltv = minFinalCltvExpiryDelta;
  for (let i = relays.length - 1; i >= 0; i--) {
    const r = relays[i]!;
    const b = BigInt(r.feeBaseMsat);
    const p = BigInt(r.feeProportionalMillionths);
    base = (b * 1_000_000n + base * (1_000_000n + p) + 999_999n) / 1_000_000n;
    prop = ((prop + p) * 1_000_000n + prop * p + 999_999n) / 1_000_000n;
    cltv += r.cltvExpiryDelta;
  }
  return { feeBaseMsat: base, feeProportionalMillionths: prop, cltvExpiryDelta: cltv };
}

/** The amount a payer sends to the introduction node to deliver `amountMsat` through a blinded path: `amount + fee_base + ceil(amount · fee_prop / 10^6)`. */
export function blindedPathAmount(info: BlindedPayInfo, amountMsat: bigint): bigint {
  return amountMsat + info.feeBaseMsat + (amountMsat * info.feeProportionalMillionths + 999_999n) / 1_000_000n;
}
