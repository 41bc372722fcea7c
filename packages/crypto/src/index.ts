/**
 * `@ln/crypto`: the cryptographic operations Lightning needs behind small interfaces
 * (`Secp256k1`, `SymmetricCrypto`), the pure-JS `@noble` default backend, and byte/hash
 * helpers. Faster backends (native libsecp256k1, WASM, node:crypto) are in `@ln/crypto/node`.
 *
 * @packageDocumentation
 */
import { nobleSecp256k1, nobleSymmetric } from './noble.js';
import type { Secp256k1, SymmetricCrypto } from './types.js';

export * from './types.js';
export * from './bytes.js';
export * from './hash.js';
export * from './der.js';
export { nobleSecp256k1, nobleSymmetric } from './noble.js';

/** The default secp256k1 backend (pure JS, `@noble/secp256k1`). */
export function defaultSecp256k1(): Secp256k1 {
  return nobleSecp256k1;
}
/** The default hash/AEAD backend (pure JS, `@noble/hashes` + `@noble/ciphers`). */
export function defaultSymmetric(): SymmetricCrypto {
  return nobleSymmetric;
}
