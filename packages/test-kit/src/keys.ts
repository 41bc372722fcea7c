/** Deterministic keys and randomness for reproducible tests. */
import { defaultSecp256k1, sha256 } from '@ln/crypto';
import type { EntropySource } from '@ln/chain-interfaces';

const enc = new TextEncoder();

/** A 32-byte seed derived from a label: `SHA256("ln-test-kit seed " || label)`. */
export function testSeed(label: string | number): Uint8Array {
  return sha256(enc.encode(`ln-test-kit seed ${label}`));
}

/** A node secret key and its node id, derived from an index or label. */
export function testNodeKey(label: string | number): { secretKey: Uint8Array; nodeId: Uint8Array } {
  let secretKey = sha256(enc.encode(`ln-test-kit node ${label}`));
  const secp = defaultSecp256k1();
  while (!secp.isValidSecretKey(secretKey)) secretKey = sha256(secretKey);
  return { secretKey, nodeId: secp.publicKeyCreate(secretKey) };
}

/** Entropy from a seed in counter mode: `SHA256(seed || counter)`; same seed, same sequence. */
export class DeterministicEntropySource implements EntropySource {
  private counter = 0;
  constructor(private readonly seed: Uint8Array = testSeed('entropy')) {}
  getSecureRandomBytes(): Uint8Array {
    const buf = new Uint8Array(this.seed.length + 8);
    buf.set(this.seed, 0);
    new DataView(buf.buffer).setBigUint64(this.seed.length, BigInt(this.counter++));
    return sha256(buf);
  }
}
