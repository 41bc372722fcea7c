/** 5-bit word helpers (bech32 data) for BOLT 11. */

/** The bech32 alphabet: a word's value is its index (`p` = 1, `s` = 16, …). */
export const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** Bytes from 5-bit words, dropping the trailing padding bits. */
export function wordsToBytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(Math.floor((words.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (const w of words) {
    acc = ((acc << 5) | w) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Bytes from 5-bit words, keeping the final partial byte zero-padded (the signing data of BOLT 11). */
export function wordsToBytesPadded(words: readonly number[]): Uint8Array {
  const n = Math.ceil((words.length * 5) / 8);
  const out = new Uint8Array(n);
  let bitPos = 0;
  for (const w of words) {
    for (let b = 4; b >= 0; b--) {
      if ((w >> b) & 1) out[bitPos >> 3]! |= 0x80 >> (bitPos & 7);
      bitPos++;
    }
  }
  return out;
}

/** 5-bit words from bytes, zero-padding the last word. */
export function bytesToWords(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push((acc >> bits) & 31);
    }
  }
  if (bits > 0) out.push((acc << (5 - bits)) & 31);
  return out;
}

/** A non-negative integer as the fewest 5-bit words (big-endian); `0` is zero words. */
export function intToWords(n: number | bigint): number[] {
  let x = BigInt(n);
  const out: number[] = [];
  while (x > 0n) {
    out.unshift(Number(x & 31n));
    x >>= 5n;
  }
  return out;
}

/** The integer value of big-endian 5-bit words. */
export function wordsToInt(words: readonly number[]): bigint {
  let x = 0n;
  for (const w of words) x = (x << 5n) | BigInt(w);
  return x;
}
