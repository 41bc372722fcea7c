/** Script building blocks: opcodes, data pushes, number pushes, and the standard output scripts. */
import { concatBytes, hash160, sha256 } from '@ln/crypto';
import { TransactionError } from '../errors.js';

/** The opcodes BOLT 3 scripts use. */
export const OP = {
  OP_0: 0x00,
  OP_PUSHDATA1: 0x4c,
  OP_1: 0x51,
  OP_2: 0x52,
  OP_16: 0x60,
  OP_IF: 0x63,
  OP_NOTIF: 0x64,
  OP_ELSE: 0x67,
  OP_ENDIF: 0x68,
  OP_DROP: 0x75,
  OP_DUP: 0x76,
  OP_IFDUP: 0x73,
  OP_SWAP: 0x7c,
  OP_SIZE: 0x82,
  OP_EQUAL: 0x87,
  OP_EQUALVERIFY: 0x88,
  OP_HASH160: 0xa9,
  OP_CHECKSIG: 0xac,
  OP_CHECKSIGVERIFY: 0xad,
  OP_CHECKMULTISIG: 0xae,
  OP_CHECKLOCKTIMEVERIFY: 0xb1,
  OP_CHECKSEQUENCEVERIFY: 0xb2,
} as const;

/** A minimal data push of `data` (up to 255 bytes: direct push or OP_PUSHDATA1). */
export function pushData(data: Uint8Array): Uint8Array {
  if (data.length < OP.OP_PUSHDATA1) return concatBytes(Uint8Array.of(data.length), data);
  if (data.length <= 0xff) return concatBytes(Uint8Array.of(OP.OP_PUSHDATA1, data.length), data);
  throw new TransactionError('invalid_value', `push of ${data.length} bytes is not supported`);
}

/** A minimal push of a non-negative script number (OP_0, OP_1..OP_16, or little-endian bytes with a sign bit). */
export function pushNumber(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0) throw new TransactionError('invalid_value', `script number must be a non-negative integer: ${n}`);
  if (n === 0) return Uint8Array.of(OP.OP_0);
  if (n <= 16) return Uint8Array.of(OP.OP_1 + n - 1);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.push(x % 256);
  if (bytes[bytes.length - 1]! & 0x80) bytes.push(0);
  return pushData(Uint8Array.from(bytes));
}

/** Concatenates opcodes (numbers) and pre-built fragments into a script. */
export function script(...parts: (number | Uint8Array)[]): Uint8Array {
  return concatBytes(...parts.map((p) => (typeof p === 'number' ? Uint8Array.of(p) : p)));
}

/** P2WSH output script: `OP_0 <sha256(witnessScript)>`. */
export function p2wsh(witnessScript: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x00, 0x20), sha256(witnessScript));
}
/** P2WPKH output script: `OP_0 <hash160(pubkey)>`. */
export function p2wpkh(pubkey: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x00, 0x14), hash160(pubkey));
}
/** P2TR output script: `OP_1 <32-byte x-only output key>`. */
export function p2tr(outputKey: Uint8Array): Uint8Array {
  if (outputKey.length !== 32) throw new TransactionError('invalid_value', 'taproot output key must be 32 bytes (x-only)');
  return concatBytes(Uint8Array.of(0x51, 0x20), outputKey);
}
/** P2PKH output script (legacy; only to read old funding inputs). */
export function p2pkh(pubkey: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), hash160(pubkey), Uint8Array.of(0x88, 0xac));
}
