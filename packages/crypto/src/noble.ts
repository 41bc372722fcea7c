/**
 * The default backend: pure JavaScript on `@noble/secp256k1` (v3), `@noble/hashes` and
 * `@noble/ciphers`. Runs in browsers and on Node; slower than the native or WASM backends of
 * `@ln/crypto/node` (see the package README for measured rates).
 */
import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import * as secp from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { CryptoError, type Secp256k1, type SymmetricCrypto } from './types.js';

secp.hashes.sha256 = nobleSha256;
secp.hashes.hmacSha256 = (key: Uint8Array, msg: Uint8Array) => hmac(nobleSha256, key, msg);

const N = secp.Point.CURVE().n;
const HALF_N = N >> 1n;

function toBig(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = 0; i < b.length; i++) x = (x << 8n) | BigInt(b[i]!);
  return x;
}
function to32(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}
function scalar(b: Uint8Array, what: string, allowZero = false): bigint {
  if (!(b instanceof Uint8Array) || b.length !== 32) throw new CryptoError(`${what} must be 32 bytes`);
  const x = toBig(b);
  if (x >= N || (!allowZero && x === 0n)) throw new CryptoError(`${what} is not a valid scalar (zero or not below the curve order)`);
  return x;
}
function point(pub: Uint8Array): InstanceType<typeof secp.Point> {
  try {
    return secp.Point.fromBytes(pub);
  } catch {
    throw new CryptoError('invalid public key');
  }
}

/** secp256k1 on `@noble/secp256k1`. */
export const nobleSecp256k1: Secp256k1 = {
  name: 'noble',
  isValidSecretKey(secret) {
    if (!(secret instanceof Uint8Array) || secret.length !== 32) return false;
    const x = toBig(secret);
    return x > 0n && x < N;
  },
  isValidPublicKey(pub) {
    if (!(pub instanceof Uint8Array) || (pub.length !== 33 && pub.length !== 65)) return false;
    try {
      secp.Point.fromBytes(pub);
      return true;
    } catch {
      return false;
    }
  },
  publicKeyCreate(secret) {
    scalar(secret, 'secret key');
    return secp.getPublicKey(secret, true);
  },
  publicKeyConvert(pub, compressed = true) {
    return point(pub).toBytes(compressed);
  },
  sign(msgHash, secret) {
    scalar(secret, 'secret key');
    if (msgHash.length !== 32) throw new CryptoError('message hash must be 32 bytes');
    return secp.sign(msgHash, secret, { prehash: false, lowS: true, format: 'compact' });
  },
  verify(signature, msgHash, pub) {
    if (signature.length !== 64 || msgHash.length !== 32) return false;
    const s = toBig(signature.subarray(32));
    if (s > HALF_N) return false;
    try {
      return secp.verify(signature, msgHash, pub, { prehash: false, lowS: true, format: 'compact' });
    } catch {
      return false;
    }
  },
  signRecoverable(msgHash, secret) {
    scalar(secret, 'secret key');
    if (msgHash.length !== 32) throw new CryptoError('message hash must be 32 bytes');
    const rec = secp.sign(msgHash, secret, { prehash: false, lowS: true, format: 'recovered' });
    // noble's 'recovered' format is recovery byte first, then r || s.
    return { signature: rec.slice(1), recoveryId: rec[0]! };
  },
  recover(signature, recoveryId, msgHash) {
    if (signature.length !== 64 || msgHash.length !== 32 || !(recoveryId >= 0 && recoveryId <= 3)) {
      throw new CryptoError('recover: bad signature, recovery id or hash length');
    }
    const rec = new Uint8Array(65);
    rec[0] = recoveryId;
    rec.set(signature, 1);
    try {
      return secp.recoverPublicKey(rec, msgHash, { prehash: false });
    } catch {
      throw new CryptoError('public key recovery failed');
    }
  },
  ecdh(secret, pub) {
    scalar(secret, 'secret key');
    return nobleSha256(point(pub).multiply(toBig(secret)).toBytes(true));
  },
  privateKeyTweakAdd(secret, tweak) {
    const r = (scalar(secret, 'secret key') + scalar(tweak, 'tweak', true)) % N;
    if (r === 0n) throw new CryptoError('tweak-add gives zero');
    return to32(r);
  },
  privateKeyTweakMul(secret, tweak) {
    const r = (scalar(secret, 'secret key') * scalar(tweak, 'tweak')) % N;
    return to32(r);
  },
  publicKeyTweakAdd(pub, tweak) {
    const t = scalar(tweak, 'tweak', true);
    const p = t === 0n ? point(pub) : point(pub).add(secp.Point.BASE.multiply(t));
    if (p.equals(secp.Point.ZERO)) throw new CryptoError('tweak-add gives the point at infinity');
    return p.toBytes(true);
  },
  publicKeyTweakMul(pub, tweak) {
    return point(pub).multiply(scalar(tweak, 'tweak')).toBytes(true);
  },
  publicKeyCombine(pubs) {
    if (pubs.length === 0) throw new CryptoError('publicKeyCombine needs at least one key');
    let acc = point(pubs[0]!);
    for (let i = 1; i < pubs.length; i++) acc = acc.add(point(pubs[i]!));
    if (acc.equals(secp.Point.ZERO)) throw new CryptoError('combined key is the point at infinity');
    return acc.toBytes(true);
  },
};

/** Hashes and ChaCha20(-Poly1305) on `@noble/hashes` and `@noble/ciphers`. */
export const nobleSymmetric: SymmetricCrypto = {
  name: 'noble',
  sha256: (d) => nobleSha256(d),
  hmacSha256: (k, d) => hmac(nobleSha256, k, d),
  chacha20poly1305Encrypt(key, nonce, aad, plaintext) {
    return chacha20poly1305(key, nonce, aad).encrypt(plaintext);
  },
  chacha20poly1305Decrypt(key, nonce, aad, ct) {
    try {
      return chacha20poly1305(key, nonce, aad).decrypt(ct);
    } catch {
      throw new CryptoError('ChaCha20-Poly1305 tag does not verify');
    }
  },
  chacha20(key, nonce, data) {
    return chacha20(key, nonce, data);
  },
};
