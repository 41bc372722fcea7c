/** Short channel ids (BOLT 7): block height (3 bytes), transaction index (3 bytes), output index (2 bytes). */
import { DecodeError, EncodeError } from './errors.js';

/** The three parts of a short channel id. */
export interface ScidParts {
  readonly block: number;
  readonly txIndex: number;
  readonly outputIndex: number;
}

/** Builds a short channel id from its parts. */
export function scidFromParts(block: number, txIndex: number, outputIndex: number): bigint {
  if (!(block >= 0 && block < 2 ** 24 && txIndex >= 0 && txIndex < 2 ** 24 && outputIndex >= 0 && outputIndex < 2 ** 16)) {
    throw new EncodeError(`short channel id parts out of range: ${block}x${txIndex}x${outputIndex}`);
  }
  return (BigInt(block) << 40n) | (BigInt(txIndex) << 16n) | BigInt(outputIndex);
}
/** Splits a short channel id into its parts. */
export function scidToParts(scid: bigint): ScidParts {
  return { block: Number(scid >> 40n), txIndex: Number((scid >> 16n) & 0xffffffn), outputIndex: Number(scid & 0xffffn) };
}
/** The `BLOCKxTXxOUT` text form, e.g. `539268x845x1`. */
export function scidToString(scid: bigint): string {
  const p = scidToParts(scid);
  return `${p.block}x${p.txIndex}x${p.outputIndex}`;
}
/** Parses the `BLOCKxTXxOUT` text form; throws {@link DecodeError} on bad input. */
export function parseScid(text: string): bigint {
  const m = /^(\d{1,8})x(\d{1,8})x(\d{1,5})$/.exec(text);
  if (!m) throw new DecodeError('invalid_value', `not a short channel id: ${JSON.stringify(text)}`);
  const [b, t, o] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (b >= 2 ** 24 || t >= 2 ** 24 || o >= 2 ** 16) throw new DecodeError('invalid_value', `short channel id part out of range: ${text}`);
  return scidFromParts(b, t, o);
}
