/**
 * A small codec layer: each binary format of this package (monitor state, updates, events)
 * is declared once as a {@link Codec} built from combinators, which gives both the encoder and
 * the decoder. Decoding checks every length against the remaining bytes and throws only
 * {@link MonitorDecodeError}.
 *
 * Integers are big-endian; variable-length things are prefixed by a `u32` length or count.
 */
import { MonitorDecodeError } from './errors.js';

/** A growable byte buffer. */
export class Writer {
  private buf = new Uint8Array(512);
  private dv = new DataView(this.buf.buffer);
  private len = 0;
  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.grow(1);
    this.buf[this.len++] = v & 0xff;
  }
  u16(v: number): void {
    this.grow(2);
    this.dv.setUint16(this.len, v);
    this.len += 2;
  }
  u32(v: number): void {
    this.grow(4);
    this.dv.setUint32(this.len, v >>> 0);
    this.len += 4;
  }
  u64(v: bigint): void {
    this.grow(8);
    this.dv.setBigUint64(this.len, BigInt.asUintN(64, v));
    this.len += 8;
  }
  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Reads what {@link Writer} wrote; every read is bounds-checked. */
export class Reader {
  private at = 0;
  private readonly dv: DataView;
  constructor(private readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.length);
  }
  get remaining(): number {
    return this.b.length - this.at;
  }
  private need(n: number, what: string): void {
    if (n > this.b.length - this.at) throw new MonitorDecodeError(`truncated: ${what} needs ${n} bytes at offset ${this.at}, ${this.remaining} left`);
  }
  u8(): number {
    this.need(1, 'u8');
    return this.b[this.at++]!;
  }
  u16(): number {
    this.need(2, 'u16');
    const v = this.dv.getUint16(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    this.need(4, 'u32');
    const v = this.dv.getUint32(this.at);
    this.at += 4;
    return v;
  }
  u64(): bigint {
    this.need(8, 'u64');
    const v = this.dv.getBigUint64(this.at);
    this.at += 8;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n, `${n}-byte field`);
    const v = this.b.slice(this.at, this.at + n);
    this.at += n;
    return v;
  }
  /** A count of items each at least `minBytes` long, checked against the remaining bytes. */
  count(minBytes: number): number {
    const n = this.u32();
    if (n * Math.max(1, minBytes) > this.remaining) throw new MonitorDecodeError(`count ${n} exceeds the ${this.remaining} remaining bytes`);
    return n;
  }
  /** Fails unless every byte was consumed. */
  end(): void {
    if (this.remaining !== 0) throw new MonitorDecodeError(`${this.remaining} trailing bytes`);
  }
}

/** Encoder and decoder of one type, from one declaration. */
export interface Codec<T> {
  write(w: Writer, v: T): void;
  read(r: Reader): T;
  /** Smallest encoding in bytes (bounds counts of arrays). */
  readonly minBytes: number;
}

/** Encodes a value with a codec. */
export function encode<T>(codec: Codec<T>, v: T): Uint8Array {
  const w = new Writer();
  codec.write(w, v);
  return w.finish();
}

/**
 * Decodes a whole buffer with a codec; any error other than {@link MonitorDecodeError} (a bad
 * key length caught by a nested validator, say) is wrapped into one.
 */
export function decode<T>(codec: Codec<T>, bytes: Uint8Array): T {
  try {
    const r = new Reader(bytes);
    const v = codec.read(r);
    r.end();
    return v;
  } catch (e) {
    if (e instanceof MonitorDecodeError) throw e;
    throw new MonitorDecodeError(`malformed: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** An unsigned byte. */
export const u8: Codec<number> = { write: (w, v) => w.u8(v), read: (r) => r.u8(), minBytes: 1 };
/** A big-endian `u16`. */
export const u16: Codec<number> = { write: (w, v) => w.u16(v), read: (r) => r.u16(), minBytes: 2 };
/** A big-endian `u32`. */
export const u32: Codec<number> = { write: (w, v) => w.u32(v), read: (r) => r.u32(), minBytes: 4 };
/** A big-endian `u64`. */
export const u64: Codec<bigint> = { write: (w, v) => w.u64(v), read: (r) => r.u64(), minBytes: 8 };
/** A signed 64-bit integer (two's complement). */
export const i64: Codec<bigint> = { write: (w, v) => w.u64(BigInt.asUintN(64, v)), read: (r) => BigInt.asIntN(64, r.u64()), minBytes: 8 };
/** A boolean byte (0 or 1; anything else is refused). */
export const bool: Codec<boolean> = {
  write: (w, v) => w.u8(v ? 1 : 0),
  read: (r) => {
    const b = r.u8();
    if (b > 1) throw new MonitorDecodeError(`boolean byte ${b}`);
    return b === 1;
  },
  minBytes: 1,
};

/** Exactly `n` bytes. */
export function fixed(n: number): Codec<Uint8Array> {
  return {
    write: (w, v) => {
      if (v.length !== n) throw new RangeError(`expected ${n} bytes, got ${v.length}`);
      w.bytes(v);
    },
    read: (r) => r.bytes(n),
    minBytes: n,
  };
}
/** A `u32`-length-prefixed byte string. */
export const varBytes: Codec<Uint8Array> = {
  write: (w, v) => (w.u32(v.length), w.bytes(v)),
  read: (r) => r.bytes(r.count(1)),
  minBytes: 4,
};
/** A `u32`-length-prefixed UTF-8 string. */
export const str: Codec<string> = {
  write: (w, v) => varBytes.write(w, new TextEncoder().encode(v)),
  read: (r) => new TextDecoder().decode(varBytes.read(r)),
  minBytes: 4,
};

/** A `u32`-counted list. */
export function array<T>(item: Codec<T>): Codec<readonly T[]> {
  return {
    write: (w, v) => {
      w.u32(v.length);
      for (const x of v) item.write(w, x);
    },
    read: (r) => {
      const n = r.count(item.minBytes);
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(item.read(r));
      return out;
    },
    minBytes: 4,
  };
}

/** A present flag, then the value. */
export function optional<T>(item: Codec<T>): Codec<T | undefined> {
  return {
    write: (w, v) => {
      w.u8(v === undefined ? 0 : 1);
      if (v !== undefined) item.write(w, v);
    },
    read: (r) => (bool.read(r) ? item.read(r) : undefined),
    minBytes: 1,
  };
}

type Fields = readonly (readonly [string, Codec<any>])[];
type StructOf<F extends Fields> = { -readonly [K in F[number] as K[0]]: K[1] extends Codec<infer T> ? T : never };

/**
 * An object whose fields are written in the declared order. An optional field (a codec made
 * with {@link optional}) that is `undefined` is left out of the decoded object rather than set
 * to `undefined`, so decoded values compare equal to the originals.
 */
export function struct<F extends Fields>(fields: F): Codec<StructOf<F>> {
  return {
    write: (w, v) => {
      for (const [name, codec] of fields) codec.write(w, (v as Record<string, unknown>)[name]);
    },
    read: (r) => {
      const out: Record<string, unknown> = {};
      for (const [name, codec] of fields) {
        const x = codec.read(r);
        if (x !== undefined) out[name] = x;
      }
      return out as StructOf<F>;
    },
    minBytes: fields.reduce((a, [, c]) => a + c.minBytes, 0),
  };
}

/** Maps a codec through conversions (e.g. branded types, validation). */
export function mapped<A, B>(inner: Codec<A>, to: (a: A) => B, from: (b: B) => A): Codec<B> {
  return { write: (w, v) => inner.write(w, from(v)), read: (r) => to(inner.read(r)), minBytes: inner.minBytes };
}

/**
 * A tagged union: a `u8` tag then the variant's fields. `variants` maps each `type` string to
 * its tag and the codec of the rest of the object.
 */
export function union<T extends { type: string }>(variants: Record<T['type'], readonly [number, Codec<any>]>): Codec<T> {
  const byTag = new Map<number, [string, Codec<any>]>();
  for (const [type, [tag, codec]] of Object.entries(variants) as [string, [number, Codec<any>]][]) byTag.set(tag, [type, codec]);
  return {
    write: (w, v) => {
      const entry = (variants as Record<string, readonly [number, Codec<any>]>)[v.type];
      if (!entry) throw new RangeError(`unknown variant ${v.type}`);
      w.u8(entry[0]);
      entry[1].write(w, v);
    },
    read: (r) => {
      const tag = r.u8();
      const entry = byTag.get(tag);
      if (!entry) throw new MonitorDecodeError(`unknown tag ${tag}`);
      return { type: entry[0], ...entry[1].read(r) } as T;
    },
    minBytes: 1,
  };
}

/** A codec whose declaration refers to itself or to codecs declared later. */
export function lazy<T>(f: () => Codec<T>): Codec<T> {
  let c: Codec<T> | undefined;
  const get = () => (c ??= f());
  return { write: (w, v) => get().write(w, v), read: (r) => get().read(r), minBytes: 0 };
}
