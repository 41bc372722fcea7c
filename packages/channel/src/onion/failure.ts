/**
 * BOLT 4 "Returning Errors": the erring node builds a failure packet, every hop on the way
 * back obfuscates it with its `ammag` stream, and the origin peels the layers until an HMAC
 * matches, learning which hop failed and why.
 *
 * This is the legacy return packet every node understands; `attribution_data`
 * (`option_attribution_data`) is not produced here.
 */
import { constantTimeEqual, generateCipherStream, generateKey, xorInto, type OnionCrypto } from './keys.js';
import { OnionError } from './errors.js';

/** BOLT 4: `failure_len + pad_len` SHOULD be exactly 256. */
export const FAILURE_PAYLOAD_TARGET = 256;

/**
 * Builds the return packet at the erring node (BOLT 4 "Erring node"): `hmac || u16 failure_len
 * || failuremsg || u16 pad_len || pad`, padded to 256 bytes of message plus padding,
 * authenticated with `um` and obfuscated with `ammag`.
 */
export function createFailureOnion(c: OnionCrypto, sharedSecret: Uint8Array, failureMessage: Uint8Array): Uint8Array {
  if (failureMessage.length > 0xffff) throw new OnionError('invalid_failure_packet', 'failure message longer than 65535 bytes');
  const padLen = Math.max(0, FAILURE_PAYLOAD_TARGET - failureMessage.length);
  const body = new Uint8Array(2 + failureMessage.length + 2 + padLen);
  body[0] = failureMessage.length >> 8;
  body[1] = failureMessage.length & 0xff;
  body.set(failureMessage, 2);
  body[2 + failureMessage.length] = padLen >> 8;
  body[3 + failureMessage.length] = padLen & 0xff;
  const packet = new Uint8Array(32 + body.length);
  packet.set(c.sym.hmacSha256(generateKey(c, 'um', sharedSecret), body), 0);
  packet.set(body, 32);
  return wrapFailureOnion(c, sharedSecret, packet);
}

/** Obfuscates a return packet at an intermediate hop (BOLT 4 "Transformation of the return packet"). Returns a new array. */
export function wrapFailureOnion(c: OnionCrypto, sharedSecret: Uint8Array, packet: Uint8Array): Uint8Array {
  const out = Uint8Array.from(packet);
  xorInto(out, generateCipherStream(c, generateKey(c, 'ammag', sharedSecret), out.length));
  return out;
}

/** What the origin learns from a return packet. */
export interface DecodedFailure {
  /** Index in the route (0 = first hop) of the node that created the failure. */
  readonly hopIndex: number;
  /** The `failuremsg`: a 2-byte `failure_code` followed by its data (BOLT 4 "Failure Messages"). */
  readonly failureMessage: Uint8Array;
}

/**
 * Decodes a return packet at the origin (BOLT 4 "Origin node"), given the shared secrets of the
 * route's hops (from `createOnion`). Returns `undefined` when no hop's HMAC matches (the
 * packet was corrupted: the origin can only blame the route as a whole).
 */
export function decodeFailureOnion(c: OnionCrypto, sharedSecrets: readonly Uint8Array[], packet: Uint8Array): DecodedFailure | undefined {
  if (packet.length < 32 + 4) return undefined;
  let p = Uint8Array.from(packet);
  for (let i = 0; i < sharedSecrets.length; i++) {
    const ss = sharedSecrets[i]!;
    xorInto(p, generateCipherStream(c, generateKey(c, 'ammag', ss), p.length));
    const body = p.subarray(32);
    const mac = c.sym.hmacSha256(generateKey(c, 'um', ss), body);
    if (constantTimeEqual(mac, p.subarray(0, 32))) {
      const len = (body[0]! << 8) | body[1]!;
      if (2 + len + 2 > body.length) return undefined;
      const padLen = (body[2 + len]! << 8) | body[3 + len]!;
      if (2 + len + 2 + padLen !== body.length) return undefined;
      return { hopIndex: i, failureMessage: body.slice(2, 2 + len) };
    }
  }
  return undefined;
}
