/**
 * Issue 8 on a real channel: a cheating counterparty broadcasts a revoked commitment (captured
 * from its own monitor before later updates, with `unsafeGetLatestHolderCommitmentTx`) and the
 * victim's ChainMonitor takes everything (BOLT 5 "Revoked Transaction Close Handling"), amounts
 * checked to the satoshi.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ANTI_REORG_DELAY } from '@ln/monitor';
import { ScriptedFeeEstimator } from '@ln/test-kit';
import { commitmentFeeSat, weightOf, type Transaction } from '@ln/transactions';
import { channelLedger, claimAll, Network, ownedBy, sendPayment, type HarnessNode } from '../src/index.js';

const CLAIM_RATE = 1234;

/** BOLT 5: a claim pays ceil(rate × weight / 1000) with each signature counted at 73 bytes. */
function claimFee(tx: Transaction): bigint {
  const slack = tx.inputs.reduce((a, i) => a + (73 - i.witness[0]!.length), 0);
  return BigInt(Math.ceil((CLAIM_RATE * (weightOf(tx) + slack)) / 1000));
}

async function setup(feed: 'listen' | 'confirm' = 'listen'): Promise<{ net: Network; a: HarnessNode; b: HarnessNode; ch: Awaited<ReturnType<Network['openChannel']>> }> {
  const net = new Network({ feed });
  const a = await net.addNode('alice', { monitorFees: new ScriptedFeeEstimator({}, CLAIM_RATE) });
  const b = await net.addNode('bob');
  const ch = await net.openChannel(a, b, 1_000_000n, 400_000_000n);
  return { net, a, b, ch };
}

async function punish(net: Network, a: HarnessNode, b: HarnessNode, cheat: Uint8Array): Promise<void> {
  net.chain.broadcaster.broadcastTransactions([cheat]);
  await net.mine(1);
  assert.is(net.closedReason(a), 'CommitmentTxConfirmed');
  assert.is(net.closedReason(b), 'CommitmentTxConfirmed');
  await net.mine(ANTI_REORG_DELAY + 2);
}

for (const revoked of [0, 1, 2]) {
  test(`bob broadcasts his revoked commitment ${revoked} (no HTLCs): alice's monitor takes his to_local, keeps her to_remote, to the satoshi`, async () => {
    const { net, a, b, ch } = await setup();
    const rates = [3000, 3500, 4000];
    let cheat: { raw: Uint8Array; commitmentNumber: bigint } | undefined;
    let cheatRate = 2500;
    for (let i = 0; i <= rates.length; i++) {
      if (i === revoked) {
        cheat = b.chainMonitor.getMonitor(ch.channelId)!.unsafeGetLatestHolderCommitmentTx();
        cheatRate = i === 0 ? 2500 : rates[i - 1]!;
      }
      if (i < rates.length) {
        a.cm.updateFee(ch.channelId, rates[i]!);
        await net.settle();
      }
    }
    assert.is(cheat!.commitmentNumber, BigInt(revoked));
    assert.is(b.chainMonitor.getMonitor(ch.channelId)!.state.holderCurrent.commitmentNumber, 3n, 'the captured state was revoked since');
    await punish(net, a, b, cheat!.raw);
    const outs = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs);
    assert.equal(outs.map((o) => o.type).sort(), ['StaticOutput', 'StaticPaymentOutput']);
    const l = channelLedger(net.chain, ch.funding, 1_000_000n);
    assert.is(l.txs.length, 2, 'the revoked commitment and one justice transaction');
    const commitFee = commitmentFeeSat(cheatRate, 0, false);
    assert.is(l.txs[0]!.feeSat, commitFee);
    const justiceFee = claimFee(l.txs[1]!.tx);
    assert.is(l.txs[1]!.feeSat, justiceFee, 'justice fee');
    assert.is(ownedBy(l, a, outs.map((o) => o.outpoint)), 1_000_000n - commitFee - justiceFee, 'alice has everything but the fees');
    assert.is(ownedBy(l, b, net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint))), 0n, 'the cheater gets nothing');
    assert.equal(a.chainMonitor.getClaimableBalances()[0]!.balances, []);
    assert.is(a.chainMonitor.getMonitor(ch.channelId)!.isFullyResolved(), true);
    await net.teardown();
  });
}

for (const feed of ['listen', 'confirm'] as const) {
  test(`${feed}: bob broadcasts a revoked commitment holding HTLCs both ways: alice takes to_local and both HTLC outputs, to the satoshi`, async () => {
    const { net, a, b, ch } = await setup(feed);
    sendPayment(net, [a, b], 50_000_000n);
    sendPayment(net, [b, a], 70_000_000n);
    await net.settle();
    const monitorB = b.chainMonitor.getMonitor(ch.channelId)!;
    // Both HTLCs are on bob's current commitment: capture it.
    const cheat = monitorB.unsafeGetLatestHolderCommitmentTx();
    assert.is(monitorB.state.holderCurrent.htlcs.length, 2);
    assert.is(claimAll(net, b).length, 1);
    assert.is(claimAll(net, a).length, 1);
    await net.settle();
    for (const n of [a, b]) {
      net.expectEvent(n, 'PaymentSent');
      net.expectEvent(n, 'PaymentClaimed');
      net.takeEvents(n, 'PaymentPathSuccessful');
    }
    assert.is(monitorB.state.holderCurrent.htlcs.length, 0, 'settled: the captured commitment is revoked');
    await punish(net, a, b, cheat.raw);
    const outs = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs);
    const l = channelLedger(net.chain, ch.funding, 1_000_000n);
    const commitFee = commitmentFeeSat(2500, 2, false);
    assert.is(l.txs[0]!.feeSat, commitFee, 'the revoked commitment with two HTLC outputs');
    const justice = l.txs.slice(1);
    assert.is(justice.reduce((n, t) => n + t.tx.inputs.length, 0), 3, 'to_local and both HTLC outputs taken');
    const justiceFees = justice.reduce((x, t) => x + claimFee(t.tx), 0n);
    assert.is(justice.reduce((x, t) => x + t.feeSat, 0n), justiceFees, 'justice fees');
    assert.is(ownedBy(l, a, outs.map((o) => o.outpoint)), 1_000_000n - commitFee - justiceFees, 'alice has everything but the fees');
    assert.is(ownedBy(l, b, net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint))), 0n, 'the cheater gets nothing');
    assert.is(a.chainMonitor.getMonitor(ch.channelId)!.isFullyResolved(), true);
    await net.teardown();
  });
}

test.run();
