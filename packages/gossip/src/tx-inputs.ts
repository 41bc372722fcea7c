/**
 * Just enough bitcoin transaction parsing for gossip: the outpoints a transaction spends and
 * its txid (SHA256d of the serialization without witness data). Throws {@link TxParseError}
 * on malformed bytes.
 */
import { sha256d } from '@ln/crypto';

/** A transaction that could not be parsed. */
export class TxParseError extends Error {
  override readonly name = 'TxParseError';
}

/** What gossip needs from a transaction. */
export interface ParsedTxInputs {
  /** Internal byte order. */
  readonly txid: Uint8Array;
  /** The outpoints spent: txid (internal order) and output index. */
  readonly inputs: readonly { readonly txid: Uint8Array; readonly vout: number }[];
}

/** Parses `raw` (with or without BIP 144 witness data). */
export function parseTxInputs(raw: Uint8Array): ParsedTxInputs {
  let o = 0;
  const need = (n: number) => {
    if (o + n > raw.length) throw new TxParseError(`transaction truncated at byte ${o}`);
  };
  const varint = (): number => {
    need(1);
    const b = raw[o++]!;
    if (b < 0xfd) return b;
    const n = b === 0xfd ? 2 : b === 0xfe ? 4 : 8;
    need(n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + raw[o + i]!;
    o += n;
    if (v > raw.length) throw new TxParseError(`count ${v} larger than the transaction`);
    return v;
  };
  need(4);
  o = 4;
  let segwit = false;
  if (raw[4] === 0 && raw[5] === 1) {
    segwit = true;
    o = 6;
  }
  const startInputs = o;
  const nIn = varint();
  const inputs: { txid: Uint8Array; vout: number }[] = [];
  for (let i = 0; i < nIn; i++) {
    need(36);
    const txid = raw.slice(o, o + 32);
    const vout = (raw[o + 32]! | (raw[o + 33]! << 8) | (raw[o + 34]! << 16) | (raw[o + 35]! << 24)) >>> 0;
    o += 36;
    const sl = varint();
    need(sl + 4);
    o += sl + 4;
    inputs.push({ txid, vout });
  }
  const nOut = varint();
  for (let i = 0; i < nOut; i++) {
    need(8);
    o += 8;
    const sl = varint();
    need(sl);
    o += sl;
  }
  const endOutputs = o;
  if (segwit) {
    for (let i = 0; i < nIn; i++) {
      const items = varint();
      for (let k = 0; k < items; k++) {
        const l = varint();
        need(l);
        o += l;
      }
    }
  }
  need(4);
  const lockStart = o;
  o += 4;
  if (o !== raw.length) throw new TxParseError(`${raw.length - o} trailing bytes after the transaction`);
  const stripped = new Uint8Array(4 + (endOutputs - startInputs) + 4);
  stripped.set(raw.subarray(0, 4), 0);
  stripped.set(raw.subarray(startInputs, endOutputs), 4);
  stripped.set(raw.subarray(lockStart, lockStart + 4), 4 + endOutputs - startInputs);
  return { txid: sha256d(stripped), inputs };
}
