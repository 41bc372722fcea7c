import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DecodeError, Reader, Writer, bigsize, decodeMessage, decodeTlvs, encodeMessage, encodeTlvs, point, s16, s32, s64, s8,
  shortChannelId, struct, tlv, tu32, tu64, u16, u64, scidToParts, type DecodeErrorCode,
} from '@ln/wire';

const shared = new URL('../../../../shared/', import.meta.url);
const json = (p: string) => JSON.parse(readFileSync(new URL(p, shared), 'utf8'));
const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const codeOf = (f: () => unknown): DecodeErrorCode | 'ok' | string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof DecodeError ? e.code : `not a DecodeError: ${e}`;
  }
};

test('BOLT 1 Appendix A: BigSize decoding (8 valid, 10 failing for the stated reason) and encoding', () => {
  const v = json('vectors/bolt01-bigsize.json');
  const reasonToCode: Record<string, DecodeErrorCode> = {
    'decoded bigsize is not canonical': 'non_canonical',
    'unexpected EOF': 'short_read',
    EOF: 'short_read',
  };
  let failing = 0;
  for (const c of v.decoding) {
    const r = new Reader(hex(c.bytes));
    if (c.exp_error) {
      failing++;
      assert.is(codeOf(() => bigsize.decode(r)), reasonToCode[c.exp_error], c.name);
    } else {
      assert.is(bigsize.decode(r), BigInt(c.value), c.name);
      assert.is(r.remaining, 0, c.name);
    }
  }
  assert.is(failing, 10);
  for (const c of v.encoding) {
    const w = new Writer();
    bigsize.encode(w, BigInt(c.value));
    assert.is(toHex(w.finish()), c.bytes, c.name);
  }
});

test('BOLT 1 Appendix D: signed integers encode and decode in the width of their bytes', () => {
  const v = json('vectors/bolt01-signed-integers.json');
  for (const c of v.vectors) {
    const codec = { 8: s8, 16: s16, 32: s32, 64: s64 }[c.width_bits as 8 | 16 | 32 | 64];
    const value = c.width_bits === 64 ? BigInt(c.value) : Number(c.value);
    const w = new Writer();
    (codec as { encode(w: Writer, v: unknown): void }).encode(w, value);
    assert.is(toHex(w.finish()), c.bytes, c.value);
    assert.is((codec as { decode(r: Reader): unknown }).decode(new Reader(hex(c.bytes))), value, c.value);
  }
  assert.is(v.vectors.length, 23);
});

// The test namespaces of BOLT 1 Appendix B.
const n1 = {
  tlv1: tlv(1, tu64),
  tlv2: tlv(2, shortChannelId),
  tlv3: tlv(3, struct({ nodeId: point, amountMsat1: u64, amountMsat2: u64 })),
  tlv4: tlv(254, u16),
};
const n2 = { tlv1: tlv(0, tu64), tlv2: tlv(11, tu32) };
const namespaces = { n1, n2 };

const tlvReason = (reason: string): DecodeErrorCode => {
  if (/truncated|missing/.test(reason)) return 'short_read';
  if (/not minimal/.test(reason)) return 'non_canonical';
  if (/unknown even/.test(reason)) return 'unknown_even_tlv';
  if (/encoding length/.test(reason)) return 'tlv_length_mismatch';
  if (/valid point/.test(reason)) return 'invalid_value';
  if (/ordering/.test(reason)) return 'tlv_not_increasing';
  if (/duplicate/.test(reason)) return 'tlv_duplicate';
  throw new Error(`unmapped reason ${reason}`);
};

test('BOLT 1 Appendix B: every TLV decoding failure fails, for the stated reason, in its namespaces', () => {
  const v = json('vectors/bolt01-tlv.json');
  let n = 0;
  for (const c of [...v.decoding_failures, ...v.stream_decoding_failures]) {
    for (const ns of c.namespaces as ('n1' | 'n2')[]) {
      assert.is(codeOf(() => decodeTlvs(hex(c.stream), namespaces[ns])), tlvReason(c.reason), `${ns} ${c.stream}: ${c.reason}`);
      n++;
    }
  }
  assert.is(v.decoding_failures.length + v.stream_decoding_failures.length, 38);
  assert.ok(n >= 38);
});

test('BOLT 1 Appendix B: every TLV decoding success decodes to the stated values and re-encodes to the same bytes', () => {
  const v = json('vectors/bolt01-tlv.json');
  for (const c of v.decoding_successes) {
    for (const ns of c.namespaces as ('n1' | 'n2')[]) {
      const got = decodeTlvs(hex(c.stream), namespaces[ns]) as Record<string, any>;
      assert.is(toHex(encodeTlvs(namespaces[ns], got)), c.stream, `${ns} ${c.stream} re-encodes`);
      const want = c.decoded_values ?? {};
      for (const [name, fields] of Object.entries(want) as [string, Record<string, any>][]) {
        const val = got[name];
        if (name === 'tlv1') assert.is(val, BigInt(fields.amount_msat), c.stream);
        if (name === 'tlv2') {
          const p = scidToParts(val);
          assert.equal([p.block, p.txIndex, p.outputIndex], [fields.scid.block_height, fields.scid.tx_index, fields.scid.output_index]);
        }
        if (name === 'tlv3') {
          assert.is(toHex(val.nodeId), fields.node_id);
          assert.is(val.amountMsat1, BigInt(fields.amount_msat_1));
          assert.is(val.amountMsat2, BigInt(fields.amount_msat_2));
        }
        if (name === 'tlv4') assert.is(val, Number(fields.cltv_delta));
      }
      const known = Object.keys(got).filter((k) => k !== 'unknown');
      assert.equal(known.sort(), Object.keys(want).sort(), `${ns} ${c.stream}: no extra records`);
    }
  }
});

test('BOLT 1 Appendix B general rules: invalid appended to valid fails; higher valid appended to lower valid succeeds', () => {
  const v = json('vectors/bolt01-tlv.json');
  const validN1 = v.decoding_successes.filter((c: any) => c.namespaces.includes('n1') && c.stream).map((c: any) => c.stream);
  for (const bad of v.decoding_failures.filter((c: any) => c.namespaces.includes('n1'))) {
    assert.not.equal(codeOf(() => decodeTlvs(hex('0100' + bad.stream), n1)), 'ok', `0100 + ${bad.stream}`);
  }
  assert.is(codeOf(() => decodeTlvs(hex('0100' + 'fd00fe020226'), n1)), 'ok');
  assert.ok(validN1.length > 5);
});

test('BOLT 1 Appendix C: message extension on init — valid ones decode and re-encode, invalid ones fail', () => {
  const v = json('vectors/bolt01-message-extension.json');
  for (const c of v.valid) {
    const m = decodeMessage(hex(c.message));
    assert.is(m.type, 'init', c.explanation);
    assert.is(toHex(encodeMessage(m)), c.message, c.explanation);
  }
  const unknownOdd = decodeMessage(hex(v.valid[1].message)) as any;
  assert.equal(unknownOdd.tlvs.unknown.map((u: any) => u.type), [0xc9n, 0xcbn]);
  const codes = v.invalid.map((c: any) => codeOf(() => decodeMessage(hex(c.message))));
  assert.equal(codes, ['short_read', 'unknown_even_tlv', codes[2]]);
  assert.not.equal(codes[2], 'ok', v.invalid[2].explanation);
});

test.run();
