/**
 * Message declarations: one declaration per BOLT message (type number, spec name, fields in
 * order, TLV extension schema) gives both its encoder and its decoder.
 */
import { Reader, Writer } from './io.js';
import type { Codec, CodecValue } from './primitives.js';
import { decodeTlvStream, encodeTlvStream, type TlvSchema, type TlvValues } from './tlv.js';

/** The fields of a message, in wire order, each named as the spec names it in camelCase. */
export type FieldCodecs = Record<string, Codec<any>>;

/** A declared message. */
export interface MessageDef<N extends string = string, F extends FieldCodecs = FieldCodecs, S extends TlvSchema = TlvSchema> {
  /** The spec's message name, e.g. `update_add_htlc`. */
  readonly name: N;
  /** The 2-byte type number. */
  readonly typeNumber: number;
  readonly fields: F;
  /** The message's TLV extension (BOLT 1 "extension"); `{}` when the spec declares none. */
  readonly tlvs: S;
}

/** The decoded value of a declared message. */
export type MessageOf<D extends MessageDef> =
  D extends MessageDef<infer N, infer F, infer S> ? { type: N } & { [K in keyof F]: CodecValue<F[K]> } & { tlvs: TlvValues<S> } : never;

/** Declares a message. */
export function defineMessage<N extends string, F extends FieldCodecs, S extends TlvSchema = {}>(
  typeNumber: number,
  name: N,
  fields: F,
  tlvs: S = {} as S,
): MessageDef<N, F, S> {
  return { name, typeNumber, fields, tlvs };
}

/** Encodes the payload of a message (after the 2-byte type). */
export function encodePayload(w: Writer, def: MessageDef, msg: Record<string, unknown>): void {
  for (const [k, c] of Object.entries(def.fields)) c.encode(w, msg[k]);
  encodeTlvStream(w, def.tlvs, msg['tlvs'] as TlvValues<TlvSchema> | undefined);
}

/** Decodes the payload of a message (after the 2-byte type) from `r` to its end. */
export function decodePayload(r: Reader, def: MessageDef): Record<string, unknown> {
  const out: Record<string, unknown> = { type: def.name };
  for (const [k, c] of Object.entries(def.fields)) out[k] = c.decode(r);
  out['tlvs'] = decodeTlvStream(r, def.tlvs);
  return out;
}
