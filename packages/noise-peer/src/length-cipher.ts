/**
 * ChaCha20-Poly1305 (RFC 8439) specialised to BOLT 8's encrypted length prefix: a 2-byte
 * plaintext, empty associated data, the BOLT 8 nonce (32 zero bits, then a counter below
 * 2^32 little-endian). A general AEAD call costs about as much for 2 bytes as for 100 (its
 * fixed setup dominates), so with two calls per message the length would cost as much as a
 * small body; this one does just the two ChaCha20 blocks (the Poly1305 key, then 2 bytes of
 * keystream) and Poly1305 over the two 16-byte blocks the construction defines (the padded
 * ciphertext; the AD and ciphertext lengths). Tested byte for byte against the generic
 * backends (`test/length-cipher.test.ts`) and by every BOLT 8 message vector.
 */

/** One key's ChaCha20 state words (the key changes every 1000 messages, BOLT 8 key rotation). */
export class LengthCipher {
  private readonly state = new Uint32Array(16);
  private readonly block0 = new Uint32Array(16);
  private readonly r = new Float64Array(10);
  /** 5·r, for the limbs that wrap past 2^130 (2^130 = 5 mod p). */
  private readonly r5 = new Float64Array(10);
  private readonly h = new Float64Array(10);
  private readonly t = new Uint16Array(8);
  private readonly tag = new Uint8Array(16);

  constructor(key: Uint8Array) {
    this.setKey(key);
  }

  /** Uses a new 32-byte key. */
  setKey(key: Uint8Array): void {
    const st = this.state;
    st[0] = 0x61707865;
    st[1] = 0x3320646e;
    st[2] = 0x79622d32;
    st[3] = 0x6b206574;
    for (let i = 0; i < 8; i++) st[4 + i] = key[4 * i]! | (key[4 * i + 1]! << 8) | (key[4 * i + 2]! << 16) | (key[4 * i + 3]! << 24);
    st[13] = 0; // nonce word 0: BOLT 8's 32 zero bits
    st[15] = 0; // nonce word 2: the counter's high half (it never passes 999)
  }

  /** Encrypts the 2-byte length `len` under nonce `n`: 2 bytes of ciphertext and the 16-byte tag, into `out` (18 bytes). */
  encrypt(n: number, len: number, out: Uint8Array): Uint8Array {
    const ks = this.keystream(n);
    const c0 = (len >>> 8) ^ (ks & 0xff);
    const c1 = (len & 0xff) ^ ((ks >>> 8) & 0xff);
    this.mac(c0, c1);
    out[0] = c0;
    out[1] = c1;
    out.set(this.tag, 2);
    return out;
  }

  /** Checks and decrypts an 18-byte encrypted length; returns the length, or -1 when the tag does not verify. */
  decrypt(n: number, header: Uint8Array): number {
    const ks = this.keystream(n);
    const c0 = header[0]!;
    const c1 = header[1]!;
    this.mac(c0, c1);
    let diff = 0;
    for (let i = 0; i < 16; i++) diff |= this.tag[i]! ^ header[2 + i]!;
    if (diff !== 0) return -1;
    return ((c0 ^ (ks & 0xff)) << 8) | (c1 ^ ((ks >>> 8) & 0xff));
  }

  /** Block 0 (the Poly1305 key, left in `block0`) and the first keystream word of block 1. */
  private keystream(n: number): number {
    const st = this.state;
    st[14] = n;
    st[12] = 0;
    chachaBlock(st, this.block0);
    st[12] = 1;
    return chachaBlockWord0(st);
  }

  /** Poly1305 (key from block 0) over [c0, c1, 0 x 14] and [le64(0), le64(2)]; the tag lands in `this.tag`. */
  private mac(c0: number, c1: number): void {
    const k = this.block0;
    const t = this.t;
    // r: the first 16 bytes, clamped (RFC 8439 2.5), as 16-bit words, then 13-bit limbs.
    t[0] = k[0]! & 0xffff;
    t[1] = (k[0]! >>> 16) & 0x0fff;
    t[2] = k[1]! & 0xfffc;
    t[3] = (k[1]! >>> 16) & 0x0fff;
    t[4] = k[2]! & 0xfffc;
    t[5] = (k[2]! >>> 16) & 0x0fff;
    t[6] = k[3]! & 0xfffc;
    t[7] = (k[3]! >>> 16) & 0x0fff;
    toLimbs(t, this.r, 0);
    for (let i = 0; i < 10; i++) this.r5[i] = 5 * this.r[i]!;
    const h = this.h;
    h.fill(0);
    t.fill(0);
    t[0] = c0 | (c1 << 8);
    addBlock(h, t);
    mulR(h, this.r, this.r5);
    t[0] = 0;
    t[4] = 2; // byte 8: the ciphertext length, 2
    addBlock(h, t);
    mulR(h, this.r, this.r5);
    finish(h, k, this.tag);
  }
}

const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

/** The 20 ChaCha20 rounds of `st`, added to `st`, into `out`. */
function chachaBlock(st: Uint32Array, out: Uint32Array): void {
  let x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!, x4 = st[4]!, x5 = st[5]!, x6 = st[6]!, x7 = st[7]!;
  let x8 = st[8]!, x9 = st[9]!, x10 = st[10]!, x11 = st[11]!, x12 = st[12]!, x13 = st[13]!, x14 = st[14]!, x15 = st[15]!;
  for (let i = 0; i < 10; i++) {
    x0 = (x0 + x4) | 0; x12 = rotl(x12 ^ x0, 16); x8 = (x8 + x12) | 0; x4 = rotl(x4 ^ x8, 12);
    x0 = (x0 + x4) | 0; x12 = rotl(x12 ^ x0, 8); x8 = (x8 + x12) | 0; x4 = rotl(x4 ^ x8, 7);
    x1 = (x1 + x5) | 0; x13 = rotl(x13 ^ x1, 16); x9 = (x9 + x13) | 0; x5 = rotl(x5 ^ x9, 12);
    x1 = (x1 + x5) | 0; x13 = rotl(x13 ^ x1, 8); x9 = (x9 + x13) | 0; x5 = rotl(x5 ^ x9, 7);
    x2 = (x2 + x6) | 0; x14 = rotl(x14 ^ x2, 16); x10 = (x10 + x14) | 0; x6 = rotl(x6 ^ x10, 12);
    x2 = (x2 + x6) | 0; x14 = rotl(x14 ^ x2, 8); x10 = (x10 + x14) | 0; x6 = rotl(x6 ^ x10, 7);
    x3 = (x3 + x7) | 0; x15 = rotl(x15 ^ x3, 16); x11 = (x11 + x15) | 0; x7 = rotl(x7 ^ x11, 12);
    x3 = (x3 + x7) | 0; x15 = rotl(x15 ^ x3, 8); x11 = (x11 + x15) | 0; x7 = rotl(x7 ^ x11, 7);
    x0 = (x0 + x5) | 0; x15 = rotl(x15 ^ x0, 16); x10 = (x10 + x15) | 0; x5 = rotl(x5 ^ x10, 12);
    x0 = (x0 + x5) | 0; x15 = rotl(x15 ^ x0, 8); x10 = (x10 + x15) | 0; x5 = rotl(x5 ^ x10, 7);
    x1 = (x1 + x6) | 0; x12 = rotl(x12 ^ x1, 16); x11 = (x11 + x12) | 0; x6 = rotl(x6 ^ x11, 12);
    x1 = (x1 + x6) | 0; x12 = rotl(x12 ^ x1, 8); x11 = (x11 + x12) | 0; x6 = rotl(x6 ^ x11, 7);
    x2 = (x2 + x7) | 0; x13 = rotl(x13 ^ x2, 16); x8 = (x8 + x13) | 0; x7 = rotl(x7 ^ x8, 12);
    x2 = (x2 + x7) | 0; x13 = rotl(x13 ^ x2, 8); x8 = (x8 + x13) | 0; x7 = rotl(x7 ^ x8, 7);
    x3 = (x3 + x4) | 0; x14 = rotl(x14 ^ x3, 16); x9 = (x9 + x14) | 0; x4 = rotl(x4 ^ x9, 12);
    x3 = (x3 + x4) | 0; x14 = rotl(x14 ^ x3, 8); x9 = (x9 + x14) | 0; x4 = rotl(x4 ^ x9, 7);
  }
  out[0] = x0 + st[0]!; out[1] = x1 + st[1]!; out[2] = x2 + st[2]!; out[3] = x3 + st[3]!;
  out[4] = x4 + st[4]!; out[5] = x5 + st[5]!; out[6] = x6 + st[6]!; out[7] = x7 + st[7]!;
  out[8] = x8 + st[8]!; out[9] = x9 + st[9]!; out[10] = x10 + st[10]!; out[11] = x11 + st[11]!;
  out[12] = x12 + st[12]!; out[13] = x13 + st[13]!; out[14] = x14 + st[14]!; out[15] = x15 + st[15]!;
}

const scratch = new Uint32Array(16);
/** Word 0 of the ChaCha20 block of `st` (the first 4 keystream bytes). */
function chachaBlockWord0(st: Uint32Array): number {
  chachaBlock(st, scratch);
  return scratch[0]!;
}

/** Eight 16-bit little-endian words (128 bits) as ten 13-bit limbs, plus `hibit` at bit 128. */
function toLimbs(t: Uint16Array, out: Float64Array, hibit: number): void {
  out[0] = t[0]! & 0x1fff;
  out[1] = ((t[0]! >>> 13) | (t[1]! << 3)) & 0x1fff;
  out[2] = ((t[1]! >>> 10) | (t[2]! << 6)) & 0x1fff;
  out[3] = ((t[2]! >>> 7) | (t[3]! << 9)) & 0x1fff;
  out[4] = ((t[3]! >>> 4) | (t[4]! << 12)) & 0x1fff;
  out[5] = (t[4]! >>> 1) & 0x1fff;
  out[6] = ((t[4]! >>> 14) | (t[5]! << 2)) & 0x1fff;
  out[7] = ((t[5]! >>> 11) | (t[6]! << 5)) & 0x1fff;
  out[8] = ((t[6]! >>> 8) | (t[7]! << 8)) & 0x1fff;
  out[9] = (t[7]! >>> 5) | hibit;
}

const block = new Float64Array(10);
/** h += the 16-byte block `t` with the 2^128 bit (a full Poly1305 block). */
function addBlock(h: Float64Array, t: Uint16Array): void {
  toLimbs(t, block, 1 << 11);
  for (let i = 0; i < 10; i++) h[i] = h[i]! + block[i]!;
}

/** h = h * r mod 2^130 - 5, limbs left below 2^13 (the first two may be a little above). Exact in doubles: every sum stays below 2^34. */
function mulR(h: Float64Array, r: Float64Array, r5: Float64Array): void {
  const h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!, h5 = h[5]!, h6 = h[6]!, h7 = h[7]!, h8 = h[8]!, h9 = h[9]!;
  const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!, r4 = r[4]!, r5_ = r[5]!, r6 = r[6]!, r7 = r[7]!, r8 = r[8]!, r9 = r[9]!;
  const s1 = r5[1]!, s2 = r5[2]!, s3 = r5[3]!, s4 = r5[4]!, s5 = r5[5]!, s6 = r5[6]!, s7 = r5[7]!, s8 = r5[8]!, s9 = r5[9]!;
  let d0 = h0 * r0 + h1 * s9 + h2 * s8 + h3 * s7 + h4 * s6 + h5 * s5 + h6 * s4 + h7 * s3 + h8 * s2 + h9 * s1;
  let d1 = h0 * r1 + h1 * r0 + h2 * s9 + h3 * s8 + h4 * s7 + h5 * s6 + h6 * s5 + h7 * s4 + h8 * s3 + h9 * s2;
  let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s9 + h4 * s8 + h5 * s7 + h6 * s6 + h7 * s5 + h8 * s4 + h9 * s3;
  let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s9 + h5 * s8 + h6 * s7 + h7 * s6 + h8 * s5 + h9 * s4;
  let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * s9 + h6 * s8 + h7 * s7 + h8 * s6 + h9 * s5;
  let d5 = h0 * r5_ + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0 + h6 * s9 + h7 * s8 + h8 * s7 + h9 * s6;
  let d6 = h0 * r6 + h1 * r5_ + h2 * r4 + h3 * r3 + h4 * r2 + h5 * r1 + h6 * r0 + h7 * s9 + h8 * s8 + h9 * s7;
  let d7 = h0 * r7 + h1 * r6 + h2 * r5_ + h3 * r4 + h4 * r3 + h5 * r2 + h6 * r1 + h7 * r0 + h8 * s9 + h9 * s8;
  let d8 = h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5_ + h4 * r4 + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * s9;
  let d9 = h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5_ + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
  // Carry through the limbs (13 bits each), folding the top carry back in as 5 (2^130 = 5 mod p).
  let c = Math.floor(d0 / 8192); d0 -= c * 8192;
  d1 += c; c = Math.floor(d1 / 8192); d1 -= c * 8192;
  d2 += c; c = Math.floor(d2 / 8192); d2 -= c * 8192;
  d3 += c; c = Math.floor(d3 / 8192); d3 -= c * 8192;
  d4 += c; c = Math.floor(d4 / 8192); d4 -= c * 8192;
  d5 += c; c = Math.floor(d5 / 8192); d5 -= c * 8192;
  d6 += c; c = Math.floor(d6 / 8192); d6 -= c * 8192;
  d7 += c; c = Math.floor(d7 / 8192); d7 -= c * 8192;
  d8 += c; c = Math.floor(d8 / 8192); d8 -= c * 8192;
  d9 += c; c = Math.floor(d9 / 8192); d9 -= c * 8192;
  d0 += c * 5; c = Math.floor(d0 / 8192); d0 -= c * 8192; d1 += c;
  h[0] = d0; h[1] = d1; h[2] = d2; h[3] = d3; h[4] = d4; h[5] = d5; h[6] = d6; h[7] = d7; h[8] = d8; h[9] = d9;
}

const g = new Float64Array(10);
/** The tag: h fully reduced mod 2^130 - 5, plus s (the key's second 16 bytes), mod 2^128. */
function finish(h: Float64Array, k: Uint32Array, tag: Uint8Array): void {
  // Full carry, folding what passes bit 130 back in as 5 (at most twice).
  let c = 0;
  for (let pass = 0; pass < 3; pass++) {
    for (let i = 0; i < 10; i++) {
      const v = h[i]! + c;
      c = v >>> 13;
      h[i] = v & 0x1fff;
    }
    if (c === 0) break;
    c *= 5;
  }
  // h < 2^130 now; h >= p exactly when h + 5 carries out of bit 130.
  c = 5;
  for (let i = 0; i < 10; i++) {
    const v = h[i]! + c;
    c = v >>> 13;
    g[i] = v & 0x1fff;
  }
  const f = c ? g : h;
  const w0 = (f[0]! | (f[1]! << 13)) & 0xffff;
  const w1 = ((f[1]! >>> 3) | (f[2]! << 10)) & 0xffff;
  const w2 = ((f[2]! >>> 6) | (f[3]! << 7)) & 0xffff;
  const w3 = ((f[3]! >>> 9) | (f[4]! << 4)) & 0xffff;
  const w4 = ((f[4]! >>> 12) | (f[5]! << 1) | (f[6]! << 14)) & 0xffff;
  const w5 = ((f[6]! >>> 2) | (f[7]! << 11)) & 0xffff;
  const w6 = ((f[7]! >>> 5) | (f[8]! << 8)) & 0xffff;
  const w7 = ((f[8]! >>> 8) | (f[9]! << 5)) & 0xffff;
  let carry = addWord(tag, 0, w0, k[4]! & 0xffff, 0);
  carry = addWord(tag, 1, w1, k[4]! >>> 16, carry);
  carry = addWord(tag, 2, w2, k[5]! & 0xffff, carry);
  carry = addWord(tag, 3, w3, k[5]! >>> 16, carry);
  carry = addWord(tag, 4, w4, k[6]! & 0xffff, carry);
  carry = addWord(tag, 5, w5, k[6]! >>> 16, carry);
  carry = addWord(tag, 6, w6, k[7]! & 0xffff, carry);
  addWord(tag, 7, w7, k[7]! >>> 16, carry);
}

/** Tag word `i` (16 bits, little-endian) = `w + s + carry`; returns the carry out. */
function addWord(tag: Uint8Array, i: number, w: number, s: number, carry: number): number {
  const v = w + s + carry;
  tag[2 * i] = v & 0xff;
  tag[2 * i + 1] = (v >>> 8) & 0xff;
  return v >>> 16;
}
