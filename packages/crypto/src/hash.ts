/** Hash functions Lightning uses, on `@noble/hashes` (browser-safe). */
import { hmac } from '@noble/hashes/hmac.js';
import { ripemd160 as nobleRipemd160 } from '@noble/hashes/legacy.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** SHA-256. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}
/** SHA-256 applied twice (bitcoin txids, block hashes, BOLT 7 gossip signatures). */
export function sha256d(data: Uint8Array): Uint8Array {
  return nobleSha256(nobleSha256(data));
}
/** RIPEMD-160(SHA-256(data)): P2WPKH/P2PKH key hashes, BOLT 3 revocation-hash HTLC scripts. */
export function hash160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(nobleSha256(data));
}
/** RIPEMD-160 (BOLT 3 HTLC scripts compare `RIPEMD160(payment_hash)`). */
export function ripemd160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(data);
}
/** HMAC-SHA256. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, data);
}
/**
 * BOLT 8 `HKDF(salt, ikm)`: HKDF-SHA256 with an empty `info`, returning the two 32-byte
 * halves of the 64-byte output.
 */
export function hkdfTwoKeys(hmacFn: (k: Uint8Array, d: Uint8Array) => Uint8Array, salt: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const prk = hmacFn(salt, ikm);
  const t1 = hmacFn(prk, Uint8Array.of(1));
  const in2 = new Uint8Array(33);
  in2.set(t1, 0);
  in2[32] = 2;
  const t2 = hmacFn(prk, in2);
  return [t1, t2];
}
