/**
 * BOLT 11 invoices: decoding with every reader requirement, verification, and encoding with a
 * signing callback (so a remote or hardware signer can sign).
 */
import { bech32 } from '@scure/base';
import { concatBytes, defaultSecp256k1, isHighS, normalizeLowS, sha256, type Secp256k1 } from '@ln/crypto';
import { Features } from '@ln/wire';
import { encodeAmount, INVOICE_PREFIXES, parseHrp, type InvoiceNetwork } from './amount.js';
import { fallbackAddressString } from './address.js';
import { InvoiceError } from './errors.js';
import type { FallbackAddress, Invoice, InvoiceFields, RawTaggedField, RouteHintHop } from './types.js';
import { BECH32_CHARSET, bytesToWords, intToWords, wordsToBytes, wordsToBytesPadded, wordsToInt } from './words.js';

/** Tagged field types (BOLT 11 "Tagged Fields"), by letter. */
export const TAG = Object.fromEntries([...'pshdnxcfr9m'].map((c) => [c, BECH32_CHARSET.indexOf(c)])) as Record<'p' | 's' | 'h' | 'd' | 'n' | 'x' | 'c' | 'f' | 'r' | '9' | 'm', number>;

const SIGNATURE_WORDS = 104;
const TIMESTAMP_WORDS = 7;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeBech32(str: string): { hrp: string; words: number[] } {
  if (typeof str !== 'string') throw new InvoiceError('invalid_input', 'invoice must be a string');
  if (str !== str.toLowerCase() && str !== str.toUpperCase()) throw new InvoiceError('mixed_case', 'invoice mixes upper and lower case');
  const s = str.toLowerCase();
  const sep = s.lastIndexOf('1');
  if (sep < 1) throw new InvoiceError('no_separator', 'invoice has no "1" separator');
  try {
    const { prefix, words } = bech32.decode(s as `${string}1${string}`, false);
    return { hrp: prefix, words: [...words] };
  } catch (e) {
    const msg = (e as Error).message ?? '';
    if (/checksum/i.test(msg)) throw new InvoiceError('invalid_checksum', 'bech32 checksum is invalid');
    throw new InvoiceError('invalid_bech32', `not a bech32 string: ${msg}`);
  }
}

function fieldNumber(data: readonly number[], what: string): number {
  if (data.length > 0 && data[0] === 0) throw new InvoiceError('non_minimal_field', `${what} has a non-minimal data_length (leading zero)`);
  const v = wordsToInt(data);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvoiceError('invalid_field', `${what} is too large`);
  return Number(v);
}

function parseRouteHint(bytes: Uint8Array): RouteHintHop[] {
  const hops: RouteHintHop[] = [];
  for (let at = 0; at + 51 <= bytes.length; at += 51) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset + at, 51);
    hops.push({
      pubkey: bytes.slice(at, at + 33),
      shortChannelId: dv.getBigUint64(33),
      feeBaseMsat: dv.getUint32(41),
      feeProportionalMillionths: dv.getUint32(45),
      cltvExpiryDelta: dv.getUint16(49),
    });
  }
  return hops;
}

/** Options of {@link decodeInvoice}. */
export interface DecodeOptions {
  /** The secp256k1 backend for signature checks (default: noble). */
  readonly secp?: Secp256k1;
}

/**
 * Decodes and verifies a BOLT 11 invoice. Throws only {@link InvoiceError}, with a `code` for
 * each rule of the spec's reader requirements.
 */
export function decodeInvoice(str: string, opts: DecodeOptions = {}): Invoice {
  const secp = opts.secp ?? defaultSecp256k1();
  const { hrp, words } = decodeBech32(str);
  const { network, amountMsat } = parseHrp(hrp);
  if (words.length < TIMESTAMP_WORDS + SIGNATURE_WORDS) throw new InvoiceError('too_short', `data part of ${words.length} words is too short`);
  const timestamp = Number(wordsToInt(words.slice(0, TIMESTAMP_WORDS)));
  const sigWords = words.slice(words.length - SIGNATURE_WORDS);
  const dataWords = words.slice(0, words.length - SIGNATURE_WORDS);

  const rawFields: RawTaggedField[] = [];
  let paymentHash: Uint8Array | undefined;
  let paymentSecret: Uint8Array | undefined;
  let description: string | undefined;
  let descriptionHash: Uint8Array | undefined;
  let payeeField: Uint8Array | undefined;
  let expiry: number | undefined;
  let minFinal: number | undefined;
  let features = Features.empty();
  let metadata: Uint8Array | undefined;
  let dCount = 0;
  let hCount = 0;
  const fallbacks: FallbackAddress[] = [];
  const routeHints: RouteHintHop[][] = [];
  for (let i = TIMESTAMP_WORDS; i < dataWords.length; ) {
    if (i + 3 > dataWords.length) throw new InvoiceError('invalid_field', 'truncated tagged field header');
    const type = dataWords[i]!;
    const len = dataWords[i + 1]! * 32 + dataWords[i + 2]!;
    const data = dataWords.slice(i + 3, i + 3 + len);
    if (data.length !== len) throw new InvoiceError('invalid_field', `tagged field of type ${BECH32_CHARSET[type]} overruns the data`);
    i += 3 + len;
    rawFields.push({ type, data });
    switch (type) {
      case TAG.p:
        if (len === 52 && !paymentHash) paymentHash = wordsToBytes(data);
        break;
      case TAG.s:
        if (len === 52 && !paymentSecret) paymentSecret = wordsToBytes(data);
        break;
      case TAG.h:
        if (len === 52) {
          hCount++;
          descriptionHash ??= wordsToBytes(data);
        }
        break;
      case TAG.n:
        if (len === 53 && !payeeField) payeeField = wordsToBytes(data);
        break;
      case TAG.d:
        dCount++;
        if (description === undefined) {
          try {
            description = utf8.decode(wordsToBytes(data));
          } catch {
            throw new InvoiceError('invalid_field', 'description is not valid UTF-8');
          }
        }
        break;
      case TAG.m:
        metadata ??= wordsToBytes(data);
        break;
      case TAG.x:
        expiry ??= fieldNumber(data, 'expiry (x)');
        break;
      case TAG.c:
        minFinal ??= fieldNumber(data, 'min_final_cltv_expiry_delta (c)');
        break;
      case TAG.f: {
        if (len === 0) break;
        const version = data[0]!;
        const program = wordsToBytes(data.slice(1));
        const address = fallbackAddressString(version, program, network);
        if (address) fallbacks.push({ version, program, address }); // unknown versions are skipped (BOLT 11)
        break;
      }
      case TAG.r:
        routeHints.push(parseRouteHint(wordsToBytes(data)));
        break;
      case TAG['9']: {
        if (len > 0 && data[0] === 0) throw new InvoiceError('non_minimal_field', 'features (9) have a non-minimal data_length');
        const bits: number[] = [];
        data.forEach((w, k) => {
          for (let b = 0; b < 5; b++) if ((w >> b) & 1) bits.push((data.length - 1 - k) * 5 + b);
        });
        features = Features.fromBits(bits);
        break;
      }
      default:
        break; // unknown fields are kept in rawFields and otherwise ignored
    }
  }
  if (!paymentHash) throw new InvoiceError('missing_payment_hash', 'no valid payment hash (p) field');
  if (!paymentSecret) throw new InvoiceError('missing_payment_secret', 'no valid payment secret (s) field');
  if (dCount + hCount === 0) throw new InvoiceError('missing_description', 'neither a description (d) nor a description hash (h)');
  if (dCount > 0 && hCount > 0) throw new InvoiceError('both_descriptions', 'both a description (d) and a description hash (h)');
  const unknownRequired = features.unknownRequiredBits();
  if (unknownRequired.length) throw new InvoiceError('unknown_required_feature', `unknown required feature bit(s) ${unknownRequired.join(', ')}`);

  const sigBytes = wordsToBytes(sigWords);
  const signature = sigBytes.slice(0, 64);
  const recoveryId = sigBytes[64]!;
  const hash = sha256(concatBytes(new TextEncoder().encode(hrp), wordsToBytesPadded(dataWords)));
  let payeeNodeId: Uint8Array;
  if (payeeField) {
    if (isHighS(signature)) throw new InvoiceError('high_s_signature', 'signature is not low-S, which is required with an n field');
    if (!secp.verify(signature, hash, payeeField)) throw new InvoiceError('invalid_signature', 'signature does not verify against the n field');
    payeeNodeId = payeeField;
  } else {
    try {
      if (recoveryId > 3) throw new Error('recovery id out of range');
      // BOLT 11 readers accept high-S signatures when recovering: S is normalized and the
      // recovery id kept, as the spec's "high-S" example expects.
      payeeNodeId = secp.recover(normalizeLowS(signature), recoveryId, hash);
    } catch {
      throw new InvoiceError('signature_not_recoverable', 'no public key can be recovered from the signature');
    }
  }
  const expirySeconds = expiry ?? 3600;
  return {
    network, hrp, amountMsat, timestamp, paymentHash, paymentSecret, description, descriptionHash,
    expirySeconds, minFinalCltvExpiryDelta: minFinal ?? 18, fallbackAddresses: fallbacks, routeHints, features,
    paymentMetadata: metadata, payeeNodeId, payeeNodeIdInField: payeeField !== undefined, signature, recoveryId, rawFields,
    isExpired: (now: number) => now > timestamp + expirySeconds,
  };
}

function field(type: number, data: readonly number[]): RawTaggedField {
  if (data.length > 1023) throw new InvoiceError('invalid_field', `field ${BECH32_CHARSET[type]} is longer than 1023 words`);
  return { type, data };
}

/** The tagged fields a writer emits for `f`, in BOLT 11 order: p, s, d/h, n, x, c, f, r, 9, m. */
export function fieldsOf(f: InvoiceFields): RawTaggedField[] {
  if ((f.description === undefined) === (f.descriptionHash === undefined)) {
    throw new InvoiceError('missing_description', 'exactly one of description and descriptionHash is required');
  }
  const out = [field(TAG.p, bytesToWords(f.paymentHash)), field(TAG.s, bytesToWords(f.paymentSecret))];
  if (f.description !== undefined) out.push(field(TAG.d, bytesToWords(new TextEncoder().encode(f.description))));
  else out.push(field(TAG.h, bytesToWords(f.descriptionHash!)));
  if (f.payeeNodeId) out.push(field(TAG.n, bytesToWords(f.payeeNodeId)));
  if (f.expirySeconds !== undefined) out.push(field(TAG.x, intToWords(f.expirySeconds)));
  if (f.minFinalCltvExpiryDelta !== undefined) out.push(field(TAG.c, intToWords(f.minFinalCltvExpiryDelta)));
  for (const fb of f.fallbackAddresses ?? []) out.push(field(TAG.f, [fb.version, ...bytesToWords(fb.program)]));
  for (const hint of f.routeHints ?? []) {
    const bytes = new Uint8Array(51 * hint.length);
    hint.forEach((h, k) => {
      const dv = new DataView(bytes.buffer, k * 51, 51);
      bytes.set(h.pubkey, k * 51);
      dv.setBigUint64(33, h.shortChannelId);
      dv.setUint32(41, h.feeBaseMsat);
      dv.setUint32(45, h.feeProportionalMillionths);
      dv.setUint16(49, h.cltvExpiryDelta);
    });
    out.push(field(TAG.r, bytesToWords(bytes)));
  }
  const bits = f.features?.setBits() ?? [];
  if (bits.length) {
    const words = new Array(Math.floor(Math.max(...bits) / 5) + 1).fill(0);
    for (const b of bits) words[words.length - 1 - Math.floor(b / 5)] |= 1 << (b % 5);
    out.push(field(TAG['9'], words));
  }
  if (f.paymentMetadata) out.push(field(TAG.m, bytesToWords(f.paymentMetadata)));
  return out;
}

/** A signer for invoices: signs the 32-byte hash (BOLT 11) and returns a recoverable signature. */
export type InvoiceSigner = (hash: Uint8Array) => { signature: Uint8Array; recoveryId: number };

/**
 * Encodes an invoice from its human-readable part, timestamp and tagged fields, signing with
 * `sign` (e.g. `NodeSigner.signInvoice`). Passing a decoded invoice's `hrp`, `timestamp` and
 * `rawFields` with a signer that returns its signature reproduces the original string.
 */
export function encodeInvoiceRaw(hrp: string, timestamp: number, fields: readonly RawTaggedField[], sign: InvoiceSigner): string {
  if (!Number.isInteger(timestamp) || timestamp < 0 || timestamp >= 2 ** 35) throw new InvoiceError('invalid_field', 'timestamp must fit in 35 bits');
  const ts = intToWords(timestamp);
  const data = [...new Array(TIMESTAMP_WORDS - ts.length).fill(0), ...ts];
  for (const f of fields) data.push(f.type, f.data.length >> 5, f.data.length & 31, ...f.data);
  const { signature, recoveryId } = sign(sha256(concatBytes(new TextEncoder().encode(hrp), wordsToBytesPadded(data))));
  const sigWords = bytesToWords(Uint8Array.from([...signature, recoveryId]));
  return bech32.encode(hrp, [...data, ...sigWords], false);
}

/** Encodes and signs an invoice from its fields. */
export function encodeInvoice(f: InvoiceFields, sign: InvoiceSigner): string {
  const prefix = INVOICE_PREFIXES.find(([, n]) => n === f.network)![0];
  const hrp = prefix + (f.amountMsat !== undefined ? encodeAmount(f.amountMsat) : '');
  return encodeInvoiceRaw(hrp, f.timestamp, fieldsOf(f), sign);
}

/** Creates and signs an invoice with the node's secret key (convenience over {@link encodeInvoice}). */
export function createInvoice(f: InvoiceFields, nodeSecretKey: Uint8Array, secp: Secp256k1 = defaultSecp256k1()): string {
  return encodeInvoice(f, (hash) => secp.signRecoverable(hash, nodeSecretKey));
}

/** Checks an invoice string: decodes it, verifies its signature, and that it is not expired at `nowSeconds`. */
export function verifyInvoice(str: string, nowSeconds?: number, opts: DecodeOptions = {}): { valid: true; invoice: Invoice } | { valid: false; error: InvoiceError } {
  try {
    const invoice = decodeInvoice(str, opts);
    if (nowSeconds !== undefined && invoice.isExpired(nowSeconds)) return { valid: false, error: new InvoiceError('invalid_input', 'invoice has expired') };
    return { valid: true, invoice };
  } catch (e) {
    if (e instanceof InvoiceError) return { valid: false, error: e };
    throw e;
  }
}

export type { InvoiceNetwork };
