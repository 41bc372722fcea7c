/**
 * Fast scanning of block transactions: most transactions of a block are not ours, so the
 * monitors look only at the outpoints each one spends (no full parse, no hashing) and parse
 * and hash the few that spend a watched output.
 */
import type { OutPoint, Txid } from '@ln/chain-interfaces';
import { parseTx, txidOf, type Transaction } from '@ln/transactions';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A map key for an outpoint: internal-order txid hex, `:`, output index. */
export function outpointKey(o: OutPoint): string {
  return keyAt(o.txid, 0, o.vout);
}

function keyAt(b: Uint8Array, at: number, vout: number): string {
  let s = '';
  for (let i = at; i < at + 32; i++) s += HEX[b[i]!];
  return `${s}:${vout}`;
}

/**
 * The keys ({@link outpointKey}) of the outpoints a serialized transaction spends, read
 * without parsing the rest; `undefined` if the bytes are malformed (such a transaction is
 * not ours).
 */
export function spentOutpointKeys(raw: Uint8Array): string[] | undefined {
  let at = 4;
  const n = raw.length;
  if (n < 10) return undefined;
  if (raw[4] === 0 && raw[5] === 1) at = 6;
  const varint = (): number => {
    const f = raw[at++];
    if (f === undefined) return -1;
    if (f < 0xfd) return f;
    if (f === 0xfd) {
      if (at + 2 > n) return -1;
      const v = raw[at]! | (raw[at + 1]! << 8);
      at += 2;
      return v;
    }
    if (f === 0xfe) {
      if (at + 4 > n) return -1;
      const v = (raw[at]! | (raw[at + 1]! << 8) | (raw[at + 2]! << 16)) + raw[at + 3]! * 0x1000000;
      at += 4;
      return v;
    }
    return -1;
  };
  const count = varint();
  if (count < 0 || count * 41 > n - at) return undefined;
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 36 > n) return undefined;
    const vout = (raw[at + 32]! | (raw[at + 33]! << 8) | (raw[at + 34]! << 16)) + raw[at + 35]! * 0x1000000;
    keys.push(keyAt(raw, at, vout));
    at += 36;
    const scriptLen = varint();
    if (scriptLen < 0 || at + scriptLen + 4 > n) return undefined;
    at += scriptLen + 4;
  }
  return keys;
}

/** One transaction of a block, parsed and hashed only when asked. */
export class BlockTx {
  private parsed?: Transaction;
  private id?: Txid;
  private keys?: string[] | null;
  constructor(readonly raw: Uint8Array) {}
  /** Keys of the outpoints it spends (empty if malformed). */
  get spentKeys(): readonly string[] {
    if (this.keys === undefined) this.keys = spentOutpointKeys(this.raw) ?? null;
    return this.keys ?? [];
  }
  /** The parsed transaction, or `undefined` if the bytes do not parse. */
  get tx(): Transaction | undefined {
    if (!this.parsed) {
      try {
        this.parsed = parseTx(this.raw);
      } catch {
        return undefined;
      }
    }
    return this.parsed;
  }
  get txid(): Txid | undefined {
    if (!this.id) {
      const tx = this.tx;
      if (tx) this.id = txidOf(tx);
    }
    return this.id;
  }
}
