/**
 * BOLT 7 "Query Messages" payload encodings: `encoded_short_ids`, `encoded_query_flags` and
 * `encoded_timestamps`. Encoding type 0 is uncompressed; type 1 (zlib) "MUST NOT be used"
 * and is rejected with {@link DecodeError} `unsupported_encoding`.
 */
import { Reader, Writer } from './codec/io.js';
import { bigsize, u32 } from './codec/primitives.js';
import { DecodeError } from './errors.js';

/** The only encoding in use: uncompressed. */
export const ENCODING_UNCOMPRESSED = 0;

function checkEncoding(t: number): void {
  if (t === 1) throw new DecodeError('unsupported_encoding', 'zlib encoding (type 1) must not be used (BOLT 7)');
  if (t !== 0) throw new DecodeError('unsupported_encoding', `unknown encoding type ${t}`);
}

/** Decodes `encoded_short_ids`: an encoding byte, then 8-byte short channel ids. */
export function decodeShortChannelIds(encoded: Uint8Array): bigint[] {
  if (encoded.length === 0) return [];
  checkEncoding(encoded[0]!);
  if ((encoded.length - 1) % 8 !== 0) throw new DecodeError('invalid_value', `encoded_short_ids of ${encoded.length - 1} bytes is not a multiple of 8`);
  const r = new Reader(encoded, 1);
  const out: bigint[] = [];
  while (r.remaining > 0) out.push(r.u64());
  return out;
}
/** Encodes short channel ids (uncompressed). */
export function encodeShortChannelIds(ids: readonly bigint[]): Uint8Array {
  const w = new Writer(1 + ids.length * 8);
  w.u8(ENCODING_UNCOMPRESSED);
  for (const id of ids) w.u64(id);
  return w.finish();
}

/** Query flag bits of `query_short_channel_ids` (BOLT 7). */
export const QUERY_FLAG = {
  CHANNEL_ANNOUNCEMENT: 1n,
  CHANNEL_UPDATE_NODE_1: 2n,
  CHANNEL_UPDATE_NODE_2: 4n,
  NODE_ANNOUNCEMENT_NODE_1: 8n,
  NODE_ANNOUNCEMENT_NODE_2: 16n,
} as const;

/** Decodes `encoded_query_flags` (after its encoding byte, as in the `query_flags` TLV): one BigSize per id. */
export function decodeQueryFlags(encodingType: number, encoded: Uint8Array): bigint[] {
  checkEncoding(encodingType);
  const r = new Reader(encoded);
  const out: bigint[] = [];
  while (r.remaining > 0) out.push(bigsize.decode(r));
  return out;
}
/** Encodes query flags (uncompressed). */
export function encodeQueryFlags(flags: readonly bigint[]): { encodingType: number; encodedQueryFlags: Uint8Array } {
  const w = new Writer(flags.length + 1);
  for (const f of flags) bigsize.encode(w, f);
  return { encodingType: ENCODING_UNCOMPRESSED, encodedQueryFlags: w.finish() };
}

/** The two `channel_update` timestamps of one channel (0 when there is no update). */
export interface ChannelUpdateTimestamps {
  readonly timestamp1: number;
  readonly timestamp2: number;
}
/** Decodes `encoded_timestamps` of `reply_channel_range`. */
export function decodeTimestamps(encodingType: number, encoded: Uint8Array): ChannelUpdateTimestamps[] {
  checkEncoding(encodingType);
  if (encoded.length % 8 !== 0) throw new DecodeError('invalid_value', `encoded_timestamps of ${encoded.length} bytes is not a multiple of 8`);
  const r = new Reader(encoded);
  const out: ChannelUpdateTimestamps[] = [];
  while (r.remaining > 0) out.push({ timestamp1: u32.decode(r), timestamp2: u32.decode(r) });
  return out;
}
/** Encodes timestamps (uncompressed). */
export function encodeTimestamps(ts: readonly ChannelUpdateTimestamps[]): { encodingType: number; encodedTimestamps: Uint8Array } {
  const w = new Writer(ts.length * 8);
  for (const t of ts) (w.u32(t.timestamp1), w.u32(t.timestamp2));
  return { encodingType: ENCODING_UNCOMPRESSED, encodedTimestamps: w.finish() };
}
