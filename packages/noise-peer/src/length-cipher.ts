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
    const h = this.h;
    h.fill(0);
    t.fill(0);
    t[0] = c0 | (c1 << 8);
    addBlock(h, t);
    mulR(h, this.r);
    t[0] = 0;
    t[4] = 2; // byte 8: the ciphertext length, 2
    addBlock(h, t);
    mulR(h, this.r);
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

const d = new Float64Array(10);
/** h = h * r mod 2^130 - 5, limbs left below 2^13 (the first two may be a little above). Exact in doubles: every sum stays below 2^34. */
function mulR(h: Float64Array, r: Float64Array): void {
  for (let i = 0; i < 10; i++) {
    let s = 0;
    for (let j = 0; j <= i; j++) s += h[j]! * r[i - j]!;
    for (let j = i + 1; j < 10; j++) s += h[j]! * 5 * r[i - j + 10]!; // 2^130 = 5 mod p
    d[i] = s;
  }
  let c = 0;
  for (let i = 0; i < 10; i++) {
    const v = d[i]! + c;
    c = Math.floor(v / 8192);
    h[i] = v - c * 8192;
  }
  h[0] = h[0]! + c * 5;
  c = Math.floor(h[0]! / 8192);
  h[0] = h[0]! - c * 8192;
  h[1] = h[1]! + c;
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
  const words = [w0, w1, w2, w3, w4, w5, w6, w7];
  let carry = 0;
  for (let i = 0; i < 8; i++) {
    const sw = i & 1 ? k[4 + (i >> 1)]! >>> 16 : k[4 + (i >> 1)]! & 0xffff;
    const v = words[i]! + sw + carry;
    tag[2 * i] = v & 0xff;
    tag[2 * i + 1] = (v >>> 8) & 0xff;
    carry = v >>> 16;
  }
}
