/**
 * `@ln/crypto/node`: faster backends for Node.
 *
 * - {@link loadNativeSecp256k1}: libsecp256k1 through the `secp256k1` npm package's native
 *   addon (its bundled prebuilds). That package silently falls back to a pure-JS
 *   implementation when the addon fails to load; we load the addon directly and fail loudly.
 * - {@link loadWasmSecp256k1}: libsecp256k1 compiled to WASM (`tiny-secp256k1`).
 * - {@link nodeSymmetric}: SHA-256, HMAC and ChaCha20(-Poly1305) on `node:crypto` (OpenSSL).
 * - {@link loadBestSecp256k1}: the fastest that loads, saying which one and why others did not.
 *
 * @packageDocumentation
 */
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { nobleSecp256k1 } from './noble.js';
import { CryptoError, type Secp256k1, type SymmetricCrypto } from './types.js';

const requireHere = createRequire(import.meta.url);

interface NativeAddon {
  privateKeyVerify(sk: Uint8Array): boolean;
  privateKeyTweakAdd(sk: Uint8Array, t: Uint8Array): Uint8Array;
  privateKeyTweakMul(sk: Uint8Array, t: Uint8Array): Uint8Array;
  publicKeyVerify(pk: Uint8Array): boolean;
  publicKeyCreate(sk: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyConvert(pk: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyCombine(pks: Uint8Array[], compressed?: boolean): Uint8Array;
  publicKeyTweakAdd(pk: Uint8Array, t: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyTweakMul(pk: Uint8Array, t: Uint8Array, compressed?: boolean): Uint8Array;
  ecdsaSign(msg: Uint8Array, sk: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean;
  ecdsaRecover(sig: Uint8Array, recid: number, msg: Uint8Array, compressed?: boolean): Uint8Array;
  ecdh(pk: Uint8Array, sk: Uint8Array): Uint8Array;
}

const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
function highS(sig: Uint8Array): boolean {
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(sig[i]!);
  return s > HALF_N;
}

function guard<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new CryptoError(`${what}: ${(e as Error).message}`);
  }
}

/**
 * libsecp256k1 through the native addon of the `secp256k1` npm package (its prebuilt
 * binaries; no compiler needed). Throws {@link CryptoError} saying why when the addon cannot
 * be loaded — it never falls back to JavaScript silently.
 */
export function loadNativeSecp256k1(): Secp256k1 {
  let addon: NativeAddon;
  try {
    const pkgDir = dirname(requireHere.resolve('secp256k1/package.json'));
    const gypBuild = requireHere(requireHere.resolve('node-gyp-build', { paths: [pkgDir] })) as (dir: string) => { Secp256k1: new () => unknown };
    const binding = gypBuild(pkgDir);
    const wrap = requireHere(`${pkgDir}/lib/index.js`) as (b: unknown) => NativeAddon;
    addon = wrap(new binding.Secp256k1());
  } catch (e) {
    throw new CryptoError(`native libsecp256k1 addon could not be loaded: ${(e as Error).message}`);
  }
  return {
    name: 'native',
    isValidSecretKey: (sk) => sk instanceof Uint8Array && sk.length === 32 && addon.privateKeyVerify(sk),
    isValidPublicKey: (pk) => pk instanceof Uint8Array && (pk.length === 33 || pk.length === 65) && addon.publicKeyVerify(pk),
    publicKeyCreate: (sk) => guard('publicKeyCreate', () => addon.publicKeyCreate(sk, true)),
    publicKeyConvert: (pk, compressed = true) => guard('publicKeyConvert', () => addon.publicKeyConvert(pk, compressed)),
    sign: (h, sk) => guard('sign', () => addon.ecdsaSign(h, sk).signature),
    verify: (sig, h, pk) => {
      if (sig.length !== 64 || h.length !== 32 || highS(sig)) return false;
      try {
        return addon.ecdsaVerify(sig, h, pk);
      } catch {
        return false;
      }
    },
    signRecoverable: (h, sk) =>
      guard('signRecoverable', () => {
        const r = addon.ecdsaSign(h, sk);
        return { signature: r.signature, recoveryId: r.recid };
      }),
    recover: (sig, recid, h) =>
      guard('recover', () => addon.ecdsaRecover(sig, recid, h, true)),
    // The addon's default ECDH hash is SHA256(compressed point), exactly BOLT 8's.
    ecdh: (sk, pk) => guard('ecdh', () => addon.ecdh(pk, sk)),
    privateKeyTweakAdd: (sk, t) => guard('privateKeyTweakAdd', () => addon.privateKeyTweakAdd(Uint8Array.from(sk), t)),
    privateKeyTweakMul: (sk, t) => guard('privateKeyTweakMul', () => addon.privateKeyTweakMul(Uint8Array.from(sk), t)),
    publicKeyTweakAdd: (pk, t) => guard('publicKeyTweakAdd', () => addon.publicKeyTweakAdd(pk, t, true)),
    publicKeyTweakMul: (pk, t) => guard('publicKeyTweakMul', () => addon.publicKeyTweakMul(pk, t, true)),
    publicKeyCombine: (pks) => guard('publicKeyCombine', () => addon.publicKeyCombine([...pks], true)),
  };
}

interface TinySecp {
  isPoint(p: Uint8Array): boolean;
  isPrivate(d: Uint8Array): boolean;
  pointAdd(a: Uint8Array, b: Uint8Array, compressed?: boolean): Uint8Array | null;
  pointAddScalar(p: Uint8Array, t: Uint8Array, compressed?: boolean): Uint8Array | null;
  pointCompress(p: Uint8Array, compressed?: boolean): Uint8Array;
  pointFromScalar(d: Uint8Array, compressed?: boolean): Uint8Array | null;
  pointMultiply(p: Uint8Array, t: Uint8Array, compressed?: boolean): Uint8Array | null;
  privateAdd(d: Uint8Array, t: Uint8Array): Uint8Array | null;
  sign(h: Uint8Array, d: Uint8Array): Uint8Array;
  signRecoverable(h: Uint8Array, d: Uint8Array): { signature: Uint8Array; recoveryId: number };
  verify(h: Uint8Array, q: Uint8Array, sig: Uint8Array, strict?: boolean): boolean;
  recover(h: Uint8Array, sig: Uint8Array, recid: 0 | 1 | 2 | 3, compressed?: boolean): Uint8Array | null;
}

function nonNull<T>(what: string, v: T | null): T {
  if (v === null) throw new CryptoError(`${what}: result is invalid (zero or point at infinity)`);
  return v;
}

/**
 * libsecp256k1 compiled to WASM (`tiny-secp256k1` v2). Operations it lacks are composed from
 * what it has: ECDH is `SHA256(compressed(k·P))` via `pointMultiply`; private tweak-multiply
 * uses bigint arithmetic mod n (cheap next to the curve operations).
 */
export function loadWasmSecp256k1(): Secp256k1 {
  let t: TinySecp;
  try {
    t = requireHere('tiny-secp256k1') as TinySecp;
  } catch (e) {
    throw new CryptoError(`tiny-secp256k1 (WASM) could not be loaded: ${(e as Error).message}`);
  }
  const sha = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
  const check = (cond: boolean, what: string) => {
    if (!cond) throw new CryptoError(what);
  };
  return {
    name: 'wasm',
    isValidSecretKey: (sk) => sk instanceof Uint8Array && sk.length === 32 && t.isPrivate(sk),
    isValidPublicKey: (pk) => pk instanceof Uint8Array && (pk.length === 33 || pk.length === 65) && t.isPoint(pk),
    publicKeyCreate: (sk) => {
      check(sk.length === 32 && t.isPrivate(sk), 'invalid secret key');
      return nonNull('publicKeyCreate', t.pointFromScalar(sk, true));
    },
    publicKeyConvert: (pk, compressed = true) => {
      check(t.isPoint(pk), 'invalid public key');
      return t.pointCompress(pk, compressed);
    },
    sign: (h, sk) => {
      check(sk.length === 32 && t.isPrivate(sk), 'invalid secret key');
      check(h.length === 32, 'message hash must be 32 bytes');
      return t.sign(h, sk);
    },
    verify: (sig, h, pk) => {
      if (sig.length !== 64 || h.length !== 32 || highS(sig)) return false;
      try {
        return t.verify(h, pk, sig, true);
      } catch {
        return false;
      }
    },
    signRecoverable: (h, sk) => {
      check(sk.length === 32 && t.isPrivate(sk), 'invalid secret key');
      check(h.length === 32, 'message hash must be 32 bytes');
      const r = t.signRecoverable(h, sk);
      return { signature: r.signature, recoveryId: r.recoveryId };
    },
    recover: (sig, recid, h) => {
      check(sig.length === 64 && h.length === 32 && recid >= 0 && recid <= 3, 'recover: bad arguments');
      try {
        return nonNull('recover', t.recover(h, sig, recid as 0 | 1 | 2 | 3, true));
      } catch (e) {
        throw e instanceof CryptoError ? e : new CryptoError(`recover: ${(e as Error).message}`);
      }
    },
    ecdh: (sk, pk) => {
      check(sk.length === 32 && t.isPrivate(sk), 'invalid secret key');
      check(t.isPoint(pk), 'invalid public key');
      return sha(nonNull('ecdh', t.pointMultiply(pk, sk, true)));
    },
    privateKeyTweakAdd: (sk, tw) => {
      check(sk.length === 32 && t.isPrivate(sk), 'invalid secret key');
      try {
        return nonNull('privateKeyTweakAdd', t.privateAdd(sk, tw));
      } catch (e) {
        throw e instanceof CryptoError ? e : new CryptoError(`privateKeyTweakAdd: ${(e as Error).message}`);
      }
    },
    privateKeyTweakMul: (sk, tw) => nobleSecp256k1.privateKeyTweakMul(sk, tw),
    publicKeyTweakAdd: (pk, tw) => {
      check(t.isPoint(pk), 'invalid public key');
      try {
        return nonNull('publicKeyTweakAdd', t.pointAddScalar(pk, tw, true));
      } catch (e) {
        throw e instanceof CryptoError ? e : new CryptoError(`publicKeyTweakAdd: ${(e as Error).message}`);
      }
    },
    publicKeyTweakMul: (pk, tw) => {
      check(t.isPoint(pk), 'invalid public key');
      check(tw.length === 32 && t.isPrivate(tw), 'invalid tweak');
      return nonNull('publicKeyTweakMul', t.pointMultiply(pk, tw, true));
    },
    publicKeyCombine: (pks) => {
      check(pks.length > 0, 'publicKeyCombine needs at least one key');
      for (const pk of pks) check(t.isPoint(pk), 'invalid public key');
      let acc = t.pointCompress(pks[0]!, true);
      for (let i = 1; i < pks.length; i++) acc = nonNull('publicKeyCombine', t.pointAdd(acc, pks[i]!, true));
      return acc;
    },
  };
}

/** Which secp256k1 backend {@link loadBestSecp256k1} chose, and why faster ones were skipped. */
export interface LoadedBackend {
  readonly backend: Secp256k1;
  readonly name: string;
  /** One line per backend that was tried and failed, with the reason. */
  readonly skipped: string[];
}

/**
 * Loads the fastest secp256k1 backend available: native, then WASM, then noble (or starting
 * from `prefer`). The result names the backend that loaded and lists why the others did not,
 * so callers can log it: nothing falls back silently.
 */
export function loadBestSecp256k1(prefer: 'native' | 'wasm' | 'noble' = 'native'): LoadedBackend {
  const order = (['native', 'wasm', 'noble'] as const).slice(['native', 'wasm', 'noble'].indexOf(prefer));
  const skipped: string[] = [];
  for (const name of order) {
    try {
      const backend = name === 'native' ? loadNativeSecp256k1() : name === 'wasm' ? loadWasmSecp256k1() : nobleSecp256k1;
      return { backend, name, skipped };
    } catch (e) {
      skipped.push(`${name}: ${(e as Error).message}`);
    }
  }
  return { backend: nobleSecp256k1, name: 'noble', skipped };
}

/** SHA-256, HMAC-SHA256 and ChaCha20(-Poly1305) on `node:crypto` (OpenSSL). */
export const nodeSymmetric: SymmetricCrypto = {
  name: 'node',
  sha256: (d) => new Uint8Array(createHash('sha256').update(d).digest()),
  hmacSha256: (k, d) => new Uint8Array(createHmac('sha256', k).update(d).digest()),
  chacha20poly1305Encrypt(key, nonce, aad, plaintext) {
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    c.setAAD(aad, { plaintextLength: plaintext.length });
    const head = c.update(plaintext);
    c.final();
    const tag = c.getAuthTag();
    const out = new Uint8Array(head.length + 16);
    out.set(head, 0);
    out.set(tag, head.length);
    return out;
  },
  chacha20poly1305Decrypt(key, nonce, aad, ct) {
    if (ct.length < 16) throw new CryptoError('ChaCha20-Poly1305 ciphertext shorter than its tag');
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    d.setAAD(aad, { plaintextLength: ct.length - 16 });
    d.setAuthTag(ct.subarray(ct.length - 16));
    const out = d.update(ct.subarray(0, ct.length - 16));
    try {
      d.final();
    } catch {
      throw new CryptoError('ChaCha20-Poly1305 tag does not verify');
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
  chacha20(key, nonce, data) {
    // OpenSSL's chacha20 takes a 16-byte IV: 4-byte little-endian block counter, then the 12-byte nonce.
    const iv = new Uint8Array(16);
    iv.set(nonce, 4);
    const c = createCipheriv('chacha20', key, iv);
    const out = c.update(data);
    c.final();
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
};
