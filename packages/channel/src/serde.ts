/**
 * A small self-describing binary format for persisted state: `null`/`undefined`, booleans,
 * numbers, bigints, strings, byte arrays, arrays and plain objects. `ChannelManager` state is
 * plain data, so one codec covers it; decoding untrusted bytes throws {@link StateDecodeError},
 * never a `RangeError`, and is bounded by the input length.
 */

const enum Tag {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  Number = 4,
  BigInt = 5,
  NegBigInt = 6,
  Bytes = 7,
  String = 8,
  Array = 9,
  Object = 10,
}

/** A value the codec can hold. */
export type StateValue =
  | undefined
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly StateValue[]
  | { readonly [k: string]: StateValue };

/** Malformed persisted state. */
export class StateDecodeError extends Error {
  override readonly name = 'StateDecodeError';
}

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: true });

class Out {
  private buf = new Uint8Array(256);
  len = 0;
  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  byte(b: number): void {
    this.grow(1);
    this.buf[this.len++] = b;
  }
  varint(n: number): void {
    while (n >= 0x80) {
      this.byte((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    this.byte(n);
  }
  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function write(o: Out, v: StateValue): void {
  if (v === undefined) return o.byte(Tag.Undefined);
  if (v === null) return o.byte(Tag.Null);
  if (v === false) return o.byte(Tag.False);
  if (v === true) return o.byte(Tag.True);
  if (typeof v === 'number') {
    o.byte(Tag.Number);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v);
    return o.bytes(b);
  }
  if (typeof v === 'bigint') {
    o.byte(v < 0n ? Tag.NegBigInt : Tag.BigInt);
    let m = v < 0n ? -v : v;
    const digits: number[] = [];
    while (m > 0n) {
      digits.push(Number(m & 0xffn));
      m >>= 8n;
    }
    o.varint(digits.length);
    return o.bytes(Uint8Array.from(digits));
  }
  if (typeof v === 'string') {
    const b = te.encode(v);
    o.byte(Tag.String);
    o.varint(b.length);
    return o.bytes(b);
  }
  if (v instanceof Uint8Array) {
    o.byte(Tag.Bytes);
    o.varint(v.length);
    return o.bytes(v);
  }
  if (Array.isArray(v)) {
    o.byte(Tag.Array);
    o.varint(v.length);
    for (const x of v) write(o, x);
    return;
  }
  if (typeof v === 'object') {
    const keys = Object.keys(v).filter((k) => (v as Record<string, StateValue>)[k] !== undefined);
    o.byte(Tag.Object);
    o.varint(keys.length);
    for (const k of keys) {
      const kb = te.encode(k);
      o.varint(kb.length);
      o.bytes(kb);
      write(o, (v as Record<string, StateValue>)[k]);
    }
    return;
  }
  throw new TypeError(`cannot serialize a ${typeof v}`);
}

class In {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new StateDecodeError(`truncated state at byte ${this.pos}`);
    return this.b[this.pos++]!;
  }
  varint(): number {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const x = this.byte();
      n += (x & 0x7f) * mul;
      if (x < 0x80) return n;
      mul *= 128;
    }
    throw new StateDecodeError('varint too long');
  }
  take(n: number): Uint8Array {
    if (n > this.b.length - this.pos) throw new StateDecodeError(`length ${n} runs past the end of the state (${this.b.length - this.pos} bytes left)`);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function read(i: In, depth: number): StateValue {
  if (depth > 64) throw new StateDecodeError('state nested too deeply');
  const tag = i.byte();
  switch (tag) {
    case Tag.Undefined:
      return undefined;
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Number:
      return new DataView(i.take(8).slice().buffer).getFloat64(0);
    case Tag.BigInt:
    case Tag.NegBigInt: {
      const d = i.take(i.varint());
      let m = 0n;
      for (let k = d.length - 1; k >= 0; k--) m = (m << 8n) | BigInt(d[k]!);
      return tag === Tag.NegBigInt ? -m : m;
    }
    case Tag.Bytes:
      return i.take(i.varint()).slice();
    case Tag.String:
      try {
        return td.decode(i.take(i.varint()));
      } catch (e) {
        if (e instanceof StateDecodeError) throw e;
        throw new StateDecodeError('invalid UTF-8 in a state string');
      }
    case Tag.Array: {
      const n = i.varint();
      if (n > i.b.length - i.pos) throw new StateDecodeError(`array of ${n} items cannot fit in the remaining bytes`);
      const out: StateValue[] = [];
      for (let k = 0; k < n; k++) out.push(read(i, depth + 1));
      return out;
    }
    case Tag.Object: {
      const n = i.varint();
      if (n > i.b.length - i.pos) throw new StateDecodeError(`object of ${n} fields cannot fit in the remaining bytes`);
      const out: Record<string, StateValue> = {};
      for (let k = 0; k < n; k++) {
        let key: string;
        try {
          key = td.decode(i.take(i.varint()));
        } catch (e) {
          if (e instanceof StateDecodeError) throw e;
          throw new StateDecodeError('invalid UTF-8 in a state key');
        }
        if (key === '__proto__') throw new StateDecodeError('forbidden key __proto__');
        out[key] = read(i, depth + 1);
      }
      return out;
    }
    default:
      throw new StateDecodeError(`unknown tag ${tag} at byte ${i.pos - 1}`);
  }
}

/** Encodes a state value to bytes. */
export function encodeState(v: StateValue): Uint8Array {
  const o = new Out();
  write(o, v);
  return o.result();
}

/** Decodes bytes from {@link encodeState}; throws {@link StateDecodeError} on malformed input. */
export function decodeState(b: Uint8Array): StateValue {
  const i = new In(b);
  const v = read(i, 0);
  if (i.pos !== b.length) throw new StateDecodeError(`${b.length - i.pos} trailing bytes after the state`);
  return v;
}
