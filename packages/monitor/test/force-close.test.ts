/**
 * Unilateral closes with HTLCs outstanding both ways (BOLT 5 "Unilateral Close Handling"):
 * both sides' monitors run on the same chain; every HTLC resolves on chain by preimage or
 * timeout, preimages learned on chain are reported, delayed outputs are swept after their CSV
 * delays, and every satoshi ends in one side's wallet.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MonitorEvent } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import { buildLegacyClosingTransaction, commitmentFeeSat, fundingWitness, htlcSuccessFeeSat, htlcTimeoutFeeSat, parseTx, serializeTx, withWitness } from '@ln/transactions';
import { ANTI_REORG_DELAY, CLTV_CLAIM_BUFFER, LATENCY_GRACE_PERIOD_BLOCKS, totalBalanceSat } from '../src/index.js';
import type { CommitState, TestHtlc } from './helpers/channel-pair.js';
import { Env } from './helpers/env.js';
import { fourHtlcs } from './helpers/scenarios.js';
import { ledger } from './helpers/ledger.js';

const resolved = (events: MonitorEvent[]) =>
  events.flatMap((e) => (e.type === 'HtlcResolved' ? [{ id: e.htlcId, preimage: e.paymentPreimage ? bytesToHex(e.paymentPreimage) : undefined }] : []));

function expectOutcome(env: Env, hA1: TestHtlc, hA2: TestHtlc, hB1: TestHtlc, hB2: TestHtlc): void {
  assert.equal(
    resolved(env.A.monitorEvents).sort((a, b) => Number(a.id - b.id)),
    [{ id: hA1.id, preimage: bytesToHex(hA1.preimage) }, { id: hA2.id, preimage: undefined }],
    'A: hA1 fulfilled on chain by B (preimage learned), hA2 timed out',
  );
  assert.equal(
    resolved(env.B.monitorEvents).sort((a, b) => Number(a.id - b.id)),
    [{ id: hB1.id, preimage: bytesToHex(hB1.preimage) }, { id: hB2.id, preimage: undefined }],
    'B: hB1 fulfilled on chain by A (preimage learned), hB2 timed out',
  );
  for (const s of [env.A, env.B]) {
    assert.is(s.monitorEvents.filter((e) => e.type === 'CommitmentTxConfirmed').length, 1);
    assert.equal(s.monitor.getClaimableBalances()[0]!.balances, [], `${s.name} has nothing left to claim`);
    assert.ok(s.monitor.listMonitors()[0]!.isFullyResolved(), `${s.name} fully resolved`);
  }
}

for (const closer of ['A', 'B'] as const) {
  test(`${closer} force-closes with HTLCs both ways: every HTLC resolves by preimage or timeout, all funds reach the wallets`, () => {
    const { env, p, H, hA1, hA2, hB1, hB2, s1 } = fourHtlcs({ label: `fc-${closer}` });
    const side = closer === 'A' ? env.A : env.B;
    side.apply([p.forceCloseUpdate(closer)]);
    assert.is(side.broadcaster.offered.length, 1, 'our commitment broadcast at once');
    env.mine(1);
    const closeHeight = env.chain.tipHeight;
    // The preimage claim of the HTLC offered by the closer's counterparty goes out at once; the offerer learns the preimage.
    env.mine(1);
    env.mineUntil(() => env.chain.tipHeight > H + 60 + ANTI_REORG_DELAY + 25 && env.chain.mempoolTxids().length === 0);
    env.mine(ANTI_REORG_DELAY);
    env.assertNoInvalid();
    expectOutcome(env, hA1, hA2, hB1, hB2);
    const l = ledger(env);
    assert.is(l.by.other, 0n, 'no output left that is not in a wallet');
    const commitFee = commitmentFeeSat(2000, 4, false);
    // The side that did not close gets its main output at once (to_remote), undelayed and unswept.
    if (closer === 'A') {
      assert.is(l.by['B-to_remote'], s1.toBMsat / 1000n);
      assert.is(l.by['A-to_remote'], 0n);
    } else {
      assert.is(l.by['A-to_remote'], s1.toAMsat / 1000n - commitFee);
      assert.is(l.by['B-to_remote'], 0n);
    }
    // Who got each HTLC: hA1 and hB1 by preimage (to the payee), hA2 and hB2 by timeout (back to the payer).
    const aGot = hB1.amountMsat + hA2.amountMsat;
    const bGot = hA1.amountMsat + hB2.amountMsat;
    const aMain = s1.toAMsat / 1000n - commitFee; // A funded: its main output pays the commitment fee, whoever closed
    const bMain = s1.toBMsat / 1000n;
    const total = l.by['A-wallet'] + l.by['A-to_remote'] + l.by['B-wallet'] + l.by['B-to_remote'];
    assert.is(total + l.feesSat, p.channelValueSat, 'conservation');
    const aHas = l.by['A-wallet'] + l.by['A-to_remote'];
    const bHas = l.by['B-wallet'] + l.by['B-to_remote'];
    assert.ok(aHas > aMain + aGot / 1000n - 10_000n && aHas <= aMain + aGot / 1000n, `A got its main output and hB1, hA2 minus claim fees (${aHas})`);
    assert.ok(bHas > bMain + bGot / 1000n - 10_000n && bHas <= bMain + bGot / 1000n, `B got its main output and hA1, hB2 minus claim fees (${bHas})`);
    // Delayed outputs were swept only after their CSV delays.
    const delay = closer === 'A' ? p.delayOnA : p.delayOnB;
    const closerWallet = closer === 'A' ? 'A-wallet' : 'B-wallet';
    for (const t of l.txs) {
      if (!l.leaves.some((x) => x.owner === closerWallet && x.outpoint.txid.every((b, i) => b === t.txid[i]))) continue;
      for (const input of t.tx.inputs) {
        const parent = l.txs.find((x) => x.txid.every((b, i) => b === input.prevout.txid[i]));
        if (parent && input.sequence === delay) assert.ok(t.height - parent.height >= delay, 'CSV respected');
      }
    }
    assert.ok(closeHeight > H);
  });
}

test('exact amounts on our own commitment: to_local and both second-stage outputs swept, fees computed independently', () => {
  const { env, p, hA2, hB1, s1 } = fourHtlcs({ label: 'fc-exact' });
  env.A.apply([p.forceCloseUpdate('A')]);
  env.mineUntil(() => env.chain.tipHeight > 120 && env.chain.mempoolTxids().length === 0);
  env.mine(ANTI_REORG_DELAY);
  const l = ledger(env);
  const k = p.keysOf('A', 1n);
  // `<sig> <> <to_local script>`: 1 count + 74 sig + 1 empty + script with its length byte.
  const scriptLen = 1 + 33 + 1 + 1 + 1 + 1 + 1 + 1 + 33 + 1 + 1 + 1; // delay 20 is one push byte (OP_PUSHBYTES_1 0x14)
  assert.ok(k.revocationKey.length === 33);
  const sweepWeight = (4 + 1 + 41 + 1 + 31 + 4) * 4 + 2 + (1 + 74 + 1 + 1 + scriptLen);
  const commitFee = commitmentFeeSat(2000, 4, false);
  const expected = s1.toAMsat / 1000n - commitFee + (hB1.amountMsat / 1000n - htlcSuccessFeeSat(2000, false)) + (hA2.amountMsat / 1000n - htlcTimeoutFeeSat(2000, false)) - 3n * BigInt(sweepWeight);
  assert.is(l.by['A-wallet'], expected);
});

test('the counterparty\'s previous (unrevoked) commitment confirms: handled as theirs, not as a revoked one', () => {
  const { env, p, hA1, hA2, hB1, hB2, s1 } = fourHtlcs({ label: 'fc-prev' });
  const s2: CommitState = { ...s1, toAMsat: s1.toAMsat - 1_000_000n, toBMsat: s1.toBMsat + 1_000_000n };
  const c = p.commit('B', s2); // A signed B's commitment 2; B has not revoked 1 yet
  env.advance(c);
  env.chain.mine(1, { txs: [p.signedCommitment('B', 1n).raw] });
  env.mineUntil(() => env.chain.tipHeight > 130 && env.chain.mempoolTxids().length === 0);
  env.mine(ANTI_REORG_DELAY);
  env.assertNoInvalid();
  expectOutcome(env, hA1, hA2, hB1, hB2);
  const l = ledger(env);
  assert.is(l.by['A-to_remote'], s1.toAMsat / 1000n - commitmentFeeSat(2000, 4, false), 'A\'s to_remote from commitment 1, not 2');
  assert.is(l.by.other, 0n);
});

test('deadline: an outgoing HTLC nobody resolves makes the monitor force-close at cltv_expiry + grace, then time it out', () => {
  const env = new Env({ label: 'deadline-out', delayOnA: 10 });
  const p = env.pair;
  const H = env.chain.tipHeight;
  const h = p.htlc('A', 20_000_000n, H + 12);
  env.advance(p.advance({ toAMsat: 580_000_000n, toBMsat: 400_000_000n, htlcs: [h], feeratePerKw: 2000 }));
  env.mineUntil(() => env.A.monitorEvents.some((e) => e.type === 'HolderForceClosed'));
  assert.is(env.chain.tipHeight, H + 12 + LATENCY_GRACE_PERIOD_BLOCKS);
  assert.is(env.A.broadcaster.offered.length, 1);
  env.mineUntil(() => resolved(env.A.monitorEvents).length === 1, 60);
  assert.equal(resolved(env.A.monitorEvents), [{ id: h.id, preimage: undefined }]);
  env.assertNoInvalid();
});

test('deadline: an incoming HTLC whose preimage we know makes the monitor force-close CLTV_CLAIM_BUFFER blocks before expiry and claim it', () => {
  const env = new Env({ label: 'deadline-in', delayOnA: 10 });
  const p = env.pair;
  const H = env.chain.tipHeight;
  const h = p.htlc('B', 20_000_000n, H + 40);
  const quiet = p.htlc('B', 10_000_000n, H + 25); // no preimage: never a reason to close
  env.advance(p.advance({ toAMsat: 600_000_000n, toBMsat: 370_000_000n, htlcs: [h, quiet], feeratePerKw: 2000 }));
  env.mine(5);
  assert.is(env.A.broadcaster.offered.length, 0);
  env.A.apply([p.preimageUpdate('A', h)]);
  env.mineUntil(() => env.A.monitorEvents.some((e) => e.type === 'HolderForceClosed'));
  assert.is(env.chain.tipHeight, H + 40 - CLTV_CLAIM_BUFFER);
  env.mine(2);
  const l = ledger(env);
  const success = l.txs.find((t) => t.tx.inputs[0]!.witness.length === 5 && t.tx.inputs[0]!.witness[3]!.length === 32);
  assert.ok(success, 'HTLC-success confirmed right after the commitment');
  env.assertNoInvalid();
});

test('fee bumping: an unconfirmed claim is re-signed every block at a feerate rising 25% (RBF), then stops once confirmed', () => {
  const { env, p } = fourHtlcs({ label: 'bump' });
  env.B.apply([p.forceCloseUpdate('B')]);
  env.A.broadcaster.hold = true; // A's claims reach no mempool
  env.mine(5); // B's commitment confirms; A claims hB1 with the preimage at once, then every block
  const claims = env.A.broadcaster.offered.map((raw) => parseTx(raw));
  const hb1 = claims.filter((t) => t.inputs.length === 1 && t.inputs[0]!.witness[1]!.length === 32);
  assert.ok(hb1.length >= 4, `rebroadcast every block (${hb1.length})`);
  const outs = hb1.map((t) => t.outputs[0]!.valueSat);
  for (let i = 1; i < outs.length; i++) assert.ok(outs[i]! < outs[i - 1]!, 'each rebroadcast pays more');
  const fees = outs.map((o) => 40_000n - o);
  assert.ok(fees[1]! * 100n >= fees[0]! * 125n - 100n, `the feerate rises ~25% (${fees[0]} → ${fees[1]})`);
  const n = env.A.broadcaster.offered.length;
  env.A.monitor.rebroadcastPendingClaims();
  const again = env.A.broadcaster.offered.slice(n).map((raw) => parseTx(raw)).filter((t) => t.inputs[0]!.witness[1]?.length === 32);
  assert.is(again.length, 1, 'rebroadcast on demand');
  assert.is(again[0]!.outputs[0]!.valueSat, outs[outs.length - 1], 'at the same feerate');
  env.A.broadcaster.hold = false;
  env.mine(2);
  const after = env.A.broadcaster.offered.length;
  env.mine(3);
  const later = env.A.broadcaster.offered.slice(after).map((raw) => parseTx(raw)).filter((t) => t.inputs[0]!.witness[1]?.length === 32);
  assert.is(later.length, 0, 'confirmed claims are not rebroadcast');
});

test('balances: open channel, then pending claims with their heights, then nothing', () => {
  const { env, p, hA1, hB1 } = fourHtlcs({ label: 'balances' });
  const open = env.A.monitor.getClaimableBalances()[0]!.balances;
  assert.is(open[0]!.type, 'ClaimableOnChannelClose');
  assert.is(open.filter((b) => b.type === 'MaybeTimeoutClaimableHTLC').length, 2);
  assert.is(open.filter((b) => b.type === 'ContentiousClaimable').length, 1, 'hB1: preimage known');
  assert.is(open.filter((b) => b.type === 'MaybePreimageClaimableHTLC').length, 1);
  env.A.apply([p.forceCloseUpdate('A')]);
  env.mine(1);
  const closed = env.A.monitor.getClaimableBalances()[0]!.balances;
  const toLocal = closed.find((b) => b.type === 'ClaimableAwaitingConfirmations' && b.source === 'to_local');
  assert.ok(toLocal && toLocal.type === 'ClaimableAwaitingConfirmations' && toLocal.confirmationHeight === env.chain.tipHeight + p.delayOnA, 'to_local with the height it unlocks');
  assert.ok(closed.some((b) => b.type === 'MaybeTimeoutClaimableHTLC' && b.claimableHeight === hA1.cltvExpiry));
  assert.ok(totalBalanceSat(closed) > 0n);
  assert.ok(hB1);
  env.mineUntil(() => env.A.monitor.getClaimableBalances()[0]!.balances.length === 0, 200);
});

for (const closer of ['A', 'B'] as const) {
  test(`anchors: ${closer} force-closes with HTLCs both ways; zero-fee HTLC transactions are flagged for fee-bumping`, () => {
    const { env, p, H, hA1, hA2, hB1, hB2 } = fourHtlcs({ label: `fc-anchors-${closer}`, anchors: true });
    const side = closer === 'A' ? env.A : env.B;
    side.apply([p.forceCloseUpdate(closer)]);
    env.mineUntil(() => env.chain.tipHeight > H + 60 + ANTI_REORG_DELAY + 25 && env.chain.mempoolTxids().length === 0);
    env.mine(ANTI_REORG_DELAY);
    env.assertNoInvalid();
    expectOutcome(env, hA1, hA2, hB1, hB2);
    const bumps = side.userEvents.filter((e) => e.type === 'BumpTransaction');
    assert.equal(bumps.map((e) => e.type === 'BumpTransaction' && e.kind).sort(), ['ChannelClose', 'HtlcResolution', 'HtlcResolution'], 'the commitment and both HTLC transactions of the closer');
    const close = bumps.find((e) => e.type === 'BumpTransaction' && e.kind === 'ChannelClose');
    assert.ok(close && close.type === 'BumpTransaction' && close.anchor && close.anchor.valueSat === 330n, 'our anchor is described for CPFP');
    const other = closer === 'A' ? env.B : env.A;
    const desc = other.userEvents.flatMap((e) => (e.type === 'SpendableOutputs' ? e.outputs : [])).find((d) => d.type === 'StaticPaymentOutput');
    assert.ok(desc && desc.type === 'StaticPaymentOutput' && desc.csvDelay === 1, 'the other side\'s to_remote (1-block CSV)');
    const l = ledger(env);
    const others = l.leaves.filter((x) => x.owner === 'other').map((x) => x.valueSat);
    assert.equal(others.sort(), [330n, 330n, desc!.output.valueSat].sort(), 'left outside wallets: two anchors and the to_remote descriptor');
  });
}

for (const closer of ['A', 'B'] as const) {
  test(`a preimage learned after ${closer === 'A' ? 'our' : 'their'} commitment confirmed is used at once`, () => {
    const env = new Env({ label: `late-${closer}`, delayOnA: 10, delayOnB: 10 });
    const p = env.pair;
    const h = p.htlc('B', 20_000_000n, env.chain.tipHeight + 50);
    env.advance(p.advance({ toAMsat: 600_000_000n, toBMsat: 380_000_000n, htlcs: [h], feeratePerKw: 2000 }));
    (closer === 'A' ? env.A : env.B).apply([p.forceCloseUpdate(closer)]);
    env.mine(3);
    const before = env.A.broadcaster.offered.length;
    env.A.apply([p.preimageUpdate('A', h)]);
    assert.is(env.A.broadcaster.offered.length, before + 1, 'claimed without waiting for a block');
    const claim = parseTx(env.A.broadcaster.offered[before]!);
    assert.ok(claim.inputs[0]!.witness.some((w) => w.length === 32 && bytesToHex(w) === bytesToHex(h.preimage)), 'with the preimage');
    env.mine(1);
    env.assertNoInvalid();
    assert.is(env.chain.mempoolTxids().length, 0);
  });
}

test('mutual close: the monitor reports the close, claims nothing and is resolved once it is deep', () => {
  const env = new Env({ label: 'mutual' });
  const p = env.pair;
  env.advance(p.advance({ toAMsat: 600_000_000n, toBMsat: 400_000_000n, htlcs: [], feeratePerKw: 2000 }));
  const tx = buildLegacyClosingTransaction({
    fundingOutpoint: p.fundingOutpoint, local: { scriptPubkey: env.destination('A'), balanceMsat: 600_000_000n }, remote: { scriptPubkey: env.destination('B'), balanceMsat: 400_000_000n },
    localIsFunder: true, feeSat: 500n, dustLimitSat: 546n,
  });
  const ctx = (who: 'A' | 'B') => ({ fundingValueSat: p.channelValueSat, counterpartyFundingPubkey: p.other(who).signer.pubkeys.fundingPubkey });
  const sa = p.a.signer.signClosingTransaction(tx, ctx('A'));
  const sb = p.b.signer.signClosingTransaction(tx, ctx('B'));
  const signed = withWitness(tx, 0, fundingWitness(p.fundingScript, p.a.signer.pubkeys.fundingPubkey, sa, p.b.signer.pubkeys.fundingPubkey, sb));
  env.chain.mine(1, { txs: [serializeTx(signed)] });
  env.mine(ANTI_REORG_DELAY);
  env.assertNoInvalid();
  for (const s of [env.A, env.B]) {
    assert.equal(s.monitorEvents.map((e) => e.type), ['CommitmentTxConfirmed']);
    assert.is(s.broadcaster.offered.length, 0, 'nothing to claim');
    assert.equal(s.monitor.getClaimableBalances()[0]!.balances, []);
    assert.ok(s.monitor.listMonitors()[0]!.isFullyResolved());
  }
});

test.run();
