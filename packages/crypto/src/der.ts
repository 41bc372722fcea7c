/** DER encoding of ECDSA signatures, as bitcoin transactions carry them (BIP 66 strict DER). */
import { CryptoError } from './types.js';

function trimInt(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  if (v[0]! & 0x80) {
    const out = new Uint8Array(v.length + 1);
    out.set(v, 1);
    return out;
  }
  return v;
}

/** Encodes a 64-byte compact `r || s` signature as strict DER (without a sighash byte). */
export function signatureToDer(sig: Uint8Array): Uint8Array {
  if (sig.length !== 64) throw new CryptoError('compact signature must be 64 bytes');
  const r = trimInt(sig.subarray(0, 32));
  const s = trimInt(sig.subarray(32));
  const out = new Uint8Array(6 + r.length + s.length);
  out[0] = 0x30;
  out[1] = 4 + r.length + s.length;
  out[2] = 0x02;
  out[3] = r.length;
  out.set(r, 4);
  out[4 + r.length] = 0x02;
  out[5 + r.length] = s.length;
  out.set(s, 6 + r.length);
  return out;
}

/** Parses a strict DER signature (BIP 66 rules, no sighash byte) into 64-byte compact form. */
export function signatureFromDer(der: Uint8Array): Uint8Array {
  const fail = (why: string): never => {
    throw new CryptoError(`invalid DER signature: ${why}`);
  };
  if (der.length < 8 || der.length > 72) fail(`length ${der.length}`);
  if (der[0] !== 0x30) fail('not a sequence');
  if (der[1] !== der.length - 2) fail('sequence length mismatch');
  const readInt = (at: number): [Uint8Array, number] => {
    if (der[at] !== 0x02) fail('integer tag expected');
    const len = der[at + 1]!;
    if (len === 0) fail('zero-length integer');
    if (at + 2 + len > der.length) fail('integer overruns');
    const v = der.subarray(at + 2, at + 2 + len);
    if (v[0]! & 0x80) fail('negative integer');
    if (len > 1 && v[0] === 0 && !(v[1]! & 0x80)) fail('non-minimal integer padding');
    if (len > 33 || (len === 33 && v[0] !== 0)) fail('integer too large');
    return [v, at + 2 + len];
  };
  const [r, next] = readInt(2);
  const [s, end] = readInt(next);
  if (end !== der.length) fail('trailing bytes');
  const out = new Uint8Array(64);
  const rr = r[0] === 0 && r.length > 1 ? r.subarray(1) : r;
  const ss = s[0] === 0 && s.length > 1 ? s.subarray(1) : s;
  out.set(rr, 32 - rr.length);
  out.set(ss, 64 - ss.length);
  return out;
}
