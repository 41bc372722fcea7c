/**
 * The cryptographic operations Lightning needs, as interfaces with pluggable backends.
 *
 * Every byte argument and result is a `Uint8Array`. Secret keys and tweaks are 32 bytes,
 * public keys are 33-byte compressed SEC1 unless a method says otherwise, message hashes
 * are 32 bytes (callers hash; nothing here hashes a message for you), signatures are
 * 64-byte compact `r || s` with low S.
 *
 * @packageDocumentation
 */

/**
 * secp256k1 operations used by BOLT 2/3 (commitment signatures, key derivation),
 * BOLT 7 (gossip signatures), BOLT 8 (ECDH) and BOLT 11 (recoverable signatures).
 *
 * Implementations must produce byte-identical results (RFC 6979 deterministic nonces,
 * low-S normalisation), so that backends can be swapped freely. Invalid inputs (a secret
 * of zero or above the curve order, a public key not on the curve, a tweak that gives the
 * point at infinity) throw a {@link CryptoError}; verification of a malformed signature or
 * key returns `false` instead of throwing.
 */
export interface Secp256k1 {
  /** A short name of the backend, e.g. `"noble"`, `"native"`, `"wasm"`. */
  readonly name: string;

  /** Whether `secret` is a valid secret key (32 bytes, 0 < k < n). */
  isValidSecretKey(secret: Uint8Array): boolean;
  /** Whether `publicKey` parses as a point on the curve (33-byte compressed or 65-byte uncompressed). */
  isValidPublicKey(publicKey: Uint8Array): boolean;
  /** The 33-byte compressed public key of `secret`. */
  publicKeyCreate(secret: Uint8Array): Uint8Array;
  /** Parses a 33- or 65-byte public key and serializes it compressed (33) or uncompressed (65). */
  publicKeyConvert(publicKey: Uint8Array, compressed?: boolean): Uint8Array;

  /** ECDSA over a 32-byte hash, RFC 6979 nonce, low-S, as 64-byte compact `r || s`. */
  sign(msgHash: Uint8Array, secret: Uint8Array): Uint8Array;
  /** Verifies a 64-byte compact signature over a 32-byte hash. High-S signatures are rejected (as libsecp256k1 does). */
  verify(signature: Uint8Array, msgHash: Uint8Array, publicKey: Uint8Array): boolean;
  /** Recoverable ECDSA (BOLT 11): the 64-byte compact signature and its recovery id 0..3. */
  signRecoverable(msgHash: Uint8Array, secret: Uint8Array): { signature: Uint8Array; recoveryId: number };
  /** Recovers the 33-byte compressed public key from a compact signature and recovery id (BOLT 11). */
  recover(signature: Uint8Array, recoveryId: number, msgHash: Uint8Array): Uint8Array;

  /** ECDH exactly as BOLT 8 defines it: `SHA256(compressed(secret * publicKey))`, 32 bytes. */
  ecdh(secret: Uint8Array, publicKey: Uint8Array): Uint8Array;

  /** `(secret + tweak) mod n`. */
  privateKeyTweakAdd(secret: Uint8Array, tweak: Uint8Array): Uint8Array;
  /** `(secret * tweak) mod n`. */
  privateKeyTweakMul(secret: Uint8Array, tweak: Uint8Array): Uint8Array;
  /** `P + tweak·G`, compressed. */
  publicKeyTweakAdd(publicKey: Uint8Array, tweak: Uint8Array): Uint8Array;
  /** `tweak·P`, compressed. */
  publicKeyTweakMul(publicKey: Uint8Array, tweak: Uint8Array): Uint8Array;
  /** `P1 + P2 + …`, compressed. */
  publicKeyCombine(publicKeys: readonly Uint8Array[]): Uint8Array;
}

/**
 * Hashes and the AEAD used by BOLT 8 (ChaCha20-Poly1305, IETF variant with a 12-byte nonce)
 * and BOLT 4 (HMAC-SHA256, ChaCha20 stream).
 */
export interface SymmetricCrypto {
  /** A short name of the backend, e.g. `"noble"` or `"node"`. */
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** ChaCha20-Poly1305 (RFC 8439): returns `ciphertext || 16-byte tag`. */
  chacha20poly1305Encrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Decrypts `ciphertext || tag`; throws {@link CryptoError} when the tag does not verify. */
  chacha20poly1305Decrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array;
  /** Raw ChaCha20 (RFC 8439, 32-bit counter starting at 0) keystream XOR, as BOLT 4 uses it. */
  chacha20(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Thrown for invalid keys, tweaks, signatures given to a signing operation, or failed AEAD tags. */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(message: string) {
    super(message);
  }
}

const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Whether a 64-byte compact signature has a high S (above half the curve order). */
export function isHighS(signature: Uint8Array): boolean {
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(signature[i]!);
  return s > CURVE_ORDER >> 1n;
}

/** The same signature with S replaced by `n - S` when S is high (low-S normalization, BIP 62/146). */
export function normalizeLowS(signature: Uint8Array): Uint8Array {
  if (!isHighS(signature)) return signature;
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(signature[i]!);
  let low = CURVE_ORDER - s;
  const out = Uint8Array.from(signature);
  for (let i = 63; i >= 32; i--) {
    out[i] = Number(low & 0xffn);
    low >>= 8n;
  }
  return out;
}
