import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { nobleSecp256k1 as secp } from '@ln/crypto';
import { Features } from '@ln/wire';
import { InvoiceError, createInvoice, decodeInvoice, encodeAmount, parseHrp, verifyInvoice, type InvoiceFields } from '@ln/invoice';

const sk = new Uint8Array(32).fill(0x42);
const nodeId = secp.publicKeyCreate(sk);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const hop = fc.record({
  pubkey: fc.constantFrom(nodeId, secp.publicKeyCreate(new Uint8Array(32).fill(7))),
  shortChannelId: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  feeBaseMsat: fc.integer({ min: 0, max: 0xffffffff }),
  feeProportionalMillionths: fc.integer({ min: 0, max: 0xffffffff }),
  cltvExpiryDelta: fc.integer({ min: 0, max: 0xffff }),
}).map((h) => ({ ...h }));
const fieldsArb: fc.Arbitrary<InvoiceFields> = fc
  .record({
    network: fc.constantFrom('mainnet', 'testnet', 'signet', 'regtest'),
    amountMsat: fc.option(fc.bigInt({ min: 1n, max: 2_100_000_000_000_000_000n }), { nil: undefined }),
    timestamp: fc.integer({ min: 0, max: 2 ** 35 - 1 }),
    paymentHash: bytes32,
    paymentSecret: bytes32,
    description: fc.option(fc.string({ maxLength: 100 }), { nil: undefined }),
    descriptionHash: bytes32,
    expirySeconds: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
    minFinalCltvExpiryDelta: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
    fallbackAddresses: fc.array(
      fc.oneof(
        fc.uint8Array({ minLength: 20, maxLength: 20 }).map((program) => ({ version: 0, program })),
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map((program) => ({ version: 1, program })),
        fc.uint8Array({ minLength: 20, maxLength: 20 }).map((program) => ({ version: 17, program })),
        fc.uint8Array({ minLength: 20, maxLength: 20 }).map((program) => ({ version: 18, program })),
      ),
      { maxLength: 2 },
    ),
    routeHints: fc.array(fc.array(hop, { minLength: 1, maxLength: 3 }), { maxLength: 2 }),
    featureBits: fc.uniqueArray(fc.constantFrom(9, 15, 17, 49, 99, 101), { maxLength: 4 }),
    paymentMetadata: fc.option(fc.uint8Array({ minLength: 1, maxLength: 40 }), { nil: undefined }),
    withN: fc.boolean(),
  })
  .map(({ featureBits, withN, description, descriptionHash, ...r }) => ({
    ...r,
    ...(description !== undefined ? { description } : { descriptionHash }),
    features: Features.fromBits([8, 14, ...featureBits]),
    payeeNodeId: withN ? nodeId : undefined,
  }));

test('property: random invoices → create and sign → decode gives back every field', () => {
  fc.assert(
    fc.property(fieldsArb, (f) => {
      const str = createInvoice(f, sk, secp);
      const inv = decodeInvoice(str);
      assert.is(inv.network, f.network);
      assert.is(inv.amountMsat, f.amountMsat);
      assert.is(inv.timestamp, f.timestamp);
      assert.equal(inv.paymentHash, f.paymentHash);
      assert.equal(inv.paymentSecret, f.paymentSecret);
      assert.is(inv.description, f.description);
      assert.equal(inv.descriptionHash, f.description === undefined ? f.descriptionHash : undefined);
      assert.is(inv.expirySeconds, f.expirySeconds ?? 3600);
      assert.is(inv.minFinalCltvExpiryDelta, f.minFinalCltvExpiryDelta ?? 18);
      assert.equal(inv.fallbackAddresses.map((x) => [x.version, x.program]), (f.fallbackAddresses ?? []).map((x) => [x.version, x.program]));
      assert.equal(inv.routeHints, f.routeHints);
      assert.ok(inv.features.equals(f.features!));
      assert.equal(inv.paymentMetadata, f.paymentMetadata);
      assert.equal(inv.payeeNodeId, nodeId);
      assert.is(inv.payeeNodeIdInField, f.payeeNodeId !== undefined);
    }),
    { numRuns: 150, seed: 11 },
  );
});

test('amounts: every multiplier, shortest form, and the rules of the human-readable part', () => {
  assert.is(encodeAmount(250_000_000n), '2500u');
  assert.is(encodeAmount(2_000_000_000n), '20m');
  assert.is(encodeAmount(100_000_000_000n), '1');
  assert.is(encodeAmount(967_878_534n), '9678785340p');
  assert.is(encodeAmount(100n), '1n');
  assert.is(parseHrp('lnbc1').amountMsat, 100_000_000_000n);
  assert.is(parseHrp('lnbcrt20m').network, 'regtest');
  assert.is(parseHrp('lntbs1u').network, 'signet');
  assert.is(parseHrp('lntb1u').amountMsat, 100_000n);
  const code = (hrp: string) => {
    try {
      parseHrp(hrp);
      return 'ok';
    } catch (e) {
      return (e as InvoiceError).code;
    }
  };
  assert.is(code('lnbc01m'), 'invalid_amount');
  assert.is(code('lnbc1x'), 'invalid_multiplier');
  assert.is(code('lnbc11p'), 'sub_millisatoshi_precision');
  assert.is(code('lnxy1m'), 'unknown_prefix');
  assert.is(code('lnbcm'), 'invalid_amount');
});

test('verifyInvoice: expiry and typed failures', () => {
  const str = createInvoice({ network: 'mainnet', timestamp: 1000, paymentHash: new Uint8Array(32), paymentSecret: new Uint8Array(32).fill(1), description: 'x', expirySeconds: 60 }, sk);
  assert.ok(verifyInvoice(str, 1059).valid);
  assert.not.ok(verifyInvoice(str, 1061).valid);
  const bad = verifyInvoice(str.slice(0, -1) + (str.endsWith('q') ? 'p' : 'q'));
  assert.ok(!bad.valid && bad.error.code === 'invalid_checksum');
});

test('fuzz: 100,000 random and mutated strings: decodeInvoice throws only InvoiceError', () => {
  const base = createInvoice({ network: 'mainnet', amountMsat: 2_500_000n, timestamp: 1_700_000_000, paymentHash: new Uint8Array(32).fill(3), paymentSecret: new Uint8Array(32).fill(4), description: 'fuzz', routeHints: [[{ pubkey: nodeId, shortChannelId: 5n, feeBaseMsat: 1, feeProportionalMillionths: 2, cltvExpiryDelta: 3 }]] }, sk);
  const charset = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l1lnbcQPZ';
  let x = 77;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
  const started = Date.now();
  for (let i = 0; i < 100_000; i++) {
    let s: string;
    if (i % 4 === 0) s = Array.from({ length: Math.floor(rnd() * 120) }, () => charset[Math.floor(rnd() * charset.length)]).join('');
    else {
      const a = base.split('');
      const k = 1 + Math.floor(rnd() * 3);
      for (let j = 0; j < k; j++) a[Math.floor(rnd() * a.length)] = charset[Math.floor(rnd() * 32)]!;
      s = i % 4 === 3 ? a.join('').slice(0, Math.floor(rnd() * a.length)) : a.join('');
    }
    try {
      decodeInvoice(s);
    } catch (e) {
      if (!(e instanceof InvoiceError)) throw new Error(`unexpected ${e} for ${s}`);
    }
  }
  assert.ok(Date.now() - started < 60_000);
});

test.run();
