/**
 * Field codecs for the BOLT 1 fundamental types (Appendix A/D): fixed-width integers,
 * BigSize, truncated integers, signed integers, fixed byte fields, points, signatures and
 * length-prefixed byte strings. Each codec encodes and decodes one field, so a message is
 * declared once as a list of codecs (see `message.ts`).
 */
import { DecodeError, EncodeError } from '../errors.js';
import type { Reader, Writer } from './io.js';

/**
 * What a codec is, as data: lets tests generate random valid values for any declared
 * message (property tests) and lets documentation list field types.
 */
export type CodecSpec =
  | { kind: 'u8' | 'u16' | 'u32' | 'u64' | 'bigsize' | 'tu16' | 'tu32' | 'tu64' | 's8' | 's16' | 's32' | 's64' }
  | { kind: 'bytes'; length: number }
  | { kind: 'point' }
  | { kind: 'u16_bytes' }
  | { kind: 'rest_bytes' }
  | { kind: 'u16_array'; item: CodecSpec }
  | { kind: 'rest_array'; item: CodecSpec }
  | { kind: 'struct'; fields: [string, CodecSpec][] }
  | { kind: 'flag' };

/** Encodes and decodes one field. */
export interface Codec<T> {
  readonly spec: CodecSpec;
  encode(w: Writer, v: T): void;
  decode(r: Reader): T;
}

/** The value type of a codec. */
export type CodecValue<C> = C extends Codec<infer T> ? T : never;

function checkInt(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new EncodeError(`${what} out of range: ${v}`);
}

/** `byte`/`u8`. */
export const u8: Codec<number> = {
  spec: { kind: 'u8' },
  encode: (w, v) => (checkInt(v, 0xff, 'u8'), w.u8(v)),
  decode: (r) => r.u8(),
};
/** `u16`, big-endian. */
export const u16: Codec<number> = {
  spec: { kind: 'u16' },
  encode: (w, v) => (checkInt(v, 0xffff, 'u16'), w.u16(v)),
  decode: (r) => r.u16(),
};
/** `u32`, big-endian. */
export const u32: Codec<number> = {
  spec: { kind: 'u32' },
  encode: (w, v) => (checkInt(v, 0xffffffff, 'u32'), w.u32(v)),
  decode: (r) => r.u32(),
};
/** `u64`, big-endian, as a bigint. */
export const u64: Codec<bigint> = {
  spec: { kind: 'u64' },
  encode: (w, v) => {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw new EncodeError(`u64 out of range: ${v}`);
    w.u64(v);
  },
  decode: (r) => r.u64(),
};

/** BOLT 1 Appendix A BigSize: the canonical (minimal) encoding is enforced on decode. */
export const bigsize: Codec<bigint> = {
  spec: { kind: 'bigsize' },
  encode: (w, v) => {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw new EncodeError(`BigSize out of range: ${v}`);
    if (v < 0xfdn) w.u8(Number(v));
    else if (v <= 0xffffn) (w.u8(0xfd), w.u16(Number(v)));
    else if (v <= 0xffffffffn) (w.u8(0xfe), w.u32(Number(v)));
    else (w.u8(0xff), w.u64(v));
  },
  decode: (r) => {
    const first = r.u8('BigSize');
    if (first < 0xfd) return BigInt(first);
    if (first === 0xfd) {
      const v = r.u16('BigSize');
      if (v < 0xfd) throw new DecodeError('non_canonical', `BigSize ${v} encoded in 3 bytes`);
      return BigInt(v);
    }
    if (first === 0xfe) {
      const v = r.u32('BigSize');
      if (v <= 0xffff) throw new DecodeError('non_canonical', `BigSize ${v} encoded in 5 bytes`);
      return BigInt(v);
    }
    const v = r.u64('BigSize');
    if (v <= 0xffffffffn) throw new DecodeError('non_canonical', `BigSize ${v} encoded in 9 bytes`);
    return v;
  },
};

/** Encoded length of a BigSize. */
export function bigsizeLength(v: bigint): number {
  return v < 0xfdn ? 1 : v <= 0xffffn ? 3 : v <= 0xffffffffn ? 5 : 9;
}

function truncated(bits: 16 | 32 | 64): Codec<bigint> {
  const maxBytes = bits / 8;
  const max = (1n << BigInt(bits)) - 1n;
  return {
    spec: { kind: `tu${bits}` as 'tu16' },
    encode: (w, v) => {
      if (typeof v !== 'bigint' || v < 0n || v > max) throw new EncodeError(`tu${bits} out of range: ${v}`);
      const bytes: number[] = [];
      for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
      for (const b of bytes) w.u8(b);
    },
    // A truncated integer takes the rest of its TLV record.
    decode: (r) => {
      const n = r.remaining;
      if (n > maxBytes) throw new DecodeError('tlv_length_mismatch', `tu${bits} of ${n} bytes is longer than ${maxBytes}`);
      if (n > 0 && r.buf[r.pos] === 0) throw new DecodeError('non_canonical', `tu${bits} has a leading zero byte`);
      let v = 0n;
      for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(r.u8());
      return v;
    },
  };
}

const tu64Big = truncated(64);
const asNumber = (c: Codec<bigint>, kind: 'tu16' | 'tu32'): Codec<number> => ({
  spec: { kind },
  encode: (w, v) => c.encode(w, BigInt(v)),
  decode: (r) => Number(c.decode(r)),
});
/** `tu16`: a u16 with leading zero bytes removed (only at the end of a TLV record). */
export const tu16: Codec<number> = asNumber(truncated(16), 'tu16');
/** `tu32`: a u32 with leading zero bytes removed. */
export const tu32: Codec<number> = asNumber(truncated(32), 'tu32');
/** `tu64`: a u64 with leading zero bytes removed. */
export const tu64: Codec<bigint> = tu64Big;

function signed(bits: 8 | 16 | 32): Codec<number> {
  const bytes = bits / 8;
  const min = -(2 ** (bits - 1));
  const max = 2 ** (bits - 1) - 1;
  return {
    spec: { kind: `s${bits}` as 's8' },
    encode: (w, v) => {
      if (!Number.isInteger(v) || v < min || v > max) throw new EncodeError(`s${bits} out of range: ${v}`);
      const u = v < 0 ? v + 2 ** bits : v;
      if (bytes === 1) w.u8(u);
      else if (bytes === 2) w.u16(u);
      else w.u32(u);
    },
    decode: (r) => {
      const u = bytes === 1 ? r.u8() : bytes === 2 ? r.u16() : r.u32();
      return u > max ? u - 2 ** bits : u;
    },
  };
}
/** BOLT 1 Appendix D `s8`: two's complement, big-endian. */
export const s8 = signed(8);
/** `s16`. */
export const s16 = signed(16);
/** `s32`. */
export const s32 = signed(32);
/** `s64`, as a bigint. */
export const s64: Codec<bigint> = {
  spec: { kind: 's64' },
  encode: (w, v) => {
    if (typeof v !== 'bigint' || v < -(1n << 63n) || v >= 1n << 63n) throw new EncodeError(`s64 out of range: ${v}`);
    w.u64(BigInt.asUintN(64, v));
  },
  decode: (r) => BigInt.asIntN(64, r.u64()),
};

/** `N*byte`: exactly `length` bytes. */
export function bytes(length: number): Codec<Uint8Array> {
  return {
    spec: { kind: 'bytes', length },
    encode: (w, v) => {
      if (!(v instanceof Uint8Array) || v.length !== length) throw new EncodeError(`expected ${length} bytes, got ${(v as Uint8Array)?.length}`);
      w.bytes(v);
    },
    decode: (r) => r.bytes(length),
  };
}

/** `point`: a 33-byte compressed public key. Decoding checks the prefix (0x02/0x03); whether it is on the curve is the crypto layer's check. */
export const point: Codec<Uint8Array> = {
  spec: { kind: 'point' },
  encode: (w, v) => {
    if (!(v instanceof Uint8Array) || v.length !== 33) throw new EncodeError(`point must be 33 bytes, got ${(v as Uint8Array)?.length}`);
    w.bytes(v);
  },
  decode: (r) => {
    const v = r.bytes(33, 'point');
    if (v[0] !== 2 && v[0] !== 3) throw new DecodeError('invalid_value', `point has prefix 0x${v[0]!.toString(16)}, not 0x02/0x03`);
    return v;
  },
};

/** `signature`: 64-byte compact ECDSA signature. */
export const signature = bytes(64);
/** `sha256`: 32 bytes. */
export const sha256 = bytes(32);
/** `chain_hash`: 32 bytes (a genesis block hash, internal byte order). */
export const chainHash = bytes(32);
/** `channel_id`: 32 bytes. */
export const channelId = bytes(32);
/** `short_channel_id`: a u64 (block height 3 bytes, tx index 3 bytes, output index 2 bytes). */
export const shortChannelId = u64;

/** `u16 len` followed by `len*byte`: a byte string up to 65535 bytes, its length implicit in the API. */
export const u16Bytes: Codec<Uint8Array> = {
  spec: { kind: 'u16_bytes' },
  encode: (w, v) => {
    if (!(v instanceof Uint8Array) || v.length > 0xffff) throw new EncodeError(`byte string of ${(v as Uint8Array)?.length} bytes exceeds 65535`);
    w.u16(v.length);
    w.bytes(v);
  },
  decode: (r) => r.bytes(r.u16('length'), 'length-prefixed bytes'),
};

/** `...*byte`: every remaining byte (inside a TLV record). */
export const restBytes: Codec<Uint8Array> = {
  spec: { kind: 'rest_bytes' },
  encode: (w, v) => w.bytes(v),
  decode: (r) => r.bytes(r.remaining),
};

/** `u16 count` followed by `count` items: an array, its count implicit in the API. */
export function u16Array<T>(item: Codec<T>): Codec<T[]> {
  return {
    spec: { kind: 'u16_array', item: item.spec },
    encode: (w, v) => {
      if (v.length > 0xffff) throw new EncodeError(`array of ${v.length} items exceeds 65535`);
      w.u16(v.length);
      for (const x of v) item.encode(w, x);
    },
    decode: (r) => {
      const n = r.u16('count');
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(item.decode(r));
      return out;
    },
  };
}

/** `...*item`: items until the end of the record. */
export function restArray<T>(item: Codec<T>): Codec<T[]> {
  return {
    spec: { kind: 'rest_array', item: item.spec },
    encode: (w, v) => {
      for (const x of v) item.encode(w, x);
    },
    decode: (r) => {
      const out: T[] = [];
      while (r.remaining > 0) out.push(item.decode(r));
      return out;
    },
  };
}

/** The value of a {@link struct} codec: one property per field. */
export type StructValue<F extends Record<string, Codec<any>>> = { [K in keyof F]: CodecValue<F[K]> };

/** Several fields in order, as an object (a TLV record with more than one field, a subtype). */
export function struct<F extends Record<string, Codec<any>>>(fields: F): Codec<StructValue<F>> {
  const entries = Object.entries(fields);
  return {
    spec: { kind: 'struct', fields: entries.map(([k, c]) => [k, c.spec]) },
    encode: (w, v) => {
      for (const [k, c] of entries) c.encode(w, (v as Record<string, unknown>)[k]);
    },
    decode: (r) => {
      const out: Record<string, unknown> = {};
      for (const [k, c] of entries) out[k] = c.decode(r);
      return out as StructValue<F>;
    },
  };
}

/** A TLV record with no value (e.g. `require_confirmed_inputs`): present means `true`. */
export const flag: Codec<true> = {
  spec: { kind: 'flag' },
  encode: () => {},
  decode: () => true,
};
