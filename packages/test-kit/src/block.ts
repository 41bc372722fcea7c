/** Block headers and merkle roots for the in-memory chain (real 80-byte bitcoin headers). */
import { sha256d } from '@ln/crypto';
import { blockHashFromInternalBytes, type BlockHash, type BlockHeader, type Txid } from '@ln/chain-interfaces';

/** The real regtest genesis header (so the chain hash is regtest's BOLT 1 `chain_hash`). */
export const REGTEST_GENESIS_HEADER_HEX =
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f2002000000';

/** Decodes an 80-byte header into a {@link BlockHeader}. */
export function headerFromRaw(raw: Uint8Array): BlockHeader {
  if (raw.length !== 80) throw new Error(`block header must be 80 bytes, got ${raw.length}`);
  const dv = new DataView(raw.buffer, raw.byteOffset, 80);
  return {
    raw: Uint8Array.from(raw),
    hash: blockHashFromInternalBytes(sha256d(raw)),
    prevBlockHash: blockHashFromInternalBytes(raw.subarray(4, 36)),
    time: dv.getUint32(68, true),
  };
}

/** Builds a header: version 0x20000000, regtest difficulty bits, nonce 0 (no proof of work). */
export function buildHeader(prev: BlockHash, merkleRoot: Uint8Array, time: number): BlockHeader {
  const raw = new Uint8Array(80);
  const dv = new DataView(raw.buffer);
  dv.setUint32(0, 0x20000000, true);
  raw.set(prev, 4);
  raw.set(merkleRoot, 36);
  dv.setUint32(68, time, true);
  dv.setUint32(72, 0x207fffff, true);
  dv.setUint32(76, 0, true);
  return headerFromRaw(raw);
}

/** The bitcoin merkle root of txids (internal order), duplicating the last hash of odd levels. */
export function merkleRoot(txids: readonly Txid[]): Uint8Array {
  if (txids.length === 0) return new Uint8Array(32);
  let level: Uint8Array[] = txids.map((t) => Uint8Array.from(t));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i]!;
      const b = level[i + 1] ?? a;
      const cat = new Uint8Array(64);
      cat.set(a, 0);
      cat.set(b, 32);
      next.push(sha256d(cat));
    }
    level = next;
  }
  return level[0]!;
}
