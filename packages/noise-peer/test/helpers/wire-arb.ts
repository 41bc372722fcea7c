/**
 * fast-check arbitraries of wire messages built from `@ln/wire`'s codec declarations: a valid
 * message of any declared type (its fields and any subset of its known TLV records), so fuzzing
 * reaches the handlers with well-formed messages, not only the decoder's error paths.
 */
import fc from 'fast-check';
import { MESSAGES, encodeMessage, type CodecSpec, type MessageDef, type TlvSchema, type WireMessage } from '@ln/wire';

function arbSpec(spec: CodecSpec): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'u8':
      return fc.integer({ min: 0, max: 0xff });
    case 'u16':
    case 'tu16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'u32':
    case 'tu32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'u64':
    case 'bigsize':
    case 'tu64':
      return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    case 's8':
      return fc.integer({ min: -128, max: 127 });
    case 's16':
      return fc.integer({ min: -32768, max: 32767 });
    case 's32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 's64':
      return fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
    case 'bytes':
      return fc.uint8Array({ minLength: spec.length, maxLength: spec.length });
    case 'point':
      return fc.tuple(fc.constantFrom(2, 3), fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([p, x]) => Uint8Array.from([p, ...x]));
    case 'u16_bytes':
    case 'rest_bytes':
      return fc.uint8Array({ maxLength: 80 });
    case 'u16_array':
    case 'rest_array':
      return fc.array(arbSpec(spec.item), { maxLength: 3 });
    case 'struct':
      return fc.record(Object.fromEntries(spec.fields.map(([k, s]) => [k, arbSpec(s)])));
    case 'flag':
      return fc.constant(true as const);
  }
}

const arbTlvs = (schema: TlvSchema) => fc.record(Object.fromEntries(Object.entries(schema).map(([k, d]) => [k, arbSpec(d.codec.spec)])), { requiredKeys: [] });

/** A valid message of one declaration. */
const arbMessage = (def: MessageDef): fc.Arbitrary<WireMessage> =>
  fc.tuple(fc.record(Object.fromEntries(Object.entries(def.fields).map(([k, c]) => [k, arbSpec(c.spec)]))), arbTlvs(def.tlvs)).map(([fields, tlvs]) => ({ type: def.name, ...fields, tlvs }) as unknown as WireMessage);

/** The encoded bytes (type + payload) of a valid message of any declared type. */
export const arbValidMessageBytes: fc.Arbitrary<Uint8Array> = fc.oneof(...MESSAGES.map((d) => arbMessage(d as unknown as MessageDef))).map((m) => encodeMessage(m));

/** A valid message's bytes, damaged: a byte changed, cut short, or with bytes appended. */
export const arbDamagedMessageBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(arbValidMessageBytes, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'extend'), fc.uint8Array({ minLength: 1, maxLength: 20 }))
  .map(([b, at, v, how, extra]) => {
    if (how === 'cut') return b.subarray(0, 2 + (at % Math.max(1, b.length - 2)));
    if (how === 'extend') return Uint8Array.from([...b, ...extra]);
    const c = b.slice();
    const i = 2 + (at % Math.max(1, c.length - 2));
    if (i < c.length) c[i] = v;
    return c;
  });
