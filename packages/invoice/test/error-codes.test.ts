/**
 * Every `InvoiceErrorCode` produced through the public API: for each code, an invoice string
 * built to break exactly that rule (signed correctly otherwise) fails `decodeInvoice` with that
 * code — or, for the writer-side rules, the encoder throws it. The table is typed as a
 * `Record<InvoiceErrorCode, …>`, so a new code cannot be added without a case here.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bech32 } from '@scure/base';
import { nobleSecp256k1, sha256 } from '@ln/crypto';
import {
  TAG, InvoiceError, bytesToWords, createInvoice, decodeInvoice, encodeInvoiceRaw, type InvoiceErrorCode, type InvoiceSigner, type RawTaggedField,
} from '@ln/invoice';

const secp = nobleSecp256k1;
const key = sha256(new TextEncoder().encode('invoice error codes'));
const nodeId = secp.publicKeyCreate(key);
const otherId = secp.publicKeyCreate(sha256(new TextEncoder().encode('someone else')));
const sign: InvoiceSigner = (hash) => secp.signRecoverable(hash, key);
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const TS = 1_700_000_000;

const f = (tag: keyof typeof TAG, data: readonly number[]): RawTaggedField => ({ type: TAG[tag], data });
const bytesField = (tag: keyof typeof TAG, b: Uint8Array): RawTaggedField => f(tag, bytesToWords(b));
const P = bytesField('p', new Uint8Array(32).fill(1));
const S = bytesField('s', new Uint8Array(32).fill(2));
const D = bytesField('d', new TextEncoder().encode('coffee'));
const H = bytesField('h', sha256(new TextEncoder().encode('a long description')));
const GOOD = [P, S, D];

const enc = (fields: readonly RawTaggedField[], hrp = 'lnbc20u', signer: InvoiceSigner = sign) => encodeInvoiceRaw(hrp, TS, fields, signer);
/** Words of an invoice's data part with a valid checksum, whatever they contain. */
const rawWords = (hrp: string, words: number[]) => bech32.encode(hrp, words, false);
const tsWords = () => {
  const w: number[] = [];
  for (let i = 6; i >= 0; i--) w.push(Math.floor(TS / 2 ** (5 * i)) % 32);
  return w;
};
/** A data part from words (timestamp, then `fieldWords`) signed over exactly those words. */
function signedWords(hrp: string, fieldWords: number[]): string {
  const data = [...tsWords(), ...fieldWords];
  // Sign over hrp || data words packed to bytes (BOLT 11), with the trailing bits zero-padded.
  const bits: number[] = [];
  for (const w of data) for (let b = 4; b >= 0; b--) bits.push((w >> b) & 1);
  while (bits.length % 8) bits.push(0);
  const bytes = new Uint8Array(bits.length / 8);
  bits.forEach((bit, i) => (bytes[i >> 3]! |= bit << (7 - (i & 7))));
  const msg = new Uint8Array(hrp.length + bytes.length);
  msg.set(new TextEncoder().encode(hrp), 0);
  msg.set(bytes, hrp.length);
  const { signature, recoveryId } = sign(sha256(msg));
  return rawWords(hrp, [...data, ...bytesToWords(Uint8Array.from([...signature, recoveryId]))]);
}
const header = (tag: keyof typeof TAG, len: number) => [TAG[tag], len >> 5, len & 31];
const highS = (sig: Uint8Array) => {
  const out = Uint8Array.from(sig);
  let v = 0n;
  for (const x of sig.subarray(32)) v = (v << 8n) | BigInt(x);
  let hs = N - v;
  for (let i = 63; i >= 32; i--) {
    out[i] = Number(hs & 0xffn);
    hs >>= 8n;
  }
  return out;
};

/** Per code: one or more ways to trigger it, each a function that must throw that code. */
const CASES: Record<InvoiceErrorCode, [string, () => unknown][]> = {
  invalid_input: [['not a string', () => decodeInvoice(42 as unknown as string)]],
  no_separator: [['no "1" at all', () => decodeInvoice('lnbcqqqqqqqq')]],
  mixed_case: [['upper- and lower-case letters', () => decodeInvoice(enc(GOOD).replace('lnbc', 'LNbc'))]],
  invalid_checksum: [['last character changed', () => { const s = enc(GOOD); return decodeInvoice(s.slice(0, -1) + (s.endsWith('q') ? 'p' : 'q')); }]],
  invalid_bech32: [
    ['a character outside the bech32 alphabet', () => { const s = enc(GOOD); return decodeInvoice(s.slice(0, 20) + 'b' + s.slice(21)); }],
    ['empty data after the separator', () => decodeInvoice('lnbc1')],
  ],
  unknown_prefix: [['hrp lnxy', () => decodeInvoice(enc(GOOD, 'lnxy20u'))], ['hrp without ln', () => decodeInvoice(enc(GOOD, 'bc20u'))]],
  invalid_amount: [['leading zero', () => decodeInvoice(enc(GOOD, 'lnbc020u'))], ['zero', () => decodeInvoice(enc(GOOD, 'lnbc0u'))], ['letters', () => decodeInvoice(enc(GOOD, 'lnbcxyu'))]],
  invalid_multiplier: [['x', () => decodeInvoice(enc(GOOD, 'lnbc20x'))]],
  sub_millisatoshi_precision: [['2555p', () => decodeInvoice(enc(GOOD, 'lnbc2555p'))]],
  too_short: [['fewer words than timestamp + signature', () => decodeInvoice(rawWords('lnbc', new Array(100).fill(0)))]],
  invalid_field: [
    ['description not UTF-8', () => decodeInvoice(enc([P, S, bytesField('d', Uint8Array.from([0xff, 0xfe, 0x80]))]))],
    ['a field overruns the data', () => decodeInvoice(signedWords('lnbc', [...P.data.length ? [P.type, P.data.length >> 5, P.data.length & 31, ...P.data] : [], ...header('d', 40), 1, 2, 3]))],
    ['truncated field header', () => decodeInvoice(signedWords('lnbc', [P.type, P.data.length >> 5, P.data.length & 31, ...P.data, TAG.d, 0]))],
    ['expiry beyond 2^53', () => decodeInvoice(enc([...GOOD, f('x', new Array(12).fill(31))]))],
    // (encodeInvoiceRaw with a raw field of 1024+ words throws a plain Error from bech32 instead: bugs-invoice.md #1.)
    ['writer: metadata longer than a field can hold (1,120 words > 1023)', () => createInvoice({ network: 'mainnet', timestamp: TS, paymentHash: new Uint8Array(32), paymentSecret: new Uint8Array(32), description: 'x', paymentMetadata: new Uint8Array(700) } as never, key, secp)],
    ['writer: timestamp beyond 35 bits', () => encodeInvoiceRaw('lnbc', 2 ** 35, GOOD, sign)],
  ],
  non_minimal_field: [
    ['x with a leading zero word', () => decodeInvoice(enc([...GOOD, f('x', [0, 5])]))],
    ['c with a leading zero word', () => decodeInvoice(enc([...GOOD, f('c', [0, 9])]))],
    ['9 with a leading zero word', () => decodeInvoice(enc([...GOOD, f('9', [0, 1, 0])]))],
  ],
  missing_payment_hash: [
    ['no p field', () => decodeInvoice(enc([S, D]))],
    ['only a p of the wrong length (skipped as BOLT 11 says)', () => decodeInvoice(enc([f('p', P.data.slice(0, 51)), S, D]))],
  ],
  missing_payment_secret: [['no s field', () => decodeInvoice(enc([P, D]))]],
  missing_description: [['neither d nor h', () => decodeInvoice(enc([P, S]))]],
  both_descriptions: [['d and h', () => decodeInvoice(enc([P, S, D, H]))]],
  unknown_required_feature: [['even bit 100', () => decodeInvoice(enc([...GOOD, f('9', bytesToWordsBits([100, 14]))]))]],
  invalid_signature: [['n names another node', () => decodeInvoice(enc([...GOOD, bytesField('n', otherId)]))]],
  signature_not_recoverable: [
    ['recovery id 7', () => decodeInvoice(enc(GOOD, 'lnbc20u', (h) => ({ ...sign(h), recoveryId: 7 })))],
    ['an all-zero signature', () => decodeInvoice(enc(GOOD, 'lnbc20u', () => ({ signature: new Uint8Array(64), recoveryId: 0 })))],
  ],
  high_s_signature: [['high-S with an n field', () => decodeInvoice(enc([...GOOD, bytesField('n', nodeId)], 'lnbc20u', (h) => { const s = sign(h); return { signature: highS(s.signature), recoveryId: s.recoveryId ^ 1 }; }))]],
};

/** Feature bits as 5-bit words, most significant first (BOLT 11 `9`). */
function bytesToWordsBits(bits: number[]): number[] {
  const n = Math.floor(Math.max(...bits) / 5) + 1;
  const w = new Array(n).fill(0);
  for (const b of bits) w[n - 1 - Math.floor(b / 5)] |= 1 << (b % 5);
  return w;
}

test('the base invoice of these cases decodes (each case breaks one rule of it)', () => {
  const inv = decodeInvoice(enc(GOOD), { secp });
  assert.is(inv.description, 'coffee');
  assert.equal(inv.payeeNodeId, nodeId);
  assert.is(decodeInvoice(enc([...GOOD, bytesField('n', nodeId)])).payeeNodeIdInField, true);
  assert.is(decodeInvoice(enc([P, S, H])).descriptionHash?.length, 32);
  assert.is(decodeInvoice(signedWords('lnbc', [P.type, P.data.length >> 5, P.data.length & 31, ...P.data, S.type, S.data.length >> 5, S.data.length & 31, ...S.data, D.type, D.data.length >> 5, D.data.length & 31, ...D.data])).description, 'coffee');
});

for (const [code, cases] of Object.entries(CASES) as [InvoiceErrorCode, [string, () => unknown][]][]) {
  test(`InvoiceErrorCode ${code}: ${cases.map(([n]) => n).join('; ')}`, () => {
    for (const [name, run] of cases) {
      let got = 'no error';
      try {
        run();
      } catch (e) {
        got = e instanceof InvoiceError ? e.code : `not an InvoiceError: ${e}`;
      }
      assert.is(got, code, name);
    }
  });
}

test.run();
