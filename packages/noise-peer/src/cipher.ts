/** BOLT 8 primitives: the 96-bit nonce, `encryptWithAD`/`decryptWithAD`, HKDF and the hash chaining. */
import { hkdfTwoKeys } from '@ln/crypto';
import { NoiseError } from './errors.js';
import type { NoiseCrypto } from './keys.js';

/** BOLT 8 nonce: 32 zero bits, then the 64-bit counter little-endian. */
export function nonceBytes(n: number | bigint): Uint8Array {
  const out = new Uint8Array(12);
  new DataView(out.buffer).setBigUint64(4, BigInt(n), true);
  return out;
}

/** `encryptWithAD(k, n, ad, plaintext)`: ChaCha20-Poly1305, ciphertext followed by the 16-byte MAC. */
export function encryptWithAD(c: NoiseCrypto, key: Uint8Array, n: number | bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return c.sym.chacha20poly1305Encrypt(key, nonceBytes(n), ad, plaintext);
}

/** `decryptWithAD`; throws {@link NoiseError} `bad_tag` when the MAC does not verify. */
export function decryptWithAD(c: NoiseCrypto, key: Uint8Array, n: number | bigint, ad: Uint8Array, ciphertext: Uint8Array, act?: 1 | 2 | 3): Uint8Array {
  try {
    return c.sym.chacha20poly1305Decrypt(key, nonceBytes(n), ad, ciphertext);
  } catch {
    throw new NoiseError('bad_tag', act ? `act ${act}: MAC does not verify` : 'message MAC does not verify', act);
  }
}

/** BOLT 8 `HKDF(salt, ikm)`: the two 32-byte outputs. */
export function hkdf(c: NoiseCrypto, salt: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  return hkdfTwoKeys(c.sym.hmacSha256, salt, ikm);
}

/** `SHA256(h || data)`: mixing data into the handshake hash. */
export function mixHash(c: NoiseCrypto, h: Uint8Array, data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(h.length + data.length);
  buf.set(h, 0);
  buf.set(data, h.length);
  return c.sym.sha256(buf);
}
