/**
 * HTLCs resolved on chain with real channels and monitors (issue 8): a force close with HTLCs
 * outstanding both ways (one by preimage, one by timeout), and the preimage learned on chain
 * fulfilling the upstream HTLC in a 3-node network.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes, sha256 } from '@ln/crypto';
import { ANTI_REORG_DELAY } from '@ln/monitor';
import { commitmentFeeSat, htlcSuccessFeeSat, htlcTimeoutFeeSat } from '@ln/transactions';
import { channelLedger, claimAll, Network, ownedBy, sendPayment, type HarnessNode } from '../src/index.js';

const cfg = { channelHandshakeConfig: { ourToSelfDelay: 20 } };

function payingTo(l: ReturnType<typeof channelLedger>, n: HarnessNode): bigint {
  return l.txs.filter((t) => t.tx.outputs.some((o) => equalBytes(o.scriptPubkey, n.walletScript))).reduce((x, t) => x + t.feeSat, 0n);
}

for (const feed of ['listen', 'confirm'] as const) {
  test(`${feed}: force close with HTLCs outstanding both ways: bob claims his with the preimage on chain (alice learns it: PaymentSent), bob times out the one alice never claimed (PaymentFailed), to the satoshi`, async () => {
    const net = new Network({ feed });
    const a = await net.addNode('alice', { config: cfg });
    const b = await net.addNode('bob', { config: cfg });
    const ch = await net.openChannel(a, b, 1_000_000n, 400_000_000n);
    const toBob = sendPayment(net, [a, b], 50_000_000n, 40);
    const toAlice = sendPayment(net, [b, a], 70_000_000n, 40);
    await net.settle();
    const expiry = toAlice.path.hops[0]!.cltvExpiry;
    assert.is(net.takeEvents(a, 'PaymentClaimable').length, 1, 'alice could claim 70k but never does');
    net.disconnect(a, b);
    // Claimable balances while the channel is open, from the monitors' view of their own commitments.
    const kinds = (n: HarnessNode) => n.chainMonitor.getClaimableBalances()[0]!.balances.map((x) => `${x.type}:${x.amountSat}`).sort();
    const fee2 = commitmentFeeSat(2500, 2, false);
    assert.equal(kinds(a), [`ClaimableOnChannelClose:${550_000n - fee2}`, 'MaybePreimageClaimableHTLC:70000', 'MaybeTimeoutClaimableHTLC:50000'].sort());
    assert.equal(kinds(b), ['ClaimableOnChannelClose:330000', 'MaybePreimageClaimableHTLC:50000', 'MaybeTimeoutClaimableHTLC:70000'].sort());
    assert.is(claimAll(net, b).length, 1, 'bob claims: the preimage goes to his monitor; update_fulfill_htlc cannot reach alice');
    await net.settle();
    assert.ok(kinds(b).includes('ContentiousClaimable:50000'), 'bob knows the preimage now');
    a.cm.forceCloseChannel(ch.channelId, b.nodeId);
    await net.settle();
    assert.is(net.closedReason(a), 'HolderForceClosed');
    await net.mine(1);
    assert.is(net.closedReason(b), 'CommitmentTxConfirmed');
    // Bob's monitor takes the 50k HTLC with the preimage; alice's monitor reads it from the witness.
    await net.mine(1);
    const sent = net.expectEvent(a, 'PaymentSent');
    assert.ok(equalBytes(sent.paymentHash, toBob.paymentHash));
    assert.ok(equalBytes(sha256(sent.paymentPreimage), toBob.paymentHash), 'the preimage learned on chain');
    assert.ok(a.seenMonitorEvents.some((e) => e.type === 'HtlcResolved' && e.paymentPreimage && equalBytes(e.paymentHash, toBob.paymentHash)));
    net.takeEvents(a, 'PaymentPathSuccessful');
    // The 70k HTLC times out back to bob after its expiry; he hears once it is deep enough.
    while (net.chain.tipHeight < expiry + ANTI_REORG_DELAY + 2) await net.mine(1);
    const pathFailed = net.expectEvent(b, 'PaymentPathFailed');
    assert.ok(equalBytes(pathFailed.paymentHash, toAlice.paymentHash), 'bob\'s HTLC to alice failed on chain');
    b.cm.abandonPayment(toAlice.paymentId); // no retry: the payment fails
    await net.settle();
    assert.ok(equalBytes(net.expectEvent(b, 'PaymentFailed').paymentHash, toAlice.paymentHash));
    assert.ok(b.seenMonitorEvents.some((e) => e.type === 'HtlcResolved' && !e.paymentPreimage && equalBytes(e.paymentHash, toAlice.paymentHash)));
    while (net.chain.tipHeight < expiry + 20 + ANTI_REORG_DELAY + 4) await net.mine(1);
    const outsA = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint));
    const outsB = net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint));
    const l = channelLedger(net.chain, ch.funding, 1_000_000n);
    const commitFee = commitmentFeeSat(2500, 2, false);
    assert.is(l.txs[0]!.feeSat, commitFee);
    assert.is(ownedBy(l, a, outsA), 550_000n - commitFee - payingTo(l, a), 'alice: her balance less the 50k she paid, the commitment fee and her sweep');
    assert.is(ownedBy(l, b, outsB), 450_000n - payingTo(l, b), 'bob: his balance, the 50k he was paid and his 70k back, less his claims\' fees');
    for (const n of [a, b]) assert.is(n.chainMonitor.getMonitor(ch.channelId)!.isFullyResolved(), true, `${n.name} resolved`);
    for (const n of [a, b]) for (const t of ['PaymentClaimed', 'HTLCHandlingFailed'] as const) net.takeEvents(n, t);
    await net.teardown();
  });

  test(`${feed}: 3 nodes A→B→C: C claims on chain, B learns the preimage from the chain and fulfills A off chain`, async () => {
    const net = new Network({ feed });
    const a = await net.addNode('alice', { config: cfg });
    const b = await net.addNode('bob', { config: cfg });
    const c = await net.addNode('carol', { config: cfg });
    const ab = await net.openChannel(a, b, 1_000_000n, 0n);
    const bc = await net.openChannel(b, c, 1_000_000n, 0n);
    const aliceBefore = a.cm.listChannels()[0]!.balanceMsat;
    const p = sendPayment(net, [a, b, c], 30_000_000n, 40);
    const fee = p.path.hops[0]!.amountMsat - 30_000_000n;
    await net.settle();
    net.disconnect(b, c);
    assert.is(claimAll(net, c).length, 1, 'carol claims; her update_fulfill_htlc cannot reach bob');
    await net.settle();
    c.cm.forceCloseChannel(bc.channelId, b.nodeId);
    await net.settle();
    assert.is(net.closedReason(c), 'HolderForceClosed');
    await net.mine(1); // carol's commitment confirms; her monitor broadcasts the HTLC-success transaction
    assert.is(net.closedReason(b), 'CommitmentTxConfirmed');
    await net.mine(1); // the HTLC-success transaction confirms: the preimage is on chain
    assert.ok(b.seenMonitorEvents.some((e) => e.type === 'HtlcResolved' && e.paymentPreimage && equalBytes(e.paymentHash, p.paymentHash)), 'bob\'s monitor read the preimage');
    const sent = net.expectEvent(a, 'PaymentSent');
    assert.ok(equalBytes(sha256(sent.paymentPreimage), p.paymentHash), 'alice paid: bob fulfilled upstream with the preimage from the chain');
    assert.is(sent.feePaidMsat, fee);
    net.takeEvents(a, 'PaymentPathSuccessful');
    const fwd = net.expectEvent(b, 'PaymentForwarded');
    assert.is(fwd.feeEarnedMsat, fee);
    assert.ok(a.cm.listUsableChannels().length === 1 && b.cm.listUsableChannels().length === 1, 'alice-bob stays open');
    assert.is(a.cm.listChannels()[0]!.balanceMsat, aliceBefore - 30_000_000n - fee);
    assert.equal(a.cm.channel(ab.channelId)!.s.htlcs.length, 0, 'the upstream HTLC is settled');
    // Carol sweeps her HTLC-success output after bob's to_self_delay, and gets her 30k.
    await net.mine(20 + ANTI_REORG_DELAY + 2);
    const outsC = net.takeMonitorEvents(c, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint));
    const outsB = net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint));
    const l = channelLedger(net.chain, bc.funding, 1_000_000n);
    assert.is(l.txs.length, 3, 'carol\'s commitment, her HTLC-success transaction, her sweep of its output');
    assert.is(l.txs[1]!.feeSat, htlcSuccessFeeSat(2500, false), 'the pre-signed HTLC-success transaction pays the BOLT 3 fee');
    assert.is(ownedBy(l, c, outsC), 30_000n - htlcSuccessFeeSat(2500, false) - payingTo(l, c), 'carol: the 30k less her HTLC-success and sweep fees');
    assert.is(ownedBy(l, b, outsB), 970_000n - commitmentFeeSat(2500, 1, false), 'bob (the funder): the rest less the commitment fee');
    net.takeEvents(c, 'PaymentClaimed');
    await net.teardown();
  });

  test(`${feed}: the monitor force-closes in time for an incoming HTLC whose preimage it knows; on its own commitment the HTLC-success and HTLC-timeout transactions resolve both HTLCs, then their outputs are swept`, async () => {
    const net = new Network({ feed });
    const a = await net.addNode('alice', { config: cfg });
    const b = await net.addNode('bob', { config: cfg });
    const ch = await net.openChannel(a, b, 1_000_000n, 400_000_000n);
    const toBob = sendPayment(net, [a, b], 50_000_000n, 60);
    const toAlice = sendPayment(net, [b, a], 70_000_000n, 40);
    await net.settle();
    net.takeEvents(b, 'PaymentClaimable'); // bob never claims: alice's HTLC will time out
    net.disconnect(a, b); // and nobody can settle anything off chain any more
    assert.is(claimAll(net, a).length, 1, 'alice claims: the preimage goes to her monitor');
    await net.settle();
    const inExpiry = toAlice.path.hops[0]!.cltvExpiry;
    const outExpiry = toBob.path.hops[0]!.cltvExpiry;
    // No force-close by anyone: alice's monitor must act CLTV_CLAIM_BUFFER (18) blocks before bob's HTLC expires.
    while (!a.seenMonitorEvents.some((e) => e.type === 'HolderForceClosed') && net.chain.tipHeight < inExpiry) await net.mine(1);
    assert.is(net.chain.tipHeight, inExpiry - 18, 'forced close at the claim buffer');
    assert.is(net.closedReason(a), 'HolderForceClosed');
    await net.mine(1); // her commitment
    assert.is(net.closedReason(b), 'CommitmentTxConfirmed');
    await net.mine(1); // her HTLC-success transaction reveals the preimage
    const sent = net.expectEvent(b, 'PaymentSent');
    assert.ok(equalBytes(sent.paymentHash, toAlice.paymentHash), 'bob learns his payment succeeded from alice\'s HTLC-success transaction');
    net.takeEvents(b, 'PaymentPathSuccessful');
    while (net.chain.tipHeight < outExpiry + ANTI_REORG_DELAY + 2) await net.mine(1);
    const failed = net.expectEvent(a, 'PaymentPathFailed');
    assert.ok(equalBytes(failed.paymentHash, toBob.paymentHash), 'alice\'s HTLC timed out on chain (HTLC-timeout transaction)');
    a.cm.abandonPayment(toBob.paymentId);
    await net.settle();
    net.expectEvent(a, 'PaymentFailed');
    while (net.chain.tipHeight < outExpiry + 20 + ANTI_REORG_DELAY + 4) await net.mine(1);
    const outsA = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint));
    const outsB = net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint));
    const l = channelLedger(net.chain, ch.funding, 1_000_000n);
    const commitFee = commitmentFeeSat(2500, 2, false);
    const second = l.txs.filter((t) => t.tx.inputs.some((i) => equalBytes(i.prevout.txid, l.txs[0]!.txid)) && t.tx.outputs.length === 1 && !t.tx.outputs.some((o) => equalBytes(o.scriptPubkey, a.walletScript)));
    assert.equal(second.map((t) => t.feeSat).sort(), [htlcSuccessFeeSat(2500, false), htlcTimeoutFeeSat(2500, false)].sort(), 'one pre-signed HTLC-success and one HTLC-timeout transaction, at the BOLT 3 fees');
    assert.is(ownedBy(l, b, outsB), 330_000n, 'bob: his balance less the 70k he paid');
    assert.is(ownedBy(l, a, outsA), 670_000n - commitFee - htlcSuccessFeeSat(2500, false) - htlcTimeoutFeeSat(2500, false) - payingTo(l, a), 'alice: her balance, her 50k back and the 70k, less the fees');
    for (const n of [a, b]) assert.is(n.chainMonitor.getMonitor(ch.channelId)!.isFullyResolved(), true, `${n.name} resolved`);
    for (const n of [a, b]) for (const t of ['PaymentClaimed', 'HTLCHandlingFailed'] as const) net.takeEvents(n, t);
    await net.teardown();
  });

  test(`${feed}: an unresponsive peer holds our outgoing HTLC: our monitor force-closes LATENCY_GRACE_PERIOD_BLOCKS (3) after its expiry and times it out on chain`, async () => {
    const net = new Network({ feed });
    const a = await net.addNode('alice', { config: cfg });
    const b = await net.addNode('bob', { config: cfg });
    const ch = await net.openChannel(a, b, 1_000_000n, 0n);
    const p = sendPayment(net, [a, b], 40_000_000n, 30);
    await net.settle();
    net.takeEvents(b, 'PaymentClaimable');
    net.disconnect(a, b); // bob goes silent: the HTLC is neither fulfilled nor failed
    const expiry = p.path.hops[0]!.cltvExpiry;
    while (!a.seenMonitorEvents.some((e) => e.type === 'HolderForceClosed') && net.chain.tipHeight < expiry + 10) await net.mine(1);
    assert.is(net.chain.tipHeight, expiry + 3, 'forced close three blocks after the expiry');
    assert.is(net.closedReason(a), 'HolderForceClosed');
    await net.mine(1);
    assert.is(net.closedReason(b), 'CommitmentTxConfirmed');
    await net.mine(ANTI_REORG_DELAY + 2);
    const failed = net.expectEvent(a, 'PaymentPathFailed');
    assert.ok(equalBytes(failed.paymentHash, p.paymentHash));
    a.cm.abandonPayment(p.paymentId);
    await net.settle();
    net.expectEvent(a, 'PaymentFailed');
    await net.mine(20 + 2);
    const outsA = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint));
    const l = channelLedger(net.chain, ch.funding, 1_000_000n);
    assert.is(ownedBy(l, a, outsA), 1_000_000n - commitmentFeeSat(2500, 1, false) - htlcTimeoutFeeSat(2500, false) - payingTo(l, a), 'alice gets everything back less the fees');
    for (const t of ['HTLCHandlingFailed'] as const) net.takeEvents(b, t);
    net.takeMonitorEvents(b, 'SpendableOutputs');
    await net.teardown();
  });
}

test.run();
