/** fast-check arbitraries generated from codec declarations: any declared message, any TLV stream. */
import fc from 'fast-check';
import { MESSAGES, type CodecSpec, type MessageDef, type TlvSchema, type WireMessage } from '@ln/wire';

export function arbFromSpec(spec: CodecSpec): fc.Arbitrary<unknown> {
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
      return fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 0x10000n }));
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
      return fc.uint8Array({ maxLength: 120 });
    case 'u16_array':
    case 'rest_array':
      return fc.array(arbFromSpec(spec.item), { maxLength: 4 });
    case 'struct':
      return fc.record(Object.fromEntries(spec.fields.map(([k, s]) => [k, arbFromSpec(s)]))).map((r) => ({ ...r }));
    case 'flag':
      return fc.constant(true as const);
  }
}

/** Random TLV values for a schema: any subset of its records, plus unknown odd records. */
export function arbTlvs(schema: TlvSchema): fc.Arbitrary<Record<string, unknown>> {
  const known = new Set(Object.values(schema).map((d) => d.type));
  const unknownType = fc.bigInt({ min: 0n, max: 1n << 20n }).map((t) => t * 2n + 1n).filter((t) => !known.has(t));
  return fc
    .tuple(
      fc.record(Object.fromEntries(Object.entries(schema).map(([k, d]) => [k, arbFromSpec(d.codec.spec)])), { requiredKeys: [] }),
      fc.uniqueArray(fc.record({ type: unknownType, value: fc.uint8Array({ maxLength: 40 }) }).map((u) => ({ ...u })), { maxLength: 3, selector: (u) => u.type }),
    )
    .map(([rec, unknown]) => {
      const out: Record<string, unknown> = { ...rec };
      if (unknown.length) out['unknown'] = [...unknown].sort((a, b) => (a.type < b.type ? -1 : 1));
      return out;
    });
}

/** A random valid message of a declaration. */
export function arbMessage(def: MessageDef): fc.Arbitrary<WireMessage> {
  return fc
    .tuple(fc.record(Object.fromEntries(Object.entries(def.fields).map(([k, c]) => [k, arbFromSpec(c.spec)]))), arbTlvs(def.tlvs))
    .map(([fields, tlvs]) => ({ type: def.name, ...fields, tlvs: { ...tlvs } }) as unknown as WireMessage);
}

/** A random valid message of any declared type. */
export const arbAnyMessage: fc.Arbitrary<WireMessage> = fc.oneof(...MESSAGES.map((d) => arbMessage(d as unknown as MessageDef)));
