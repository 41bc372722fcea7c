/**
 * BOLT 3 "Per-commitment Secret Requirements": the generator of per-commitment secrets from a
 * seed, and the compact receiver-side storage (at most 49 entries) that rejects a secret
 * which does not derive the earlier ones.
 */
import { sha256 } from '@ln/crypto';
import { TransactionError } from '../errors.js';

/** The first index: `2^48 - 1`; commitment number `n` uses index `2^48 - 1 - n`. */
export const SHACHAIN_INITIAL_INDEX = (1n << 48n) - 1n;

/** `generate_from_seed(seed, I)` with `bits = 47` down to `b`: flip bit `b` and hash, for each set bit of `I`. */
function deriveSecret(base: Uint8Array, bits: number, index: bigint): Uint8Array {
  const p = Uint8Array.from(base);
  for (let b = bits - 1; b >= 0; b--) {
    if ((index >> BigInt(b)) & 1n) {
      p[b >> 3]! ^= 1 << (b & 7);
      p.set(sha256(p));
    }
  }
  return p;
}

/** BOLT 3 `generate_from_seed(seed, I)`: the per-commitment secret at index `I` (0 ≤ I < 2^48). */
export function perCommitmentSecret(seed: Uint8Array, index: bigint): Uint8Array {
  if (seed.length !== 32) throw new TransactionError('invalid_value', 'shachain seed must be 32 bytes');
  if (index < 0n || index > SHACHAIN_INITIAL_INDEX) throw new TransactionError('invalid_value', `index ${index} out of range`);
  return deriveSecret(seed, 48, index);
}

/** Number of trailing zero bits of an index (48 for index 0). */
function whereToPut(index: bigint): number {
  for (let b = 0; b < 48; b++) if ((index >> BigInt(b)) & 1n) return b;
  return 48;
}

/**
 * The compact storage of received per-commitment secrets: one slot per trailing-zero count
 * (49 slots). Insert secrets in order (indices counting down from 2^48 - 1); each insert checks
 * that the new secret derives every stored secret it should, and throws
 * {@link TransactionError} `invalid_secret` otherwise.
 */
export class ShachainStore {
  private readonly secrets: (Uint8Array | undefined)[] = new Array(49);
  private readonly indices: bigint[] = new Array(49).fill(0n);
  /** The lowest index inserted so far, or `undefined` when empty. */
  private lowest: bigint | undefined;

  /** Inserts the secret at `index` (BOLT 3 `insert_secret`). */
  insert(secret: Uint8Array, index: bigint): void {
    if (secret.length !== 32) throw new TransactionError('invalid_value', 'secret must be 32 bytes');
    if (this.lowest !== undefined && index !== this.lowest - 1n) {
      throw new TransactionError('invalid_value', `expected secret index ${this.lowest - 1n}, got ${index}`);
    }
    const pos = whereToPut(index);
    for (let i = 0; i < pos; i++) {
      const stored = this.secrets[i];
      if (!stored) continue;
      const derived = deriveSecret(secret, pos, this.indices[i]!);
      if (!derived.every((b, k) => b === stored[k])) {
        throw new TransactionError('invalid_secret', `secret at index ${index} does not derive the stored secret at index ${this.indices[i]}`);
      }
    }
    this.secrets[pos] = Uint8Array.from(secret);
    this.indices[pos] = index;
    this.lowest = index;
  }

  /** The secret at `index` if it was inserted or can be derived (BOLT 3 `derive_old_secret`). */
  get(index: bigint): Uint8Array | undefined {
    for (let i = 0; i < 49; i++) {
      const s = this.secrets[i];
      if (!s) continue;
      const mask = ~((1n << BigInt(i)) - 1n) & SHACHAIN_INITIAL_INDEX;
      if ((index & mask) === this.indices[i]) return deriveSecret(s, i, index);
    }
    return undefined;
  }

  /** The lowest index stored (the most recent secret). */
  get minIndex(): bigint | undefined {
    return this.lowest;
  }

  /** Serializes: for each of the 49 slots, a flag, the index and the secret. */
  serialize(): Uint8Array {
    const out = new Uint8Array(49 * 41);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < 49; i++) {
      const s = this.secrets[i];
      if (!s) continue;
      out[i * 41] = 1;
      dv.setBigUint64(i * 41 + 1, this.indices[i]!);
      out.set(s, i * 41 + 9);
    }
    return out;
  }
  /** Restores a store from {@link ShachainStore.serialize}; throws {@link TransactionError} on malformed bytes. */
  static deserialize(bytes: Uint8Array): ShachainStore {
    if (bytes.length !== 49 * 41) throw new TransactionError('invalid_value', `shachain store must be ${49 * 41} bytes`);
    const st = new ShachainStore();
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < 49; i++) {
      if (bytes[i * 41] === 0) continue;
      if (bytes[i * 41] !== 1) throw new TransactionError('invalid_value', 'bad slot flag');
      st.secrets[i] = bytes.slice(i * 41 + 9, i * 41 + 41);
      st.indices[i] = dv.getBigUint64(i * 41 + 1);
      if (st.lowest === undefined || st.indices[i]! < st.lowest) st.lowest = st.indices[i];
    }
    return st;
  }
}

/**
 * BOLT 3 "Commitment Transaction": the obscuring factor is the lower 48 bits of
 * `SHA256(payment_basepoint from open_channel || payment_basepoint from accept_channel)`.
 */
export function commitmentNumberObscureFactor(openerPaymentBasepoint: Uint8Array, accepterPaymentBasepoint: Uint8Array): bigint {
  const h = sha256(Uint8Array.from([...openerPaymentBasepoint, ...accepterPaymentBasepoint]));
  let x = 0n;
  for (let i = 26; i < 32; i++) x = (x << 8n) | BigInt(h[i]!);
  return x;
}
