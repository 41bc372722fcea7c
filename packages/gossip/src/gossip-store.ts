/**
 * Reading Core Lightning's `gossip_store` file (as in `shared/data`: a version byte, then
 * records of `be16 flags, be16 length, be32 crc32c, be32 timestamp` and the raw message) into
 * plain wire messages. CLN-internal record types (≥ 4096) are skipped; deleted records are
 * skipped unless asked for.
 */

/** Record header flag: the record was deleted (superseded). */
export const GOSSIP_STORE_DELETED = 0x8000;

/** One message of a gossip store with its record header fields. */
export interface GossipStoreRecord {
  readonly flags: number;
  readonly timestamp: number;
  /** The raw message: 2-byte type and body, exactly as on the wire. */
  readonly message: Uint8Array;
}

/** A gossip store that is truncated or malformed. */
export class GossipStoreError extends Error {
  override readonly name = 'GossipStoreError';
}

/** Records of a gossip store (the version byte first). Internal record types (≥ 4096) are left out; deleted records too unless `includeDeleted`. */
export function readGossipStore(bytes: Uint8Array, opts: { includeDeleted?: boolean; hasVersionByte?: boolean } = {}): GossipStoreRecord[] {
  const out: GossipStoreRecord[] = [];
  let o = opts.hasVersionByte === false ? 0 : 1;
  while (o < bytes.length) {
    if (o + 12 > bytes.length) throw new GossipStoreError(`record header truncated at byte ${o}`);
    const flags = (bytes[o]! << 8) | bytes[o + 1]!;
    const len = (bytes[o + 2]! << 8) | bytes[o + 3]!;
    const timestamp = ((bytes[o + 8]! << 24) | (bytes[o + 9]! << 16) | (bytes[o + 10]! << 8) | bytes[o + 11]!) >>> 0;
    if (o + 12 + len > bytes.length) throw new GossipStoreError(`record at byte ${o} of ${len} bytes is truncated`);
    const message = bytes.subarray(o + 12, o + 12 + len);
    o += 12 + len;
    if (len < 2) continue;
    const type = (message[0]! << 8) | message[1]!;
    if (type >= 4096) continue;
    if (flags & GOSSIP_STORE_DELETED && !opts.includeDeleted) continue;
    out.push({ flags, timestamp, message });
  }
  return out;
}
