/**
 * A minimal bitcoin transaction reader for the in-memory chain: txid, inputs' outpoints,
 * outputs. Only what `MemoryChain` needs to keep a UTXO set; the full codec with signing
 * lives in `@ln/transactions`.
 */
import { sha256d } from '@ln/crypto';
import { txidFromInternalBytes, type OutPoint, type Txid, type TxOut } from '@ln/chain-interfaces';

/** Thrown when a transaction given to the test kit cannot be parsed. */
export class TestKitTxError extends Error {
  override readonly name = 'TestKitTxError';
}

/** The parts of a transaction the chain needs. */
export interface ParsedTx {
  readonly txid: Txid;
  readonly inputs: readonly OutPoint[];
  readonly outputs: readonly TxOut[];
  readonly raw: Uint8Array;
}

class Reader {
  at = 0;
  constructor(readonly b: Uint8Array) {}
  need(n: number): void {
    if (this.at + n > this.b.length) throw new TestKitTxError(`transaction truncated at byte ${this.at}`);
  }
  u8(): number {
    this.need(1);
    return this.b[this.at++]!;
  }
  u32(): number {
    this.need(4);
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.at, 4).getUint32(0, true);
    this.at += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.at, 8).getBigUint64(0, true);
    this.at += 8;
    return v;
  }
  varint(): number {
    const f = this.u8();
    if (f < 0xfd) return f;
    if (f === 0xfd) {
      this.need(2);
      const v = this.b[this.at]! | (this.b[this.at + 1]! << 8);
      this.at += 2;
      return v;
    }
    if (f === 0xfe) return this.u32();
    const v = this.u64();
    if (v > BigInt(this.b.length)) throw new TestKitTxError('count larger than the transaction');
    return Number(v);
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
}

/** Parses a serialized transaction (with or without witnesses). */
export function parseTx(raw: Uint8Array): ParsedTx {
  const r = new Reader(raw);
  r.u32(); // version
  let segwit = false;
  if (raw.length > 5 && raw[4] === 0 && raw[5] === 1) {
    segwit = true;
    r.at += 2;
  }
  const nIn = r.varint();
  const inputs: OutPoint[] = [];
  for (let i = 0; i < nIn; i++) {
    const txid = txidFromInternalBytes(r.bytes(32));
    const vout = r.u32();
    r.bytes(r.varint()); // scriptSig
    r.u32(); // sequence
    inputs.push({ txid, vout });
  }
  const afterInputs = r.at;
  const nOut = r.varint();
  const outputs: TxOut[] = [];
  for (let i = 0; i < nOut; i++) {
    const valueSat = r.u64();
    outputs.push({ valueSat, scriptPubkey: Uint8Array.from(r.bytes(r.varint())) });
  }
  const outputsEnd = r.at;
  if (segwit) for (let i = 0; i < nIn; i++) for (let n = r.varint(); n > 0; n--) r.bytes(r.varint());
  r.u32(); // locktime
  if (r.at !== raw.length) throw new TestKitTxError(`${raw.length - r.at} trailing bytes after the transaction`);
  // txid: double SHA-256 of the serialization without marker, flag and witnesses.
  const legacy = segwit
    ? concat(raw.subarray(0, 4), raw.subarray(6, afterInputs), raw.subarray(afterInputs, outputsEnd), raw.subarray(raw.length - 4))
    : raw;
  return { txid: txidFromInternalBytes(sha256d(legacy)), inputs, outputs, raw };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes a bitcoin CompactSize. */
export function writeVarint(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >> 8);
  const out = new Uint8Array(5);
  out[0] = 0xfe;
  new DataView(out.buffer).setUint32(1, n, true);
  return out;
}

/**
 * Serializes a simple legacy (non-witness) transaction: used for coinbases and faucet
 * transactions of the in-memory chain.
 */
export function buildLegacyTx(
  inputs: readonly { outpoint: OutPoint; scriptSig: Uint8Array; sequence?: number }[],
  outputs: readonly TxOut[],
  locktime = 0,
): Uint8Array {
  const parts: Uint8Array[] = [u32le(2), writeVarint(inputs.length)];
  for (const i of inputs) parts.push(i.outpoint.txid, u32le(i.outpoint.vout), writeVarint(i.scriptSig.length), i.scriptSig, u32le(i.sequence ?? 0xffffffff));
  parts.push(writeVarint(outputs.length));
  for (const o of outputs) {
    const v = new Uint8Array(8);
    new DataView(v.buffer).setBigUint64(0, o.valueSat, true);
    parts.push(v, writeVarint(o.scriptPubkey.length), o.scriptPubkey);
  }
  parts.push(u32le(locktime));
  return concat(...parts);
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}
