/**
 * BOLT 1 "Type-Length-Value Format": TLV streams with strictly increasing types, canonical
 * BigSize types and lengths, unknown even types rejected and unknown odd types kept (so that
 * re-encoding reproduces the original bytes).
 */
import { DecodeError } from '../errors.js';
import { Reader, Writer } from './io.js';
import { bigsize, type Codec, type CodecValue } from './primitives.js';

/** One TLV record type of a stream: its type number and the codec of its value. */
export interface TlvRecordDef<T = unknown> {
  readonly type: bigint;
  readonly codec: Codec<T>;
}

/** A declared TLV stream: record names (camelCase of the spec's) to their definitions. */
export type TlvSchema = Record<string, TlvRecordDef<any>>;

/** A TLV record this library does not know (odd type), kept as raw bytes. */
export interface UnknownTlv {
  readonly type: bigint;
  readonly value: Uint8Array;
}

/** The decoded records of a stream: known ones by name, unknown odd ones in `unknown`. */
export type TlvValues<S extends TlvSchema> = { [K in keyof S]?: CodecValue<S[K]['codec']> } & { unknown?: UnknownTlv[] };

/** Declares a TLV record. */
export function tlv<T>(type: number | bigint, codec: Codec<T>): TlvRecordDef<T> {
  return { type: BigInt(type), codec };
}

/** Decodes a whole TLV stream from `r` (to its end) against `schema`. */
export function decodeTlvStream<S extends TlvSchema>(r: Reader, schema: S): TlvValues<S> {
  const byType = schemaIndex(schema);
  const out: Record<string, unknown> = {};
  const unknown: UnknownTlv[] = [];
  let prev = -1n;
  while (r.remaining > 0) {
    const type = bigsize.decode(r);
    const length = bigsize.decode(r);
    if (length > BigInt(r.remaining)) throw new DecodeError('short_read', `TLV type ${type}: length ${length} exceeds the ${r.remaining} bytes left`);
    if (type === prev) throw new DecodeError('tlv_duplicate', `TLV type ${type} appears twice`);
    if (type < prev) throw new DecodeError('tlv_not_increasing', `TLV type ${type} follows type ${prev}`);
    prev = type;
    const rec = r.sub(Number(length));
    const known = byType.get(type);
    if (known) {
      const [name, def] = known;
      let value: unknown;
      try {
        value = def.codec.decode(rec);
      } catch (e) {
        if (e instanceof DecodeError && e.code === 'short_read') {
          throw new DecodeError('tlv_length_mismatch', `TLV ${name} (type ${type}): length ${length} is less than its fields need`);
        }
        throw e;
      }
      if (rec.remaining > 0) throw new DecodeError('tlv_length_mismatch', `TLV ${name} (type ${type}): ${rec.remaining} bytes beyond its fields`);
      out[name] = value;
    } else if (type % 2n === 0n) {
      throw new DecodeError('unknown_even_tlv', `unknown even TLV type ${type}`);
    } else {
      unknown.push({ type, value: rec.bytes(rec.remaining) });
    }
  }
  if (unknown.length) out['unknown'] = unknown;
  return out as TlvValues<S>;
}

/** Encodes the records of `values` (known and unknown) in increasing type order. */
export function encodeTlvStream<S extends TlvSchema>(w: Writer, schema: S, values: TlvValues<S> | undefined): void {
  if (!values) return;
  const records: { type: bigint; value: Uint8Array }[] = [];
  for (const [name, def] of Object.entries(schema)) {
    const v = (values as Record<string, unknown>)[name];
    if (v === undefined) continue;
    const inner = new Writer(64);
    def.codec.encode(inner, v);
    records.push({ type: def.type, value: inner.finish() });
  }
  for (const u of values.unknown ?? []) records.push(u);
  records.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  for (const rec of records) {
    bigsize.encode(w, rec.type);
    bigsize.encode(w, BigInt(rec.value.length));
    w.bytes(rec.value);
  }
}

const indexCache = new WeakMap<TlvSchema, Map<bigint, [string, TlvRecordDef]>>();
function schemaIndex(schema: TlvSchema): Map<bigint, [string, TlvRecordDef]> {
  let m = indexCache.get(schema);
  if (!m) {
    m = new Map(Object.entries(schema).map(([name, def]) => [def.type, [name, def] as [string, TlvRecordDef]]));
    indexCache.set(schema, m);
  }
  return m;
}

/** Decodes a standalone TLV stream (e.g. an onion hop payload). */
export function decodeTlvs<S extends TlvSchema>(bytes: Uint8Array, schema: S): TlvValues<S> {
  return decodeTlvStream(new Reader(bytes), schema);
}

/** Encodes a standalone TLV stream. */
export function encodeTlvs<S extends TlvSchema>(schema: S, values: TlvValues<S>): Uint8Array {
  const w = new Writer(128);
  encodeTlvStream(w, schema, values);
  return w.finish();
}
