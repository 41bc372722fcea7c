/**
 * Binary formats: `ChannelMonitorInit`, `ChannelMonitorUpdate` and whole monitors round-trip
 * exactly (property tests over arbitrary data, and real monitors at every stage of a close);
 * decoders given malformed bytes throw only `MonitorDecodeError`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { ChannelMonitorInit, ChannelMonitorUpdate, ChannelMonitorUpdateStep, CounterpartyCommitmentData, HolderCommitmentData, HtlcData } from '@ln/chain-interfaces';
import { blockHashFromInternalBytes, txidFromInternalBytes } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import {
  ANTI_REORG_DELAY, ChannelMonitor, MonitorDecodeError, decodeChannelMonitorInit, decodeChannelMonitorUpdate, encodeChannelMonitorInit,
  encodeChannelMonitorUpdate, type MonitorContext,
} from '../src/index.js';
import { Env } from './helpers/env.js';
import { fourHtlcs } from './helpers/scenarios.js';

/** Plain objects all the way down (fast-check builds null-prototype records). */
function plain(x: unknown): unknown {
  if (x instanceof Uint8Array) return Uint8Array.from(x);
  if (Array.isArray(x)) return x.map(plain);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

/** `FUZZ_RUNS=100000 npm run fuzz` for a long run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 0) || undefined;

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const pubkey = fc.tuple(fc.constantFrom(2, 3), bytes(32)).map(([p, b]) => Uint8Array.from([p, ...b]));
const script = fc.uint8Array({ maxLength: 40 });
const keys = fc.record({ fundingPubkey: pubkey, revocationBasepoint: pubkey, paymentPoint: pubkey, delayedPaymentBasepoint: pubkey, htlcBasepoint: pubkey });
const htlc: fc.Arbitrary<HtlcData> = fc.record(
  { offered: fc.boolean(), amountMsat: u64, cltvExpiry: u32, paymentHash: bytes(32), transactionOutputIndex: u32, htlcId: u64 },
  { requiredKeys: ['offered', 'amountMsat', 'cltvExpiry', 'paymentHash', 'htlcId'] },
);
const holder: fc.Arbitrary<HolderCommitmentData> = fc.record({
  commitmentNumber: u64, feeratePerKw: u32, toSelfValueMsat: u64, toRemoteValueMsat: u64, htlcs: fc.array(htlc, { maxLength: 4 }),
  counterpartySignature: bytes(64), counterpartyHtlcSignatures: fc.array(bytes(64), { maxLength: 4 }), perCommitmentPoint: pubkey,
});
const counterparty: fc.Arbitrary<CounterpartyCommitmentData> = fc.record({
  commitmentNumber: u64, txid: bytes(32).map(txidFromInternalBytes), feeratePerKw: u32, toBroadcasterValueMsat: u64, toCountersignatoryValueMsat: u64,
  htlcs: fc.array(htlc, { maxLength: 4 }), perCommitmentPoint: pubkey,
});
const init: fc.Arbitrary<ChannelMonitorInit> = fc.record(
  {
    channelId: bytes(32), counterpartyNodeId: pubkey, fundingOutpoint: fc.record({ txid: bytes(32).map(txidFromInternalBytes), vout: u32 }),
    fundingScriptPubkey: script, channelValueSat: u64, channelKeysId: bytes(32), holderPubkeys: keys, counterpartyPubkeys: keys,
    holderSelectedContestDelay: u32, counterpartySelectedContestDelay: u32, isOutbound: fc.boolean(), channelType: fc.uint8Array({ maxLength: 4 }),
    commitmentNumberObscureFactor: u64, destinationScript: script, counterpartyShutdownScript: script, initialHolderCommitment: holder,
    initialCounterpartyCommitment: counterparty, bestBlock: fc.record({ blockHash: bytes(32).map(blockHashFromInternalBytes), height: u32 }),
  },
  { requiredKeys: ['channelId', 'counterpartyNodeId', 'fundingOutpoint', 'fundingScriptPubkey', 'channelValueSat', 'channelKeysId', 'holderPubkeys', 'counterpartyPubkeys', 'holderSelectedContestDelay', 'counterpartySelectedContestDelay', 'isOutbound', 'channelType', 'commitmentNumberObscureFactor', 'destinationScript', 'initialHolderCommitment', 'initialCounterpartyCommitment', 'bestBlock'] },
);
const step: fc.Arbitrary<ChannelMonitorUpdateStep> = fc.oneof(
  holder.map((commitment) => ({ type: 'LatestHolderCommitment' as const, commitment })),
  counterparty.map((commitment) => ({ type: 'LatestCounterpartyCommitment' as const, commitment })),
  bytes(32).map((paymentPreimage) => ({ type: 'PaymentPreimage' as const, paymentPreimage })),
  fc.record({ idx: u64, secret: bytes(32) }).map((x) => ({ type: 'CommitmentSecret' as const, ...x })),
  fc.boolean().map((shouldBroadcast) => ({ type: 'ChannelForceClosed' as const, shouldBroadcast })),
  script.map((scriptPubkey) => ({ type: 'ShutdownScript' as const, scriptPubkey })),
);
const update: fc.Arbitrary<ChannelMonitorUpdate> = fc.record({ channelId: bytes(32), updateId: u64, steps: fc.array(step, { maxLength: 5 }) });

/** A context the decoder never touches (monitors only use it to act). */
const inertCtx = (): MonitorContext => {
  const env = new Env({ label: 'inert' });
  return { secp: env.secp, signerProvider: env.pair.a.km, broadcaster: { broadcastTransactions() {} }, feeEstimator: env.fees };
};

test('property: ChannelMonitorInit and ChannelMonitorUpdate round-trip exactly', () => {
  fc.assert(
    fc.property(init, update, (i, u) => {
      const ib = encodeChannelMonitorInit(i);
      assert.equal(plain(decodeChannelMonitorInit(ib)), plain(i));
      assert.equal(encodeChannelMonitorInit(decodeChannelMonitorInit(ib)), ib);
      const ub = encodeChannelMonitorUpdate(u);
      assert.equal(plain(decodeChannelMonitorUpdate(ub)), plain(u));
      assert.equal(encodeChannelMonitorUpdate(decodeChannelMonitorUpdate(ub)), ub);
    }),
    { numRuns: 300 },
  );
});

test('property: a monitor from arbitrary data, with preimage/close/shutdown updates, serializes and deserializes to the same bytes', () => {
  const ctx = inertCtx();
  const safeStep = fc.oneof(
    bytes(32).map((paymentPreimage) => ({ type: 'PaymentPreimage' as const, paymentPreimage })),
    fc.constant({ type: 'ChannelForceClosed' as const, shouldBroadcast: false }),
    script.map((scriptPubkey) => ({ type: 'ShutdownScript' as const, scriptPubkey })),
  );
  fc.assert(
    fc.property(init, fc.array(fc.array(safeStep, { maxLength: 3 }), { maxLength: 5 }), (i, steps) => {
      const m = ChannelMonitor.fromInit(i, ctx);
      steps.forEach((s, k) => m.update({ channelId: i.channelId, updateId: BigInt(k + 1), steps: s }));
      const b = m.serialize();
      const back = ChannelMonitor.deserialize(b, ctx);
      assert.is(bytesToHex(back.serialize()), bytesToHex(b));
      assert.is(back.latestUpdateId, BigInt(steps.length));
      assert.equal(plain(back.state.holderCurrent), plain(i.initialHolderCommitment));
    }),
    { numRuns: 150 },
  );
});

test('real monitors round-trip at every stage of a force close, and a reloaded monitor carries on the same way', () => {
  const { env, p } = fourHtlcs({ label: 'serde-stages' });
  env.A.apply([p.forceCloseUpdate('A')]);
  const ctx = { secp: env.secp, signerProvider: p.a.km, broadcaster: { broadcastTransactions() {} }, feeEstimator: env.fees };
  for (let i = 0; i < 80; i++) {
    env.mine(1);
    for (const s of [env.A, env.B]) {
      const m = s.monitor.listMonitors()[0]!;
      const b = m.serialize();
      const back = ChannelMonitor.deserialize(b, { ...ctx, signerProvider: p.side(s.name).km });
      assert.is(bytesToHex(back.serialize()), bytesToHex(b), `${s.name} at height ${env.chain.tipHeight}`);
      assert.equal(back.getClaimableBalances(), m.getClaimableBalances());
    }
  }
  assert.ok(env.A.monitor.listMonitors()[0]!.isFullyResolved() || env.chain.tipHeight > ANTI_REORG_DELAY);
});

/** Calls `f` and requires it to succeed or throw `MonitorDecodeError`. */
function onlyTyped(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof MonitorDecodeError)) throw new Error(`untyped error: ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
}

test('fuzz: the decoders throw only MonitorDecodeError on random and mutated bytes', () => {
  const ctx = inertCtx();
  const { env, p } = fourHtlcs({ label: 'fuzz' });
  env.A.apply([p.forceCloseUpdate('A')]);
  env.mine(3);
  const monitorBytes = env.A.monitor.listMonitors()[0]!.serialize();
  const updateBytes = encodeChannelMonitorUpdate(p.advance({ toAMsat: 1n, toBMsat: 2n, htlcs: [], feeratePerKw: 253 }).A[0]!);
  const initBytes = encodeChannelMonitorInit(p.initFor('A', { blockHash: env.chain.tip.hash, height: 1 }));
  const decoders: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ['monitor', monitorBytes, (b) => ChannelMonitor.deserialize(b, ctx)],
    ['update', updateBytes, decodeChannelMonitorUpdate],
    ['init', initBytes, decodeChannelMonitorInit],
  ];
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), data: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0, 0xff, 0x7f, 0x80) }),
  );
  for (const [, valid, dec] of decoders) {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
        let b = Uint8Array.from(valid);
        for (const m of muts) {
          const at = m.at % Math.max(1, b.length);
          if (m.kind === 'flip') b[at]! ^= 1 << m.bit;
          else if (m.kind === 'set') b[at] = m.value;
          else if (m.kind === 'truncate') b = b.slice(0, at);
          else b = Uint8Array.from([...b.slice(0, at), ...m.data, ...b.slice(at)]);
        }
        onlyTyped(() => dec(b));
      }),
      { numRuns: RUNS ?? 400 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyTyped(() => dec(b))), { numRuns: RUNS ?? 300 });
  }
});

test('decoders refuse trailing bytes, unknown versions and bad public keys', () => {
  const u = encodeChannelMonitorUpdate({ channelId: new Uint8Array(32), updateId: 1n, steps: [] });
  for (const bad of [Uint8Array.from([...u, 0]), Uint8Array.from([9, ...u.slice(1)])]) {
    try {
      decodeChannelMonitorUpdate(bad);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, MonitorDecodeError);
    }
  }
  const ctx = inertCtx();
  try {
    ChannelMonitor.deserialize(new TextEncoder().encode('LNMOX and more bytes'), ctx);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, MonitorDecodeError);
  }
});

test.run();
