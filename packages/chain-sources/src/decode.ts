/**
 * Readers for untrusted JSON and text: each checks a shape and throws only a `malformed`
 * {@link ChainSourceError} naming the endpoint and the field.
 *
 * @packageDocumentation
 */
import { blockHashFromHex, txidFromHex, type BlockHash, type Txid } from '@ln/chain-interfaces';
import { ChainSourceError } from './errors.js';

/** A JSON object as decoded, not yet checked field by field. */
export type JsonObject = { readonly [key: string]: unknown };

const fail = (endpoint: string, what: string, got: unknown): never => {
  let shown: string;
  try {
    shown = JSON.stringify(got)?.slice(0, 80) ?? String(got);
  } catch {
    shown = typeof got;
  }
  throw new ChainSourceError('malformed', `${what}, got ${shown}`, { endpoint });
};

/** Parses JSON text; a syntax error becomes `malformed`. */
export function parseJson(text: string, endpoint: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ChainSourceError('malformed', `response is not JSON: ${JSON.stringify(text.slice(0, 80))}`, { endpoint });
  }
}

/** Checks that `v` is a (non-array) object. */
export function expectObject(v: unknown, endpoint: string, what = 'response'): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(endpoint, `${what} must be a JSON object`, v);
  return v as JsonObject;
}

/** Own property of a decoded object (never reaches the prototype). */
export function field(o: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** A non-negative safe integer, at most `max`. */
export function expectUint(v: unknown, endpoint: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) fail(endpoint, `${what} must be an integer in [0, ${max}]`, v);
  return v as number;
}

/** A finite number. */
export function expectFinite(v: unknown, endpoint: string, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(endpoint, `${what} must be a finite number`, v);
  return v as number;
}

/** A boolean. */
export function expectBoolean(v: unknown, endpoint: string, what: string): boolean {
  if (typeof v !== 'boolean') fail(endpoint, `${what} must be a boolean`, v);
  return v as boolean;
}

/** A string. */
export function expectString(v: unknown, endpoint: string, what: string): string {
  if (typeof v !== 'string') fail(endpoint, `${what} must be a string`, v);
  return v as string;
}

const HEX32 = /^[0-9a-fA-F]{64}$/;

/** A block hash in display-order hex. */
export function expectBlockHash(v: unknown, endpoint: string, what = 'block hash'): BlockHash {
  if (typeof v !== 'string' || !HEX32.test(v)) fail(endpoint, `${what} must be 64 hex characters`, v);
  return blockHashFromHex(v as string);
}

/** A txid in display-order hex. */
export function expectTxid(v: unknown, endpoint: string, what = 'txid'): Txid {
  if (typeof v !== 'string' || !HEX32.test(v)) fail(endpoint, `${what} must be 64 hex characters`, v);
  return txidFromHex(v as string);
}

/** Bytes from hex (either case, even length), at most `maxBytes` long. */
export function expectHex(v: unknown, endpoint: string, what: string, maxBytes = Number.MAX_SAFE_INTEGER): Uint8Array {
  if (typeof v !== 'string' || v.length % 2 !== 0 || v.length / 2 > maxBytes || !/^[0-9a-fA-F]*$/.test(v)) {
    fail(endpoint, `${what} must be hex of even length (at most ${maxBytes} bytes)`, typeof v === 'string' ? v.slice(0, 80) : v);
  }
  const s = v as string;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(s.charCodeAt(2 * i));
    const lo = hexNibble(s.charCodeAt(2 * i + 1));
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return c - 55; // 'A'..'F', already checked by the pattern
}

/** Text of a plain-text response with surrounding whitespace removed. */
export function trimText(text: string): string {
  return text.trim();
}

/** A decimal integer written as plain text (Esplora's `/blocks/tip/height`). */
export function expectDecimalText(text: string, endpoint: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const t = text.trim();
  if (!/^[0-9]{1,16}$/.test(t)) fail(endpoint, `${what} must be a decimal integer`, t.slice(0, 80));
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n > max) fail(endpoint, `${what} must be at most ${max}`, t);
  return n;
}
