/**
 * BOLT 4 "Key Generation", "Pseudo Random Byte Stream" and "Shared Secret": the keys every
 * onion operation derives from a hop's shared secret.
 */
import type { Secp256k1, SymmetricCrypto } from '@ln/crypto';

/** The crypto backends onion functions run on. */
export interface OnionCrypto {
  readonly secp: Secp256k1;
  readonly sym: SymmetricCrypto;
}

const enc = new TextEncoder();
const KEY_TYPES: Record<OnionKeyType, Uint8Array> = {
  rho: enc.encode('rho'),
  mu: enc.encode('mu'),
  um: enc.encode('um'),
  pad: enc.encode('pad'),
  ammag: enc.encode('ammag'),
  ammagext: enc.encode('ammagext'),
};

/** A BOLT 4 key type (`rho`, `mu`, `um`, `pad`, `ammag`, `ammagext`). */
export type OnionKeyType = 'rho' | 'mu' | 'um' | 'pad' | 'ammag' | 'ammagext';

/** BOLT 4 "Key Generation": `HMAC-SHA256(key = key type name, message = 32-byte secret)`. */
export function generateKey(c: OnionCrypto, type: OnionKeyType, secret: Uint8Array): Uint8Array {
  return c.sym.hmacSha256(KEY_TYPES[type], secret);
}

const ZERO_NONCE = new Uint8Array(12);

/** BOLT 4 "Pseudo Random Byte Stream": ChaCha20 with a zero nonce over `length` zero bytes. */
export function generateCipherStream(c: OnionCrypto, key: Uint8Array, length: number): Uint8Array {
  return c.sym.chacha20(key, ZERO_NONCE, new Uint8Array(length));
}

/** XORs `stream` into `target` in place, over `target.length` bytes. */
export function xorInto(target: Uint8Array, stream: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= stream[i]!;
}

/** Constant-time comparison of two equal-length byte strings (BOLT 4 requires it for HMACs). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** The shared secrets and ephemeral public keys of every hop of a route (BOLT 4 "Packet Construction"). */
export interface HopSecrets {
  readonly sharedSecrets: Uint8Array[];
  readonly ephemeralPublicKeys: Uint8Array[];
}

/**
 * BOLT 4 "Shared Secret" and "Blinding Ephemeral Onion Keys": walks the route from the session
 * key, giving each hop's shared secret `SHA256(compressed(ek_i · P_i))` and ephemeral public key,
 * blinding `ek_{i+1} = ek_i · SHA256(epk_i || ss_i)`.
 */
export function computeHopSecrets(c: OnionCrypto, sessionKey: Uint8Array, hopPubkeys: readonly Uint8Array[]): HopSecrets {
  const sharedSecrets: Uint8Array[] = [];
  const ephemeralPublicKeys: Uint8Array[] = [];
  let ek = sessionKey;
  for (let i = 0; i < hopPubkeys.length; i++) {
    const epk = c.secp.publicKeyCreate(ek);
    const ss = c.secp.ecdh(ek, hopPubkeys[i]!);
    sharedSecrets.push(ss);
    ephemeralPublicKeys.push(epk);
    if (i + 1 < hopPubkeys.length) {
      const blind = new Uint8Array(65);
      blind.set(epk, 0);
      blind.set(ss, 33);
      ek = c.secp.privateKeyTweakMul(ek, c.sym.sha256(blind));
    }
  }
  return { sharedSecrets, ephemeralPublicKeys };
}
