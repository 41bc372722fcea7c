/**
 * A cheating counterparty (B) publishes revoked commitments; A's monitor takes everything
 * (BOLT 5 "Revoked Transaction Close Handling"). Amounts are checked to the satoshi: A ends
 * with the channel's value minus the commitment's fee, the cheater's HTLC transaction fees and
 * the justice transactions' fees, each computed independently here.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex } from '@ln/crypto';
import { commitmentFeeSat, htlcSuccessFeeSat, htlcTimeoutFeeSat, offeredHtlcScript, p2wpkh, parseTx, receivedHtlcScript, toLocalScript, txidOf } from '@ln/transactions';
import { ANTI_REORG_DELAY, type SpendableOutputDescriptor } from '../src/index.js';
import type { CommitState, TestHtlc } from './helpers/channel-pair.js';
import { Env, type FeedMode } from './helpers/env.js';
import { ledger } from './helpers/ledger.js';

const FEERATE = 1234;

/** Weight of a claim with the given per-input witness sizes (each with its item count byte) paying one P2WPKH. */
function claimWeight(witnesses: number[]): number {
  const n = witnesses.length;
  return (4 + 1 + 41 * n + 1 + (8 + 1 + 22) + 4) * 4 + 2 + witnesses.reduce((a, b) => a + b, 0);
}
const fee = (w: number) => BigInt(Math.ceil((FEERATE * w) / 1000));
/** `<sig> 1 <script>` with a 73-byte signature counted (BOLT 5 `to_local_penalty_witness`). */
const toLocalPenalty = (scriptLen: number) => 1 + 74 + 2 + 1 + scriptLen;
/** `<sig> <revocationpubkey> <script>` (BOLT 5 `offered_htlc_penalty_witness`/`accepted_htlc_penalty_witness`). */
const htlcPenalty = (scriptLen: number) => 1 + 74 + 34 + 1 + scriptLen;

function scriptsOf(env: Env, n: bigint, h: { offered?: TestHtlc; received?: TestHtlc }) {
  const k = env.pair.keysOf('B', n);
  const keys = { revocationKey: k.revocationKey, broadcasterHtlcKey: k.broadcasterHtlcKey, countersignatoryHtlcKey: k.countersignatoryHtlcKey };
  return {
    toLocal: toLocalScript(k.revocationKey, env.pair.delayOnB, k.broadcasterDelayedPaymentKey).length,
    offered: h.offered ? offeredHtlcScript(keys, h.offered.paymentHash, env.pair.anchors).length : 0,
    received: h.received ? receivedHtlcScript(keys, h.received.paymentHash, h.received.cltvExpiry, env.pair.anchors).length : 0,
  };
}

function finish(env: Env): void {
  env.mine(ANTI_REORG_DELAY + 2);
  env.assertNoInvalid();
}

function spendables(env: Env): SpendableOutputDescriptor[] {
  return env.A.userEvents.flatMap((e) => (e.type === 'SpendableOutputs' ? e.outputs : []));
}

for (const mode of ['listen', 'confirm'] as FeedMode[]) {
  for (const revokedN of [0n, 1n, 2n]) {
    test(`${mode}: B publishes revoked commitment ${revokedN} without HTLCs; A takes to_local, keeps to_remote, to the satoshi`, () => {
      const env = new Env({ mode, claimFeerate: FEERATE, label: `j-${mode}-${revokedN}` });
      const p = env.pair;
      const states: CommitState[] = [
        { toAMsat: 700_000_000n, toBMsat: 300_000_000n, htlcs: [], feeratePerKw: 2500 },
        { toAMsat: 650_000_000n, toBMsat: 350_000_000n, htlcs: [], feeratePerKw: 3000 },
        { toAMsat: 640_000_000n, toBMsat: 360_000_000n, htlcs: [], feeratePerKw: 3000 },
      ];
      for (const s of states) env.advance(p.advance(s));
      const revoked = p.side('B').states.get(revokedN)!;
      const cheat = p.signedCommitment('B', revokedN);
      env.chain.mine(1, { txs: [cheat.raw] });
      env.A.drain();
      assert.ok(env.A.monitorEvents.some((e) => e.type === 'CommitmentTxConfirmed'), 'funding spend reported');
      finish(env);
      const commitFee = commitmentFeeSat(revoked.feeratePerKw, 0, false);
      const justiceFee = fee(claimWeight([toLocalPenalty(scriptsOf(env, revokedN, {}).toLocal)]));
      const l = ledger(env);
      assert.is(l.by['A-to_remote'], revoked.toAMsat / 1000n - commitFee, 'A keeps its to_remote (A funded: pays the commitment fee)');
      assert.is(l.by['A-wallet'], revoked.toBMsat / 1000n - justiceFee, 'B\'s to_local minus the justice fee');
      assert.is(l.by['A-wallet'] + l.by['A-to_remote'], p.channelValueSat - commitFee - justiceFee, 'everything else is A\'s');
      assert.is(l.by['B-wallet'] + l.by['B-to_remote'] + l.by.other, 0n, 'the cheater gets nothing');
      const outs = spendables(env);
      assert.equal(outs.map((o) => o.type).sort(), ['StaticOutput', 'StaticPaymentOutput']);
      assert.equal(env.A.monitor.getClaimableBalances()[0]!.balances, [], 'nothing left to claim');
      assert.is(env.A.monitor.listMonitors()[0]!.isFullyResolved(), true);
    });
  }
}

/** Two HTLCs on commitment 1 (A→B `hA`, B→A `hB`), removed by commitment 2; commitment 3 moves 50k sat. */
function htlcChannel(label: string, anchors = false) {
  const env = new Env({ claimFeerate: FEERATE, label, anchors });
  const p = env.pair;
  const tip = env.chain.tipHeight;
  const hA = p.htlc('A', 50_000_000n, tip + 30);
  const hB = p.htlc('B', 70_000_000n, tip + 20);
  const s1: CommitState = { toAMsat: 550_000_000n, toBMsat: 330_000_000n, htlcs: [hA, hB], feeratePerKw: 2500 };
  env.advance(p.advance(s1));
  env.advance(p.advance({ toAMsat: 550_000_000n, toBMsat: 450_000_000n, htlcs: [], feeratePerKw: 2500 })); // hA fulfilled, hB failed
  env.advance(p.advance({ toAMsat: 500_000_000n, toBMsat: 500_000_000n, htlcs: [], feeratePerKw: 2500 }));
  return { env, p, hA, hB, s1 };
}

test('B publishes a revoked commitment with HTLCs both ways: one justice transaction takes to_local and both HTLC outputs', () => {
  const { env, p, hA, hB, s1 } = htlcChannel('j-htlc');
  env.chain.mine(1, { txs: [p.signedCommitment('B', 1n).raw] });
  finish(env);
  const sc = scriptsOf(env, 1n, { offered: hB, received: hA });
  const commitFee = commitmentFeeSat(2500, 2, false);
  const justiceFee = fee(claimWeight([toLocalPenalty(sc.toLocal), htlcPenalty(sc.offered), htlcPenalty(sc.received)]));
  assert.is(htlcPenalty(sc.offered), 243, 'BOLT 5 offered_htlc_penalty_witness');
  const l = ledger(env);
  const justice = l.txs.filter((t) => t.tx.inputs.length === 3);
  assert.is(justice.length, 1, 'a single justice transaction');
  assert.is(justice[0]!.feeSat, justiceFee);
  assert.is(l.by['A-to_remote'], s1.toAMsat / 1000n - commitFee);
  assert.is(l.by['A-wallet'], (s1.toBMsat + hA.amountMsat + hB.amountMsat) / 1000n - justiceFee);
  assert.is(l.by['B-wallet'] + l.by['B-to_remote'] + l.by.other, 0n);
  env.A.drain();
  const resolved = env.A.monitorEvents.filter((e) => e.type === 'HtlcResolved');
  assert.equal(resolved.map((e) => e.type === 'HtlcResolved' && [e.htlcId, e.paymentPreimage]), [[hA.id, undefined]], 'hA (ours, taken by justice) reported failed, no preimage');
});

test('the cheater also publishes its HTLC-timeout and HTLC-success transactions: A takes their outputs too, and learns the preimage', () => {
  const { env, p, hA, hB, s1 } = htlcChannel('j-second');
  env.mineUntil(() => env.chain.tipHeight >= hB.cltvExpiry);
  const cheat = p.signedCommitment('B', 1n);
  const timeout = p.htlcTx('B', 1n, hB); // B offered hB: HTLC-timeout, locktime = cltv
  const success = p.htlcTx('B', 1n, hA); // B received hA and knows the preimage: HTLC-success
  env.chain.mine(1, { txs: [cheat.raw, timeout, success] });
  env.A.drain();
  const pre = env.A.monitorEvents.find((e) => e.type === 'HtlcResolved');
  assert.ok(pre && pre.type === 'HtlcResolved' && pre.htlcId === hA.id && pre.paymentPreimage && bytesToHex(pre.paymentPreimage) === bytesToHex(hA.preimage), 'preimage learned on chain reported at once');
  finish(env);
  const sc = scriptsOf(env, 1n, {});
  const oneToLocal = fee(claimWeight([toLocalPenalty(sc.toLocal)]));
  const l = ledger(env);
  const htlcFees = htlcTimeoutFeeSat(2500, false) + htlcSuccessFeeSat(2500, false);
  assert.is(l.txs.filter((t) => t.tx.outputs.length === 1 && t.tx.inputs.length === 1 && t.feeSat === oneToLocal).length, 3, 'three justice transactions (to_local, two HTLC-tx outputs)');
  assert.is(l.by['A-wallet'], (s1.toBMsat + hA.amountMsat + hB.amountMsat) / 1000n - htlcFees - 3n * oneToLocal);
  assert.is(l.by['A-to_remote'], s1.toAMsat / 1000n - commitmentFeeSat(2500, 2, false));
  assert.is(l.by['B-wallet'] + l.by['B-to_remote'] + l.by.other, 0n, 'the cheater gets nothing');
});

test('an HTLC-success replacing the pending justice transaction in the mempool: A rebuilds the justice claims', () => {
  const { env, p, hA, hB, s1 } = htlcChannel('j-race');
  env.chain.mine(1, { txs: [p.signedCommitment('B', 1n).raw] }); // A broadcasts justice for 3 outputs while mining this block
  const pending = env.chain.mempoolTxids();
  assert.is(pending.length, 1, 'the 3-input justice transaction waits in the mempool');
  const success = p.htlcTx('B', 1n, hA);
  const r = env.chain.submitToMempool(success);
  assert.ok(r.ok, 'B\'s HTLC-success pays more and replaces the justice transaction');
  env.mine(1);
  finish(env);
  const sc = scriptsOf(env, 1n, { offered: hB });
  const l = ledger(env);
  const fees = htlcSuccessFeeSat(2500, false) + fee(claimWeight([toLocalPenalty(sc.toLocal), htlcPenalty(sc.offered)])) + fee(claimWeight([toLocalPenalty(sc.toLocal)]));
  assert.is(l.by['A-wallet'], (s1.toBMsat + hA.amountMsat + hB.amountMsat) / 1000n - fees);
  assert.is(l.by['B-wallet'] + l.by['B-to_remote'] + l.by.other, 0n);
});

test('anchors: revoked commitment with HTLCs and a second-stage transaction: everything goes to A', () => {
  const { env, p, hA, hB, s1 } = htlcChannel('j-anchors', true);
  const cheat = p.signedCommitment('B', 1n);
  const success = p.htlcTx('B', 1n, hA); // zero-fee with anchors; a miner takes it anyway here
  // With anchors the HTLC output has a 1-block CSV (BOLT 3): the HTLC-success can only be in the next block.
  env.A.broadcaster.hold = true; // B's HTLC-success wins the race to the next block
  env.chain.mine(1, { txs: [cheat.raw] });
  env.chain.mine(1, { txs: [success] });
  env.A.broadcaster.hold = false;
  env.A.drain();
  env.B.drain();
  finish(env);
  const l = ledger(env);
  const desc = spendables(env).find((d) => d.type === 'StaticPaymentOutput');
  assert.ok(desc && desc.type === 'StaticPaymentOutput' && desc.csvDelay === 1 && desc.witnessScript, 'anchors to_remote descriptor has its script and 1-block CSV');
  const commitFee = commitmentFeeSat(2500, 2, true);
  assert.is(desc!.output.valueSat, s1.toAMsat / 1000n - commitFee - 660n, 'to_remote: A funded, pays the fee and both anchors');
  // Besides A's to_remote (a P2WSH with anchors), only the two 330-sat anchors are left: anyone's after 16 blocks.
  const others = l.leaves.filter((x) => x.owner === 'other').map((x) => x.valueSat).sort();
  assert.equal(others, [330n, 330n, desc!.output.valueSat].sort());
  assert.is(l.by['B-wallet'] + l.by['B-to_remote'], 0n);
  const sc = scriptsOf(env, 1n, { offered: hB });
  const justice = fee(claimWeight([toLocalPenalty(sc.toLocal), htlcPenalty(sc.offered)])) + fee(claimWeight([toLocalPenalty(sc.toLocal)]));
  assert.is(htlcPenalty(sc.offered), 246, 'the anchors offered script is 3 bytes longer');
  // A's claims are every transaction after the cheater's two; their fees may be bumped past the minimum (RBF per block).
  const own = [cheat.raw, success].map((raw) => bytesToHex(txidOf(parseTx(raw))));
  const claimFees = l.txs.filter((t) => !own.includes(bytesToHex(t.txid)) && (spends(t.tx, txidOf(parseTx(cheat.raw))) || spends(t.tx, txidOf(parseTx(success))))).reduce((a, t) => a + t.feeSat, 0n);
  assert.ok(claimFees >= justice, `justice fees ${claimFees} sat, at least ${justice}`);
  assert.is(l.by['A-wallet'], (s1.toBMsat + hA.amountMsat + hB.amountMsat) / 1000n - claimFees, 'a zero-fee HTLC-success: A takes the whole HTLC, less its claims\' fees');
});

/** Whether `tx` spends an output of the transaction `txid`. */
const spends = (tx: { inputs: readonly { prevout: { txid: Uint8Array } }[] }, txid: Uint8Array) => tx.inputs.some((i) => bytesToHex(i.prevout.txid) === bytesToHex(txid));

for (let depth = 1; depth <= 6; depth++) {
  test(`justice survives a reorg of ${depth} at "the cheater's HTLC-timeout and HTLC-success confirmed": every output still ends with A, each fee at least BOLT 5's`, () => {
    const { env, p, hA, hB } = htlcChannel(`j-second-reorg-${depth}`);
    env.mineUntil(() => env.chain.tipHeight >= hB.cltvExpiry);
    const cheat = p.signedCommitment('B', 1n);
    env.A.broadcaster.hold = true; // B's second-stage transactions win the race to the next block
    env.chain.mine(1, { txs: [cheat.raw] });
    const second = [p.htlcTx('B', 1n, hB), p.htlcTx('B', 1n, hA)];
    env.chain.mine(1, { txs: second });
    env.A.broadcaster.hold = false;
    env.mine(2); // A's justice on to_local and on both second-stage outputs confirms
    // The disconnected blocks' transactions come back through the mempool when still final at the new
    // tip (as bitcoind's reorg handling): from depth 5 the tip is below the HTLC-timeout's nLockTime
    // (its cltv_expiry), so it is dropped and A takes that HTLC from the commitment instead.
    env.chain.reorg(depth);
    finish(env);
    env.mine(ANTI_REORG_DELAY);
    const l = ledger(env);
    assert.is(l.by['B-wallet'] + l.by['B-to_remote'] + l.by.other, 0n, 'the cheater gets nothing, nothing is left unclaimed');
    assert.is(l.by['A-wallet'] + l.by['A-to_remote'] + l.feesSat, 1_000_000n, 'every satoshi with A, less fees');
    const sc = scriptsOf(env, 1n, {});
    const justice = l.txs.filter((t) => t.tx.outputs.length === 1 && t.tx.inputs.every((i) => i.witness[1]?.length === 1 && i.witness[1][0] === 1));
    const secondIds = second.map((raw) => bytesToHex(txidOf(parseTx(raw))));
    const secondOnChain = l.txs.filter((t) => secondIds.includes(bytesToHex(t.txid))).length;
    assert.is(secondOnChain, depth >= 5 ? 1 : 2, 'the HTLC-timeout is non-final after a reorg below its cltv_expiry');
    assert.is(justice.length, 1 + secondOnChain, 'to_local and every confirmed second-stage output taken by the revocation key');
    for (const j of justice) assert.ok(j.feeSat >= fee(claimWeight([toLocalPenalty(sc.toLocal)])), `fee ${j.feeSat}`);
    env.A.drain();
    const pre = env.A.monitorEvents.filter((e) => e.type === 'HtlcResolved' && e.htlcId === hA.id);
    assert.is(pre.length, 1, 'the preimage is reported once across the reorg');
    assert.ok(env.A.monitor.listMonitors()[0]!.isFullyResolved());
  });
}

for (const depth of [2, 3, 5]) {
  test(`a reorg of ${depth} drops the cheater's second-stage transactions for good (the commitment stays): A takes the commitment's HTLC outputs with the revocation key instead`, () => {
    const { env, p, hA, hB, s1 } = htlcChannel(`j-second-drop-${depth}`);
    env.mineUntil(() => env.chain.tipHeight >= hB.cltvExpiry);
    const cheat = p.signedCommitment('B', 1n);
    env.A.broadcaster.hold = true; // B's second-stage transactions win the race to the next block
    env.chain.mine(1, { txs: [cheat.raw] });
    const second = [p.htlcTx('B', 1n, hB), p.htlcTx('B', 1n, hA)];
    env.chain.mine(1, { txs: second });
    env.A.broadcaster.hold = false;
    env.mine(depth - 1); // A's justice on the second-stage outputs confirms (depth ≥ 2 blocks after them)
    const secondIds = second.map((raw) => txidOf(parseTx(raw)));
    assert.ok(secondIds.every((t) => env.chain.confirmations(t) === depth), 'both second-stage transactions confirmed');
    const drop = [...secondIds];
    for (let h = env.chain.tipHeight - depth + 1; h <= env.chain.tipHeight; h++) {
      for (const raw of env.chain.getBlock(h)!.transactions) {
        const t = parseTx(raw);
        if (drop.some((d) => spends(t, d))) drop.push(txidOf(t));
      }
    }
    env.chain.reorg(depth, { dropTxids: drop });
    finish(env);
    env.mine(ANTI_REORG_DELAY);
    env.assertNoInvalid();
    const l = ledger(env);
    assert.ok(l.txs.every((t) => !secondIds.some((d) => bytesToHex(d) === bytesToHex(t.txid))), 'no second-stage transaction on the final chain');
    const sc = scriptsOf(env, 1n, { offered: hB, received: hA });
    const htlcJustice = l.txs.filter((t) => t.tx.inputs.some((i) => i.witness[1]?.length === 33));
    assert.ok(htlcJustice.length >= 1, 'HTLC outputs taken by the revocation key (witness <sig> <revocationpubkey> <script>)');
    assert.is(l.by['A-wallet'] + l.feesSat - commitmentFeeSat(2500, 2, false), (s1.toBMsat + hA.amountMsat + hB.amountMsat) / 1000n, 'A: the cheater\'s balance and both HTLCs, less the justice fees');
    assert.is(l.by['A-to_remote'], s1.toAMsat / 1000n - commitmentFeeSat(2500, 2, false));
    assert.is(l.by['B-wallet'] + l.by['B-to_remote'] + l.by.other, 0n);
    assert.ok(htlcPenalty(sc.offered) === 243);
  });
}

test('after a no-broadcast force close (ChannelForceClosed { shouldBroadcast: false }, e.g. the peer proved our state stale): a revoked commitment is still punished and to_remote still reported', () => {
  const { env, p, hA, hB, s1 } = htlcChannel('j-nobroadcast');
  env.A.apply([p.forceCloseUpdate('A', false)]);
  env.mine(3);
  assert.is(env.A.broadcaster.offered.length, 0, 'A broadcasts nothing of its own');
  env.chain.mine(1, { txs: [p.signedCommitment('B', 1n).raw] });
  finish(env);
  const sc = scriptsOf(env, 1n, { offered: hB, received: hA });
  const justiceFee = fee(claimWeight([toLocalPenalty(sc.toLocal), htlcPenalty(sc.offered), htlcPenalty(sc.received)]));
  const l = ledger(env);
  assert.is(l.by['A-wallet'], (s1.toBMsat + hA.amountMsat + hB.amountMsat) / 1000n - justiceFee, 'justice to the satoshi');
  assert.is(l.by['A-to_remote'], s1.toAMsat / 1000n - commitmentFeeSat(2500, 2, false));
  assert.is(l.by['B-wallet'] + l.by['B-to_remote'] + l.by.other, 0n);
  const outs = spendables(env);
  assert.equal(outs.map((o) => o.type).sort(), ['StaticOutput', 'StaticPaymentOutput'], 'the justice output and to_remote reported');
  assert.ok(env.A.monitor.listMonitors()[0]!.isFullyResolved());
});

test('after a no-broadcast force close: the counterparty\'s latest commitment confirms; A claims its HTLC with the preimage and gets to_remote', () => {
  const env = new Env({ claimFeerate: FEERATE, label: 'j-nobroadcast-current' });
  const p = env.pair;
  const hB = p.htlc('B', 70_000_000n, env.chain.tipHeight + 40);
  const s: CommitState = { toAMsat: 550_000_000n, toBMsat: 380_000_000n, htlcs: [hB], feeratePerKw: 2500 };
  env.advance(p.advance(s));
  env.A.apply([p.preimageUpdate('A', hB), p.forceCloseUpdate('A', false)]);
  env.mine(2);
  assert.is(env.A.broadcaster.offered.length, 0);
  env.chain.mine(1, { txs: [p.signedCommitment('B', p.side('B').holderN).raw] });
  finish(env);
  const l = ledger(env);
  assert.ok(l.by['A-wallet'] > hB.amountMsat / 1000n - 2_000n && l.by['A-wallet'] < hB.amountMsat / 1000n, `hB claimed with the preimage (${l.by['A-wallet']})`);
  assert.is(l.by['A-to_remote'], s.toAMsat / 1000n - commitmentFeeSat(2500, 1, false));
  assert.is(l.by.other, s.toBMsat / 1000n, 'only B\'s own delayed to_local is left (B sweeps it after its delay)');
});

test.run();
