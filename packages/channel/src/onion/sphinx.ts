/**
 * BOLT 4 Sphinx onion packets: building one for a route ("Packet Construction", "Filler
 * Generation") and peeling one layer at a hop ("Onion Decryption").
 *
 * Payloads here are opaque bytes (a hop's TLV stream); `hop-payload.ts` gives them meaning.
 */
import { computeHopSecrets, constantTimeEqual, generateCipherStream, generateKey, xorInto, type OnionCrypto } from './keys.js';
import { OnionError } from './errors.js';

/** Size of `hop_payloads` in a payment onion (BOLT 4 "Packet Structure"). */
export const HOP_PAYLOADS_SIZE = 1300;
/** Size of a whole payment onion packet: version, public key, hop payloads, HMAC. */
export const ONION_PACKET_SIZE = 1 + 33 + HOP_PAYLOADS_SIZE + 32;
/** Size of the per-hop HMAC. */
export const HMAC_SIZE = 32;

/** One hop of a route as the onion needs it: the node's public key and its payload (a TLV stream). */
export interface OnionHop {
  readonly pubkey: Uint8Array;
  readonly payload: Uint8Array;
}

/** A built onion and what the sender keeps to decode a failure coming back. */
export interface BuiltOnion {
  /** The serialized `onion_routing_packet` (1366 bytes for payments). */
  readonly packet: Uint8Array;
  /** Shared secret of each hop, first hop first (needed by {@link decodeFailureOnion}). */
  readonly sharedSecrets: Uint8Array[];
}

function bigSizeLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : 5;
}

function writeBigSize(out: Uint8Array, at: number, n: number): number {
  if (n < 0xfd) {
    out[at] = n;
    return 1;
  }
  if (n <= 0xffff) {
    out[at] = 0xfd;
    out[at + 1] = n >> 8;
    out[at + 2] = n & 0xff;
    return 3;
  }
  out[at] = 0xfe;
  new DataView(out.buffer, out.byteOffset).setUint32(at + 1, n);
  return 5;
}

/** Reads a canonical BigSize; `undefined` when malformed or truncated. */
function readBigSize(b: Uint8Array, at: number): { value: number; size: number } | undefined {
  if (at >= b.length) return undefined;
  const first = b[at]!;
  if (first < 0xfd) return { value: first, size: 1 };
  if (first === 0xfd) {
    if (at + 3 > b.length) return undefined;
    const v = (b[at + 1]! << 8) | b[at + 2]!;
    return v < 0xfd ? undefined : { value: v, size: 3 };
  }
  if (first === 0xfe) {
    if (at + 5 > b.length) return undefined;
    const v = new DataView(b.buffer, b.byteOffset).getUint32(at + 1);
    return v <= 0xffff ? undefined : { value: v, size: 5 };
  }
  return undefined; // 8-byte lengths never fit a packet
}

/** The number of bytes a hop takes in `hop_payloads`: BigSize length, payload and HMAC. */
export function hopShiftSize(payload: Uint8Array): number {
  return bigSizeLength(payload.length) + payload.length + HMAC_SIZE;
}

/** BOLT 4 "Filler Generation", computed incrementally over the hops that forward. */
function generateFiller(c: OnionCrypto, sharedSecrets: Uint8Array[], shifts: number[], size: number): Uint8Array {
  let filler = new Uint8Array(0);
  for (let i = 0; i < shifts.length - 1; i++) {
    const shift = shifts[i]!;
    const next = new Uint8Array(filler.length + shift);
    next.set(filler, 0);
    const stream = generateCipherStream(c, generateKey(c, 'rho', sharedSecrets[i]!), size + shift);
    const from = size - filler.length;
    for (let j = 0; j < next.length; j++) next[j]! ^= stream[from + j]!;
    filler = next;
  }
  return filler;
}

/**
 * Builds an onion packet for `hops` (first hop first) — BOLT 4 "Packet Construction".
 * `sessionKey` must be 32 fresh random bytes per packet; `associatedData` is the payment
 * hash for payment onions.
 *
 * @throws OnionError `payloads_too_large` when the payloads do not fit in `hopPayloadsSize`.
 */
export function createOnion(
  c: OnionCrypto,
  sessionKey: Uint8Array,
  hops: readonly OnionHop[],
  associatedData: Uint8Array,
  hopPayloadsSize = HOP_PAYLOADS_SIZE,
): BuiltOnion {
  if (hops.length === 0) throw new OnionError('too_many_hops', 'a route needs at least one hop');
  const shifts = hops.map((h) => hopShiftSize(h.payload));
  const total = shifts.reduce((a, b) => a + b, 0);
  if (total > hopPayloadsSize) {
    throw new OnionError('payloads_too_large', `hop payloads take ${total} bytes, more than the ${hopPayloadsSize} available`);
  }
  const { sharedSecrets, ephemeralPublicKeys } = computeHopSecrets(c, sessionKey, hops.map((h) => h.pubkey));
  const filler = generateFiller(c, sharedSecrets, shifts, hopPayloadsSize);

  const payloads = generateCipherStream(c, generateKey(c, 'pad', sessionKey), hopPayloadsSize);
  const macInput = new Uint8Array(hopPayloadsSize + associatedData.length);
  let nextHmac: Uint8Array = new Uint8Array(HMAC_SIZE);
  for (let i = hops.length - 1; i >= 0; i--) {
    const shift = shifts[i]!;
    const { payload } = hops[i]!;
    payloads.copyWithin(shift, 0, hopPayloadsSize - shift);
    let at = writeBigSize(payloads, 0, payload.length);
    payloads.set(payload, at);
    at += payload.length;
    payloads.set(nextHmac, at);
    xorInto(payloads, generateCipherStream(c, generateKey(c, 'rho', sharedSecrets[i]!), hopPayloadsSize));
    if (i === hops.length - 1) payloads.set(filler, hopPayloadsSize - filler.length);
    macInput.set(payloads, 0);
    macInput.set(associatedData, hopPayloadsSize);
    nextHmac = c.sym.hmacSha256(generateKey(c, 'mu', sharedSecrets[i]!), macInput);
  }
  const packet = new Uint8Array(1 + 33 + hopPayloadsSize + HMAC_SIZE);
  packet[0] = 0;
  packet.set(ephemeralPublicKeys[0]!, 1);
  packet.set(payloads, 34);
  packet.set(nextHmac, 34 + hopPayloadsSize);
  return { packet, sharedSecrets };
}

/** The result of peeling one layer of an onion. */
export interface PeeledOnion {
  /** This hop's payload (a TLV stream). */
  readonly payload: Uint8Array;
  /** The shared secret with the sender: keep it to wrap a failure going back. */
  readonly sharedSecret: Uint8Array;
  /** The packet to forward, or `undefined` when this hop is the final destination. */
  readonly nextPacket?: Uint8Array;
  /** The HMAC of the incoming packet (BOLT 4: a replayed HMAC must be rejected). */
  readonly hmac: Uint8Array;
}

/**
 * Peels one layer of an onion packet — BOLT 4 "Onion Decryption". `ecdh` computes the shared
 * secret with the packet's ephemeral key: pass the node secret key, or a function (e.g.
 * `NodeSigner.ecdh`) so the secret never leaves its signer.
 *
 * @throws OnionError with the BOLT 4 reason: `invalid_version`, `invalid_public_key`,
 *   `invalid_hmac`, `invalid_payload_length`, `invalid_packet_length`.
 */
export function peelOnion(
  c: OnionCrypto,
  packet: Uint8Array,
  ecdh: Uint8Array | ((ephemeralPublicKey: Uint8Array) => Uint8Array),
  associatedData: Uint8Array,
): PeeledOnion {
  if (packet.length < 1 + 33 + HMAC_SIZE + 2) throw new OnionError('invalid_packet_length', `onion packet of ${packet.length} bytes is too short`);
  const size = packet.length - 1 - 33 - HMAC_SIZE;
  if (packet[0] !== 0) throw new OnionError('invalid_version', `unknown onion version ${packet[0]}`);
  const publicKey = packet.subarray(1, 34);
  if (!c.secp.isValidPublicKey(publicKey)) throw new OnionError('invalid_public_key', 'onion ephemeral public key is not a valid point');
  const hopPayloads = packet.subarray(34, 34 + size);
  const hmac = packet.subarray(34 + size);
  const ss = typeof ecdh === 'function' ? ecdh(publicKey) : c.secp.ecdh(ecdh, publicKey);

  const macInput = new Uint8Array(size + associatedData.length);
  macInput.set(hopPayloads, 0);
  macInput.set(associatedData, size);
  const expected = c.sym.hmacSha256(generateKey(c, 'mu', ss), macInput);
  if (!constantTimeEqual(expected, hmac)) throw new OnionError('invalid_hmac', 'onion HMAC does not match');

  const unwrapped = new Uint8Array(2 * size);
  unwrapped.set(hopPayloads, 0);
  xorInto(unwrapped, generateCipherStream(c, generateKey(c, 'rho', ss), 2 * size));
  const len = readBigSize(unwrapped, 0);
  if (!len) throw new OnionError('invalid_payload_length', 'hop payload length is not a canonical BigSize');
  if (len.value < 2) throw new OnionError('invalid_payload_length', `hop payload length ${len.value} is reserved (must be at least 2)`);
  const shift = len.size + len.value + HMAC_SIZE;
  if (shift > size) throw new OnionError('invalid_payload_length', `hop payload of ${len.value} bytes overruns the packet`);
  const payload = unwrapped.slice(len.size, len.size + len.value);
  const nextHmac = unwrapped.subarray(len.size + len.value, shift);
  const result = { payload, sharedSecret: ss, hmac: Uint8Array.from(hmac) };
  if (nextHmac.every((b) => b === 0)) return result;

  const blind = new Uint8Array(65);
  blind.set(publicKey, 0);
  blind.set(ss, 33);
  const nextPacket = new Uint8Array(packet.length);
  nextPacket[0] = 0;
  nextPacket.set(c.secp.publicKeyTweakMul(publicKey, c.sym.sha256(blind)), 1);
  nextPacket.set(unwrapped.subarray(shift, shift + size), 34);
  nextPacket.set(nextHmac, 34 + size);
  return { ...result, nextPacket };
}
