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
