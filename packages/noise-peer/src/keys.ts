/** The node's static key as the handshake needs it: its public key and ECDH with it (so a `NodeSigner` can keep the secret). */
import type { Secp256k1, SymmetricCrypto } from '@ln/crypto';

/** The crypto backends the handshake and transport run on. */
export interface NoiseCrypto {
  readonly secp: Secp256k1;
  readonly sym: SymmetricCrypto;
}

/** A static key: the 33-byte public key and BOLT 8 ECDH with its secret. */
export interface StaticKey {
  readonly publicKey: Uint8Array;
  ecdh(theirPublicKey: Uint8Array): Uint8Array;
}

/** A {@link StaticKey} from a secret held in memory. */
export function staticKeyFromSecret(secp: Secp256k1, secret: Uint8Array): StaticKey {
  return { publicKey: secp.publicKeyCreate(secret), ecdh: (pub) => secp.ecdh(secret, pub) };
}

/**
 * Whether `id` is a node id BOLT 8 can dial: a 33-byte compressed secp256k1 point (BOLT 8
 * "Handshake Exchange": `rs` is the responder's 33-byte compressed public key).
 */
export function isValidNodeId(secp: Secp256k1, id: Uint8Array): boolean {
  return id instanceof Uint8Array && id.length === 33 && (id[0] === 2 || id[0] === 3) && secp.isValidPublicKey(id);
}
