/**
 * Bitcoin transactions: a plain data model, serialization with and without witnesses
 * (BIP 144), txid/wtxid, weight, and a strict decoder for untrusted bytes.
 *
 * Ours rather than a library's: commitments with up to 483 HTLC outputs are built and signed
 * on every payment, so the codec is a small exact one over `Uint8Array` with typed errors.
 */
import { sha256d } from '@ln/crypto';
import { txidFromInternalBytes, type OutPoint, type Txid, type TxOut } from '@ln/chain-interfaces';
import { TransactionError } from '../errors.js';

/** A transaction input. */
export interface TxIn {
  readonly prevout: OutPoint;
  readonly scriptSig: Uint8Array;
  readonly sequence: number;
  /** Witness stack items (empty for non-segwit inputs). */
  readonly witness: readonly Uint8Array[];
}

/** A transaction. */
export interface Transaction {
  readonly version: number;
  readonly inputs: readonly TxIn[];
  readonly outputs: readonly TxOut[];
  readonly locktime: number;
}

class ByteWriter {
  private buf = new Uint8Array(256);
  private dv = new DataView(this.buf.buffer);
  len = 0;
  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
  u8(v: number) {
    this.grow(1);
    this.buf[this.len++] = v;
  }
  u32le(v: number) {
    this.grow(4);
    this.dv.setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  u64le(v: bigint) {
    this.grow(8);
    this.dv.setBigUint64(this.len, v, true);
    this.len += 8;
  }
  varint(n: number) {
    if (n < 0xfd) this.u8(n);
    else if (n <= 0xffff) {
      this.u8(0xfd);
      this.grow(2);
      this.dv.setUint16(this.len, n, true);
      this.len += 2;
    } else {
      this.u8(0xfe);
      this.u32le(n);
    }
  }
  bytes(b: Uint8Array) {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  varBytes(b: Uint8Array) {
    this.varint(b.length);
    this.bytes(b);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Writes a bitcoin CompactSize-prefixed byte string. */
export function varBytes(b: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  w.varBytes(b);
  return w.finish();
}

/** Serializes a transaction; with `withWitness` (default) in BIP 144 form when any input has a witness. */
export function serializeTx(tx: Transaction, withWitness = true): Uint8Array {
  const w = new ByteWriter();
  const segwit = withWitness && tx.inputs.some((i) => i.witness.length > 0);
  w.u32le(tx.version);
  if (segwit) (w.u8(0), w.u8(1));
  w.varint(tx.inputs.length);
  for (const i of tx.inputs) {
    w.bytes(i.prevout.txid);
    w.u32le(i.prevout.vout);
    w.varBytes(i.scriptSig);
    w.u32le(i.sequence);
  }
  w.varint(tx.outputs.length);
  for (const o of tx.outputs) {
    w.u64le(o.valueSat);
    w.varBytes(o.scriptPubkey);
  }
  if (segwit) {
    for (const i of tx.inputs) {
      w.varint(i.witness.length);
      for (const item of i.witness) w.varBytes(item);
    }
  }
  w.u32le(tx.locktime);
  return w.finish();
}

/** The txid: double SHA-256 of the serialization without witnesses (internal byte order). */
export function txidOf(tx: Transaction): Txid {
  return txidFromInternalBytes(sha256d(serializeTx(tx, false)));
}
/** The wtxid: double SHA-256 of the full serialization. */
export function wtxidOf(tx: Transaction): Uint8Array {
  return sha256d(serializeTx(tx, true));
}
/** Weight (BIP 141): 3 × stripped size + total size. */
export function weightOf(tx: Transaction): number {
  return 3 * serializeTx(tx, false).length + serializeTx(tx, true).length;
}

class ByteReader {
  at = 0;
  private readonly dv: DataView;
  constructor(private readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.length);
  }
  need(n: number): void {
    if (n > this.b.length - this.at) throw new TransactionError('short_read', `transaction truncated at byte ${this.at}`);
  }
  u8(): number {
    this.need(1);
    return this.b[this.at++]!;
  }
  u32le(): number {
    this.need(4);
    const v = this.dv.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  u64le(): bigint {
    this.need(8);
    const v = this.dv.getBigUint64(this.at, true);
    this.at += 8;
    return v;
  }
  varint(): number {
    const f = this.u8();
    if (f < 0xfd) return f;
    if (f === 0xfd) {
      this.need(2);
      const v = this.dv.getUint16(this.at, true);
      this.at += 2;
      if (v < 0xfd) throw new TransactionError('invalid_value', 'non-canonical CompactSize');
      return v;
    }
    if (f === 0xfe) {
      const v = this.u32le();
      if (v <= 0xffff) throw new TransactionError('invalid_value', 'non-canonical CompactSize');
      return v;
    }
    throw new TransactionError('invalid_value', '8-byte CompactSize is larger than any transaction');
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.b.slice(this.at, this.at + n);
    this.at += n;
    return v;
  }
  count(minBytesEach: number): number {
    const n = this.varint();
    if (n * minBytesEach > this.b.length - this.at) throw new TransactionError('short_read', `count ${n} exceeds the remaining bytes`);
    return n;
  }
  get remaining(): number {
    return this.b.length - this.at;
  }
}

/** Parses a serialized transaction; throws only {@link TransactionError}. */
export function parseTx(bytes: Uint8Array): Transaction {
  const r = new ByteReader(bytes);
  const version = r.u32le();
  let segwit = false;
  if (r.remaining >= 2 && bytes[r.at] === 0 && bytes[r.at + 1] === 1) {
    segwit = true;
    r.at += 2;
  }
  const nIn = r.count(41);
  const inputs: { prevout: OutPoint; scriptSig: Uint8Array; sequence: number; witness: Uint8Array[] }[] = [];
  for (let i = 0; i < nIn; i++) {
    const txid = txidFromInternalBytes(r.bytes(32));
    const vout = r.u32le();
    const scriptSig = r.bytes(r.count(1));
    inputs.push({ prevout: { txid, vout }, scriptSig, sequence: r.u32le(), witness: [] });
  }
  const nOut = r.count(9);
  const outputs: TxOut[] = [];
  for (let i = 0; i < nOut; i++) {
    const valueSat = r.u64le();
    outputs.push({ valueSat, scriptPubkey: r.bytes(r.count(1)) });
  }
  if (segwit) {
    for (const input of inputs) {
      const n = r.count(1);
      for (let k = 0; k < n; k++) input.witness.push(r.bytes(r.count(1)));
    }
    if (inputs.every((i) => i.witness.length === 0)) throw new TransactionError('invalid_value', 'segwit marker with no witness data');
  }
  const locktime = r.u32le();
  if (r.remaining !== 0) throw new TransactionError('trailing_bytes', `${r.remaining} bytes after the transaction`);
  return { version, inputs, outputs, locktime };
}
