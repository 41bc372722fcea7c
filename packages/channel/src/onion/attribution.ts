/**
 * BOLT 4 "Returning Errors" — attributable failures (`option_attribution_data`) and BOLT 4
 * "Hold times for successful payments": the `attribution_data` TLV of `update_fail_htlc` and
 * `update_fulfill_htlc` (BOLT 2 "Removing an HTLC"), as plain functions.
 *
 * Layout (920 bytes): `htlc_hold_times` (20 × u32, units of 100 ms, the current node first)
 * then `truncated_hmacs` (210 × 4 bytes). The HMACs are grouped per node, the current node
 * first: node `x` (counted from the node handling the packet) has `20 - x` slots, holding
 * `hmac_x_y` for `y = 19 - x` down to `0`, where `y` is how many hops that node assumes it is
 * from the node that created the data.
 */
import { generateCipherStream, generateKey, xorInto, constantTimeEqual, type OnionCrypto } from './keys.js';

/** The maximum route length the layout is sized for (BOLT 4). */
export const ATTRIBUTION_MAX_HOPS = 20;
/** Bytes per hold time (u32). */
export const HOLD_TIME_SIZE = 4;
/** Bytes per truncated HMAC (the first 4 bytes of an HMAC-SHA256). */
export const TRUNCATED_HMAC_SIZE = 4;
/** Number of truncated HMACs: 20 + 19 + … + 1. */
export const ATTRIBUTION_HMAC_COUNT = (ATTRIBUTION_MAX_HOPS * (ATTRIBUTION_MAX_HOPS + 1)) / 2;
/** The size of `attribution_data`: 20 hold times and 210 truncated HMACs (920 bytes). */
export const ATTRIBUTION_DATA_SIZE = ATTRIBUTION_MAX_HOPS * HOLD_TIME_SIZE + ATTRIBUTION_HMAC_COUNT * TRUNCATED_HMAC_SIZE;

const HMACS_OFFSET = ATTRIBUTION_MAX_HOPS * HOLD_TIME_SIZE;

/** Index (in HMAC units) of the first slot of node `x`'s block. */
function blockStart(x: number): number {
  return x * ATTRIBUTION_MAX_HOPS - (x * (x - 1)) / 2;
}

/** Byte offset of `hmac_x_y` in `attribution_data`. */
function hmacOffset(x: number, y: number): number {
  return HMACS_OFFSET + (blockStart(x) + (ATTRIBUTION_MAX_HOPS - 1 - x - y)) * TRUNCATED_HMAC_SIZE;
}

/**
 * BOLT 4 "Transformation of `attribution_data`": shifts the hold times right by one slot and
 * every node's HMAC block one node further, dropping the HMAC each block no longer needs (and
 * the last block). The slots opened at the start are zero.
 */
function shift(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(ATTRIBUTION_DATA_SIZE);
  out.set(data.subarray(0, HMACS_OFFSET - HOLD_TIME_SIZE), HOLD_TIME_SIZE);
  for (let x = 0; x < ATTRIBUTION_MAX_HOPS - 1; x++) {
    for (let y = 0; y < ATTRIBUTION_MAX_HOPS - 1 - x; y++) {
      out.set(data.subarray(hmacOffset(x, y), hmacOffset(x, y) + TRUNCATED_HMAC_SIZE), hmacOffset(x + 1, y));
    }
  }
  return out;
}

/** The inverse of {@link shift} as far as it goes: what the next node sent (the pruned HMACs read as zero). */
function unshift(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(ATTRIBUTION_DATA_SIZE);
  out.set(data.subarray(HOLD_TIME_SIZE, HMACS_OFFSET), 0);
  for (let x = 0; x < ATTRIBUTION_MAX_HOPS - 1; x++) {
    for (let y = 0; y < ATTRIBUTION_MAX_HOPS - 1 - x; y++) {
      out.set(data.subarray(hmacOffset(x + 1, y), hmacOffset(x + 1, y) + TRUNCATED_HMAC_SIZE), hmacOffset(x, y));
    }
  }
  return out;
}

/**
 * `hmac_0_y` of the node holding `data` (its own hold time already at the start): HMAC-SHA256
 * with its `um` key over the return packet before its own obfuscation (none on success), the
 * first `y + 1` hold times, and the `y` downstream HMACs `hmac_1_{y-1}`, …, `hmac_y_0`;
 * truncated to 4 bytes.
 */
function computeHmac(c: OnionCrypto, umKey: Uint8Array, packet: Uint8Array | undefined, data: Uint8Array, y: number): Uint8Array {
  const plen = packet?.length ?? 0;
  const msg = new Uint8Array(plen + (y + 1) * HOLD_TIME_SIZE + y * TRUNCATED_HMAC_SIZE);
  if (packet) msg.set(packet, 0);
  msg.set(data.subarray(0, (y + 1) * HOLD_TIME_SIZE), plen);
  let o = plen + (y + 1) * HOLD_TIME_SIZE;
  for (let j = 1; j <= y; j++) {
    msg.set(data.subarray(hmacOffset(j, y - j), hmacOffset(j, y - j) + TRUNCATED_HMAC_SIZE), o);
    o += TRUNCATED_HMAC_SIZE;
  }
  return c.sym.hmacSha256(umKey, msg).subarray(0, TRUNCATED_HMAC_SIZE);
}

/**
 * A node's step on `attribution_data` (BOLT 4 "Initialization of `attribution_data`" for the
 * erring node or the final node of a fulfilled payment, "Transformation" and "Update" for
 * every other node on the way back): shifts `downstream` (or starts from all zeroes when
 * there is none), puts `holdTime` (units of 100 ms) first, adds the node's 20 truncated
 * HMACs keyed with its `um` key, and obfuscates the whole with its `ammagext` stream.
 *
 * @param sharedSecret the node's onion shared secret with the payer
 * @param returnPacket for a failure: the return packet as this node has it before applying its
 *   own `ammag` stream (the erring node's unobfuscated packet, or what came from downstream);
 *   `undefined` for a fulfilled payment
 * @param downstream the `attribution_data` received from downstream, if any
 */
export function addAttribution(
  c: OnionCrypto, sharedSecret: Uint8Array, returnPacket: Uint8Array | undefined, holdTime: number, downstream?: Uint8Array,
): Uint8Array {
  if (downstream && downstream.length !== ATTRIBUTION_DATA_SIZE) throw new RangeError(`attribution_data must be ${ATTRIBUTION_DATA_SIZE} bytes`);
  const data = downstream ? shift(downstream) : new Uint8Array(ATTRIBUTION_DATA_SIZE);
  new DataView(data.buffer, data.byteOffset).setUint32(0, holdTime >>> 0);
  const um = generateKey(c, 'um', sharedSecret);
  for (let y = 0; y < ATTRIBUTION_MAX_HOPS; y++) data.set(computeHmac(c, um, returnPacket, data, y), hmacOffset(0, y));
  xorInto(data, generateCipherStream(c, generateKey(c, 'ammagext', sharedSecret), ATTRIBUTION_DATA_SIZE));
  return data;
}

/** What the payer reads from `attribution_data`. */
export interface DecodedAttribution {
  /** The hold time each hop reported (units of 100 ms), from the first hop, for the hops whose HMAC verified. */
  readonly holdTimes: number[];
  /** The first hop whose HMAC did not verify (that hop or the one before it tampered), if any. */
  readonly invalidHopIndex?: number;
}

/**
 * BOLT 4 "Origin node" with `option_attribution_data`: removes each hop's `ammagext` layer
 * and verifies its HMAC for its position (hop `i` of an `n`-hop route is `n - 1 - i` hops from
 * the node that created the data: the last hop for a success, the erring node for a failure —
 * give `packets[i]`, the return packet as hop `i` had it before its own `ammag` layer, which
 * the payer recovers while peeling the failure).
 *
 * @param sharedSecrets the route's shared secrets, first hop first (`n` ≤ 20)
 * @param packets per hop, the return packet it covered (omit for a fulfilled payment)
 * @param lastHop the index of the node that created the data (default: the last hop)
 */
export function decodeAttribution(
  c: OnionCrypto, sharedSecrets: readonly Uint8Array[], attributionData: Uint8Array, packets?: readonly Uint8Array[], lastHop = sharedSecrets.length - 1,
): DecodedAttribution {
  if (attributionData.length !== ATTRIBUTION_DATA_SIZE) throw new RangeError(`attribution_data must be ${ATTRIBUTION_DATA_SIZE} bytes`);
  if (lastHop >= ATTRIBUTION_MAX_HOPS || lastHop >= sharedSecrets.length) throw new RangeError('route longer than attribution data covers');
  const holdTimes: number[] = [];
  let data: Uint8Array = Uint8Array.from(attributionData);
  for (let i = 0; i <= lastHop; i++) {
    const ss = sharedSecrets[i]!;
    xorInto(data, generateCipherStream(c, generateKey(c, 'ammagext', ss), ATTRIBUTION_DATA_SIZE));
    const y = lastHop - i;
    const want = computeHmac(c, generateKey(c, 'um', ss), packets?.[i], data, y);
    const off = hmacOffset(0, y);
    if (!constantTimeEqual(want, data.subarray(off, off + TRUNCATED_HMAC_SIZE))) return { holdTimes, invalidHopIndex: i };
    holdTimes.push(new DataView(data.buffer, data.byteOffset).getUint32(0));
    data = unshift(data);
  }
  return { holdTimes };
}
