/**
 * The BOLT 9 feature bits the router must read: which even ("required") bits exist at all, so
 * that nodes requiring bits nobody here understands are not routed through (BOLT 7
 * `node_announcement`: "if `features` field contains _unknown even bits_ … MUST NOT route a
 * payment _through_ the node"; nor pay _to_ it unless the invoice lacks the bits), and which
 * payment features a payer supports, so that an invoice requiring one it does not is refused
 * (BOLT 11: "if the `9` field contains unknown _even_ bits that are non-zero: MUST fail the
 * payment"). `@ln/router` imports no other component, so the table is its own (it follows
 * `@ln/wire`'s `FEATURES`, the BOLT 9 table at the pinned spec commit).
 */

/** Even bits assigned by BOLT 9 (the odd bit of each pair is `bit + 1`). */
export const KNOWN_FEATURE_BITS: readonly number[] = [0, 4, 6, 8, 10, 12, 14, 16, 18, 22, 24, 26, 28, 34, 36, 38, 42, 44, 46, 48, 50, 60, 62];

/** BOLT 9 features marked ASSUMED: every node supports them (`option_data_loss_protect`, `var_onion_optin`, `option_static_remotekey`, `payment_secret`, `option_channel_type`). */
export const ASSUMED_FEATURE_BITS: readonly number[] = [0, 8, 12, 14, 44];

/**
 * What a payer built on this library supports when paying (optional bits): `var_onion_optin`
 * (9), `payment_secret` (15), `basic_mpp` (17), `option_payment_metadata` (49). Not
 * `option_route_blinding` (25: the router builds no blinded paths) nor `option_attribution_data`
 * (37). An invoice requiring any other bit is refused.
 */
export const DEFAULT_PAYER_FEATURES: Uint8Array = featureBytes([9, 15, 17, 49]);

const known = new Set(KNOWN_FEATURE_BITS);

/** Raw BOLT 9 bytes (big-endian; bit 0 is the last byte's least significant bit) from bit numbers. */
export function featureBytes(bits: readonly number[]): Uint8Array {
  const max = Math.max(-1, ...bits);
  const out = new Uint8Array((max >> 3) + 1);
  for (const b of bits) out[out.length - 1 - (b >> 3)]! |= 1 << (b & 7);
  return max < 0 ? new Uint8Array(0) : out;
}

/** Whether bit `bit` is set in raw BOLT 9 bytes. */
export function hasFeatureBit(features: Uint8Array, bit: number): boolean {
  const at = features.length - 1 - (bit >> 3);
  return at >= 0 && (features[at]! & (1 << (bit & 7))) !== 0;
}

/** Every set bit of raw BOLT 9 bytes, ascending. */
export function featureBits(features: Uint8Array): number[] {
  const bits: number[] = [];
  for (let i = features.length - 1, base = 0; i >= 0; i--, base += 8) {
    const byte = features[i]!;
    if (byte) for (let b = 0; b < 8; b++) if (byte & (1 << b)) bits.push(base + b);
  }
  return bits;
}

/** Even bits set that BOLT 9 does not assign ("unknown even bits"). */
export function unknownRequiredFeatureBits(features: Uint8Array): number[] {
  return featureBits(features).filter((b) => b % 2 === 0 && !known.has(b));
}

/**
 * Even bits a payee's invoice sets that the payer can not honour: unknown ones, and known ones
 * the payer supports in neither bit of the pair (ASSUMED features count as supported).
 */
export function unsupportedPayeeFeatureBits(payee: Uint8Array, payer: Uint8Array = DEFAULT_PAYER_FEATURES): number[] {
  return featureBits(payee).filter((b) => b % 2 === 0 && !(known.has(b) && (ASSUMED_FEATURE_BITS.includes(b) || hasFeatureBit(payer, b) || hasFeatureBit(payer, b + 1))));
}
