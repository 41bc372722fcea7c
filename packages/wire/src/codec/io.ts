/** Byte reader and writer used by every codec; all reads are bounds-checked. */
import { DecodeError } from '../errors.js';

/** Reads big-endian values from bytes; throws {@link DecodeError} `short_read` past the end. */
export class Reader {
  pos: number;
  readonly end: number;
  private readonly dv: DataView;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  need(n: number, what: string): void {
    if (n > this.end - this.pos) throw new DecodeError('short_read', `${what}: need ${n} bytes, ${this.end - this.pos} left`);
  }
  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }
  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.dv.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.dv.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.dv.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }
  /** A copy of the next `n` bytes. */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** A sub-reader over the next `n` bytes (advancing this one past them). */
  sub(n: number, what = 'record'): Reader {
    this.need(n, what);
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
}

/** Appends big-endian values to a growing buffer. */
export class Writer {
  private buf: Uint8Array;
  private dv: DataView;
  len = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.dv = new DataView(this.buf.buffer);
  }
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
    this.buf[this.len++] = v;
  }
  u16(v: number): void {
    this.grow(2);
    this.dv.setUint16(this.len, v);
    this.len += 2;
  }
  u32(v: number): void {
    this.grow(4);
    this.dv.setUint32(this.len, v);
    this.len += 4;
  }
  u64(v: bigint): void {
    this.grow(8);
    this.dv.setBigUint64(this.len, v);
    this.len += 8;
  }
  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
