import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { nobleSecp256k1 as secp } from '@ln/crypto';
import { txidFromHex, txidFromInternalBytes } from '@ln/chain-interfaces';
import {
  TransactionError, addressFromScript, buildClosingTransaction, buildCommitmentTransaction, buildLegacyClosingTransaction, closingTransactionWeight,
  commitmentFeeSat, commitmentWeight, fundingScript, isHtlcTrimmed, p2tr, p2wpkh, p2wsh, parseTx, scriptFromAddress, serializeTx,
  txidOf, weightOf, withWitness, type Transaction,
} from '@ln/transactions';

const pk = (i: number) => secp.publicKeyCreate(new Uint8Array(32).fill(i));
const keys = { perCommitmentPoint: pk(1), revocationKey: pk(2), broadcasterDelayedPaymentKey: pk(3), broadcasterHtlcKey: pk(4), countersignatoryHtlcKey: pk(5), countersignatoryPaymentKey: pk(6) };
const FUNDING_SAT = 10_000_000n;

const htlcArb = fc.record({
  offered: fc.boolean(),
  amountMsat: fc.oneof(fc.bigInt({ min: 1n, max: 5_000_000n }), fc.bigInt({ min: 1n, max: 200_000_000n })),
  cltvExpiry: fc.integer({ min: 500_000, max: 500_050 }),
  paymentHash: fc.constantFrom(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)),
});

test('property: commitment fees and trimming agree with the weight of the signed transaction, and every satoshi is accounted for', () => {
  fc.assert(
    fc.property(fc.array(htlcArb, { maxLength: 12 }), fc.integer({ min: 0, max: 30_000 }), fc.boolean(), fc.bigInt({ min: 0n, max: 2_000_000_000n }), (htlcs, feerate, anchors, toRemoteMsat) => {
      const inFlight = htlcs.reduce((a, h) => a + h.amountMsat, 0n);
      const toLocalMsat = FUNDING_SAT * 1000n - inFlight - toRemoteMsat;
      fc.pre(toLocalMsat > 1_000_000_000n);
      const dust = 546n;
      const b = buildCommitmentTransaction({
        fundingOutpoint: { txid: txidFromHex('22'.repeat(32)), vout: 1 }, commitmentNumber: 7n, obscureFactor: 99n, broadcasterIsFunder: true,
        toBroadcasterMsat: toLocalMsat, toCountersignatoryMsat: toRemoteMsat, feeratePerKw: feerate, dustLimitSat: dust, toSelfDelay: 144, keys, anchors,
        broadcasterFundingPubkey: pk(7), countersignatoryFundingPubkey: pk(8), htlcs,
      });
      const untrimmed = htlcs.filter((h) => !isHtlcTrimmed(h.offered, h.amountMsat, dust, feerate, anchors));
      assert.is(b.htlcOutputs.length, untrimmed.length);
      assert.is(b.baseFeeSat, commitmentFeeSat(feerate, untrimmed.length, anchors));
      // Direct weight with maximum-size signatures: exactly BOLT 3's figure without anchors;
      // with anchors BOLT 3's 1124 base over-estimates by 8 weight units.
      const signed = withWitness(b.tx, 0, [new Uint8Array(0), new Uint8Array(73), new Uint8Array(73), fundingScript(pk(7), pk(8))]);
      const hasBoth = b.outputs.some((o) => o.kind === 'to_local') && b.outputs.some((o) => o.kind === 'to_remote');
      if (hasBoth) assert.is(weightOf(signed), commitmentWeight(untrimmed.length, anchors) - (anchors ? 8 : 0));
      // Conservation: outputs + fee + trimmed HTLCs + dust balances + msat rounding = funding.
      const outputs = b.tx.outputs.reduce((a, o) => a + o.valueSat, 0n);
      const trimmedSat = b.trimmedHtlcs.reduce((a, h) => a + h.amountMsat / 1000n, 0n);
      const rounding = FUNDING_SAT - (toLocalMsat / 1000n + toRemoteMsat / 1000n + htlcs.reduce((a, h) => a + h.amountMsat / 1000n, 0n));
      const toRemoteSat = toRemoteMsat / 1000n;
      const droppedRemote = b.outputs.some((o) => o.kind === 'to_remote') ? 0n : toRemoteSat;
      // With anchors the funder pays 2 × 330 sat; an anchor that is not added goes to fees too.
      const anchorOutputs = BigInt(b.outputs.filter((o) => o.kind === 'local_anchor' || o.kind === 'remote_anchor').length);
      const droppedAnchors = anchors ? 660n - 330n * anchorOutputs : 0n;
      assert.is(outputs + b.baseFeeSat + trimmedSat + rounding + droppedRemote + droppedAnchors, FUNDING_SAT);
      // BIP 69 with the CLTV tie-break.
      for (let i = 1; i < b.tx.outputs.length; i++) assert.ok(b.tx.outputs[i - 1]!.valueSat <= b.tx.outputs[i]!.valueSat);
    }),
    { numRuns: 150, seed: 11 },
  );
});

const txArb: fc.Arbitrary<Transaction> = fc.record({
  version: fc.integer({ min: 1, max: 3 }),
  locktime: fc.integer({ min: 0, max: 0xffffffff }),
  inputs: fc.array(
    fc.record({
      prevout: fc.record({ txid: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(txidFromInternalBytes), vout: fc.integer({ min: 0, max: 0xffffffff }) }).map((o) => ({ ...o })),
      scriptSig: fc.uint8Array({ maxLength: 30 }),
      sequence: fc.integer({ min: 0, max: 0xffffffff }),
      witness: fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 4 }),
    }).map((i) => ({ ...i })),
    { minLength: 1, maxLength: 4 },
  ),
  outputs: fc.array(fc.record({ valueSat: fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }), scriptPubkey: fc.uint8Array({ maxLength: 40 }) }).map((o) => ({ ...o })), { minLength: 1, maxLength: 4 }),
}).map((t) => ({ ...t })).filter((t) => t.inputs.some((i) => i.witness.length > 0) || t.inputs.every((i) => i.witness.length === 0));

test('property: transactions round-trip through serialize/parse; the txid ignores witnesses', () => {
  fc.assert(
    fc.property(txArb, (tx) => {
      const bytes = serializeTx(tx);
      const back = parseTx(bytes);
      assert.equal(serializeTx(back), bytes);
      assert.equal(txidOf(back), txidOf({ ...tx, inputs: tx.inputs.map((i) => ({ ...i, witness: [] })) }));
    }),
    { numRuns: 300, seed: 5 },
  );
});

test('fuzz: 100,000 random and mutated transactions: parseTx throws only TransactionError', () => {
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
  const seeds = fc.sample(txArb, { numRuns: 200, seed: 1 }).map((t) => serializeTx(t));
  for (let i = 0; i < 100_000; i++) {
    let b: Uint8Array;
    if (i % 3 === 0) b = new Uint8Array(Math.floor(rnd() * 200)).map(() => (rnd() * 256) | 0);
    else {
      b = Uint8Array.from(seeds[Math.floor(rnd() * seeds.length)]!);
      if (i % 3 === 1) for (let k = 0; k < 3; k++) b[Math.floor(rnd() * b.length)] = (rnd() * 256) | 0;
      else b = b.subarray(0, Math.floor(rnd() * b.length));
    }
    try {
      parseTx(b);
    } catch (e) {
      if (!(e instanceof TransactionError)) throw new Error(`unexpected ${e}`);
    }
  }
});

test('closing transactions: legacy (funder pays, dust removed) and simple-close (closer pays, OP_RETURN is 0)', () => {
  const fundingOutpoint = { txid: txidFromHex('33'.repeat(32)), vout: 0 };
  const local = { scriptPubkey: p2wpkh(pk(1)), balanceMsat: 6_000_000_000n };
  const remote = { scriptPubkey: p2wpkh(pk(2)), balanceMsat: 4_000_000_500n };
  const legacy = buildLegacyClosingTransaction({ fundingOutpoint, local, remote, localIsFunder: true, feeSat: 700n, dustLimitSat: 546n });
  assert.equal(legacy.outputs.map((o) => o.valueSat), [4_000_000n, 5_999_300n]);
  assert.is(legacy.inputs[0]!.sequence, 0xffffffff);
  const dusty = buildLegacyClosingTransaction({ fundingOutpoint, local, remote: { ...remote, balanceMsat: 500_000n }, localIsFunder: false, feeSat: 0n, dustLimitSat: 546n });
  assert.is(dusty.outputs.length, 1);
  const simple = buildClosingTransaction({ fundingOutpoint, closer: local, closee: { scriptPubkey: Uint8Array.of(0x6a, 0x01, 0x00), balanceMsat: 1_000n }, feeSat: 500n, locktime: 800_000 });
  assert.equal(simple.outputs.map((o) => o.valueSat), [0n, 5_999_500n]);
  assert.is(simple.locktime, 800_000);
  assert.is(simple.inputs[0]!.sequence, 0xfffffffd);
  const signed = withWitness(legacy, 0, [new Uint8Array(0), new Uint8Array(73), new Uint8Array(73), fundingScript(pk(3), pk(4))]);
  assert.is(weightOf(signed), closingTransactionWeight(legacy.outputs.map((o) => o.scriptPubkey)));
});

test('addresses: bech32 for v0, bech32m for v1, per network; wrong network and variant refused', () => {
  const wpkh = p2wpkh(pk(1));
  const tr = p2tr(pk(2).subarray(1));
  for (const n of ['mainnet', 'testnet', 'signet', 'regtest', 'testnet4'] as const) {
    assert.equal(scriptFromAddress(addressFromScript(wpkh, n), n), wpkh);
    assert.equal(scriptFromAddress(addressFromScript(tr, n), n), tr);
    assert.equal(scriptFromAddress(addressFromScript(p2wsh(Uint8Array.of(0x51)), n), n), p2wsh(Uint8Array.of(0x51)));
  }
  // BIP 173 / BIP 350 examples.
  assert.is(addressFromScript(Uint8Array.from([0x00, 0x14, ...Array.from('751e76e8199196d454941c45d1b3a323f1433bd6'.match(/../g)!, (h) => parseInt(h, 16))]), 'mainnet'), 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
  assert.equal(scriptFromAddress('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', 'mainnet').subarray(0, 2), Uint8Array.of(0x51, 0x20));
  assert.throws(() => scriptFromAddress(addressFromScript(wpkh, 'mainnet'), 'testnet'), (e: unknown) => e instanceof TransactionError);
  assert.throws(() => scriptFromAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'mainnet'), (e: unknown) => e instanceof TransactionError);
});

test.run();
