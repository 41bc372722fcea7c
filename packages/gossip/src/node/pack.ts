/**
 * The wire format between the main thread and the verify workers: checks packed into one
 * transferable buffer (`u32 length, message, u8 count, count × (64-byte signature, 33-byte
 * key)` each), results as one `Int8Array` (-1 valid, ≥0 first bad signature).
 */
import type { SignatureCheck } from '../verifier.js';

/** Packs checks into one buffer. */
export function packChecks(checks: readonly SignatureCheck[]): Uint8Array {
  let n = 0;
  for (const c of checks) n += 5 + c.message.length + c.signatures.length * 97;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const c of checks) {
    dv.setUint32(o, c.message.length);
    out.set(c.message, o + 4);
    o += 4 + c.message.length;
    out[o++] = c.signatures.length;
    for (let i = 0; i < c.signatures.length; i++) {
      out.set(c.signatures[i]!, o);
      out.set(c.publicKeys[i]!, o + 64);
      o += 97;
    }
  }
  return out;
}

/** Unpacks checks (views into `buf`). */
export function unpackChecks(buf: Uint8Array): SignatureCheck[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: SignatureCheck[] = [];
  let o = 0;
  while (o < buf.length) {
    const len = dv.getUint32(o);
    const message = buf.subarray(o + 4, o + 4 + len);
    o += 4 + len;
    const count = buf[o++]!;
    const signatures: Uint8Array[] = [];
    const publicKeys: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      signatures.push(buf.subarray(o, o + 64));
      publicKeys.push(buf.subarray(o + 64, o + 97));
      o += 97;
    }
    out.push({ message, signatures, publicKeys });
  }
  return out;
}
