import { readFileSync } from 'node:fs';

const shared = new URL('../../../../shared/vectors/', import.meta.url);
/** Reads a vector file from ../shared/vectors. */
export const vectors = (name: string) => JSON.parse(readFileSync(new URL(name, shared), 'utf8'));
/** Hex to bytes; a 33-byte private key with the trailing 01 (compressed-key convention) is cut to 32. */
export const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
export const key = (s: string) => hex(s).subarray(0, 32);
export const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
