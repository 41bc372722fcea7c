/**
 * The bitcoin block codec: 80-byte headers and serialized blocks (header, CompactSize count,
 * transactions with BIP 144 witnesses). Decoding checks everything a block source could get
 * wrong or lie about: the header hash asked for, the merkle root of the transactions (and
 * the CVE-2012-2459 duplicate-transaction mutation), trailing bytes and the 4 MB size limit.
 *
 * @packageDocumentation
 */
import { equalBytes, sha256d } from '@ln/crypto';
import { blockHashFromInternalBytes, blockHashToHex, type Block, type BlockHash, type BlockHeader, type RawTransaction, type Txid } from '@ln/chain-interfaces';
import { parseTx, txidOf } from '@ln/transactions';
import { ChainSourceError } from './errors.js';

/** The largest serialized block consensus allows (4,000,000 weight units, so at most 4 MB of bytes). */
export const MAX_BLOCK_BYTES = 4_000_000;

/** Decodes an 80-byte block header; throws `malformed` on any other length. */
export function decodeHeader(raw: Uint8Array, endpoint = 'header'): BlockHeader {
  if (!(raw instanceof Uint8Array) || raw.length !== 80) {
    throw new ChainSourceError('malformed', `block header must be 80 bytes, got ${(raw as Uint8Array)?.length}`, { endpoint });
  }
  const copy = Uint8Array.from(raw);
  const dv = new DataView(copy.buffer, 0, 80);
  return {
    raw: copy,
    hash: blockHashFromInternalBytes(sha256d(copy)),
    prevBlockHash: blockHashFromInternalBytes(copy.subarray(4, 36)),
    time: dv.getUint32(68, true),
  };
}

/** Checks that a header hashes to the hash that was asked for. */
export function checkHeaderHash(header: BlockHeader, expected: BlockHash, endpoint: string): void {
  if (!equalBytes(header.hash, expected)) {
    throw new ChainSourceError('inconsistent', `asked for block ${blockHashToHex(expected)}, got ${blockHashToHex(header.hash)}`, { endpoint });
  }
}

class Scanner {
  at = 0;
  constructor(private readonly b: Uint8Array, private readonly endpoint: string) {}
  private short(): never {
    throw new ChainSourceError('malformed', `block truncated at byte ${this.at}`, { endpoint: this.endpoint });
  }
  skip(n: number): void {
    if (n > this.b.length - this.at) this.short();
    this.at += n;
  }
  varint(): number {
    if (this.at >= this.b.length) this.short();
    const f = this.b[this.at++]!;
    if (f < 0xfd) return f;
    const size = f === 0xfd ? 2 : f === 0xfe ? 4 : 8;
    if (size > this.b.length - this.at) this.short();
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.b[this.at + i]!;
    this.at += size;
    if (v > this.b.length) throw new ChainSourceError('malformed', `CompactSize ${v} exceeds the block's size`, { endpoint: this.endpoint });
    if (v < (size === 2 ? 0xfd : size === 4 ? 0x10000 : 0x100000000)) {
      throw new ChainSourceError('malformed', `non-canonical CompactSize ${v} at byte ${this.at - size - 1}`, { endpoint: this.endpoint });
    }
    return v;
  }
  /** A count of items of at least `minBytes` each, checked against the bytes left. */
  count(minBytes: number): number {
    const n = this.varint();
    if (n * minBytes > this.b.length - this.at) {
      throw new ChainSourceError('malformed', `count ${n} at byte ${this.at} exceeds the bytes left`, { endpoint: this.endpoint });
    }
    return n;
  }
  get remaining(): number {
    return this.b.length - this.at;
  }
  peek(offset: number): number | undefined {
    return this.b[this.at + offset];
  }
}

/** Finds where the transaction starting at `s.at` ends (the layout of BIP 144); moves `s` there. */
function scanTransaction(s: Scanner): void {
  s.skip(4);
  let segwit = false;
  if (s.remaining >= 2 && s.peek(0) === 0 && s.peek(1) === 1) {
    segwit = true;
    s.skip(2);
  }
  const nIn = s.count(41);
  for (let i = 0; i < nIn; i++) {
    s.skip(36);
    s.skip(s.varint());
    s.skip(4);
  }
  const nOut = s.count(9);
  for (let i = 0; i < nOut; i++) {
    s.skip(8);
    s.skip(s.varint());
  }
  if (segwit) {
    for (let i = 0; i < nIn; i++) {
      const items = s.count(1);
      for (let k = 0; k < items; k++) s.skip(s.varint());
    }
  }
  s.skip(4);
}

/**
 * The merkle root of txids (internal order). `mutated` is set when two equal hashes are paired
 * at some level other than by the odd-count duplication (CVE-2012-2459).
 */
export function merkleRootOf(txids: readonly Uint8Array[]): { root: Uint8Array; mutated: boolean } {
  if (txids.length === 0) return { root: new Uint8Array(32), mutated: false };
  let level: Uint8Array[] = txids.map((t) => Uint8Array.from(t));
  let mutated = false;
  const cat = new Uint8Array(64);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i]!;
      const b = level[i + 1];
      if (b && equalBytes(a, b)) mutated = true;
      cat.set(a, 0);
      cat.set(b ?? a, 32);
      next.push(sha256d(cat));
    }
    level = next;
  }
  return { root: level[0]!, mutated };
}

/** A decoded block with the txid of each transaction. */
export interface DecodedBlock extends Block {
  readonly txids: readonly Txid[];
}

/**
 * Decodes a serialized block (bitcoind `getblock <hash> 0`, Esplora `/block/:hash/raw`).
 * Throws `malformed` for bad bytes and `inconsistent` when the header is not `expectedHash`
 * or the transactions do not hash to the header's merkle root.
 */
export function decodeBlock(bytes: Uint8Array, expectedHash?: BlockHash, endpoint = 'block'): DecodedBlock {
  if (!(bytes instanceof Uint8Array)) throw new ChainSourceError('malformed', 'block must be bytes', { endpoint });
  if (bytes.length > MAX_BLOCK_BYTES) throw new ChainSourceError('malformed', `block of ${bytes.length} bytes exceeds ${MAX_BLOCK_BYTES}`, { endpoint });
  if (bytes.length < 80) throw new ChainSourceError('malformed', `block of ${bytes.length} bytes is shorter than a header`, { endpoint });
  const header = decodeHeader(bytes.subarray(0, 80), endpoint);
  if (expectedHash) checkHeaderHash(header, expectedHash, endpoint);
  const s = new Scanner(bytes, endpoint);
  s.skip(80);
  const n = s.count(60);
  if (n === 0) throw new ChainSourceError('malformed', 'block has no transactions', { endpoint });
  const transactions: RawTransaction[] = [];
  const txids: Txid[] = [];
  for (let i = 0; i < n; i++) {
    const start = s.at;
    scanTransaction(s);
    const raw = bytes.slice(start, s.at);
    let txid: Txid;
    try {
      txid = txidOf(parseTx(raw));
    } catch (e) {
      throw new ChainSourceError('malformed', `transaction ${i} of the block: ${(e as Error).message}`, { endpoint, cause: e });
    }
    transactions.push(raw);
    txids.push(txid);
  }
  if (s.remaining !== 0) throw new ChainSourceError('malformed', `${s.remaining} bytes after the block's transactions`, { endpoint });
  const { root, mutated } = merkleRootOf(txids);
  if (!equalBytes(root, header.raw.subarray(36, 68))) {
    throw new ChainSourceError('inconsistent', `transactions do not hash to the merkle root of block ${blockHashToHex(header.hash)}`, { endpoint });
  }
  if (mutated) throw new ChainSourceError('inconsistent', `block ${blockHashToHex(header.hash)} repeats a transaction (CVE-2012-2459)`, { endpoint });
  return { header, transactions, txids };
}

function compactSize(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >> 8);
  return Uint8Array.of(0xfe, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
}

/** Serializes a block: the 80-byte header, the transaction count, the transactions as given. */
export function serializeBlock(block: Block): Uint8Array {
  const count = compactSize(block.transactions.length);
  let len = 80 + count.length;
  for (const t of block.transactions) len += t.length;
  const out = new Uint8Array(len);
  out.set(block.header.raw, 0);
  out.set(count, 80);
  let at = 80 + count.length;
  for (const t of block.transactions) {
    out.set(t, at);
    at += t.length;
  }
  return out;
}
