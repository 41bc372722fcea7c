/**
 * `@ln/transactions`: BOLT 3 — bitcoin transaction encoding and BIP 143 signature hashes,
 * key derivation, per-commitment secrets, the BOLT 3 scripts, commitment and HTLC
 * transactions with fees and trimming, and witness assembly.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './tx/transaction.js';
export * from './tx/sighash.js';
export * from './tx/script.js';
export * from './tx/address.js';
export * from './keys/derivation.js';
export * from './keys/shachain.js';
export * from './scripts.js';
export * from './commitment/fees.js';
export * from './commitment/commitment.js';
export * from './commitment/htlc-tx.js';
export * from './witness.js';
export * from './closing.js';
export * from './signer/channel-signer.js';
export * from './signer/keys-manager.js';
