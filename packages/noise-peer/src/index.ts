/**
 * `@ln/noise-peer`: BOLT 8 — the authenticated key exchange (Noise XK) as an explicit state
 * machine and the encrypted message transport with key rotation. The `PeerManager` and the
 * socket adapters build on these.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './keys.js';
export { nonceBytes, encryptWithAD, decryptWithAD, hkdf } from './cipher.js';
export * from './handshake.js';
export * from './transport.js';
export * from './peer-manager.js';
