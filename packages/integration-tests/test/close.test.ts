/** Closing with real ChainMonitors: cooperative (simple and legacy, fee negotiation over rounds) and force close to the CSV sweep. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes as bytesEqual } from '@ln/crypto';
import { ANTI_REORG_DELAY, totalBalanceSat } from '@ln/monitor';
import { ScriptedFeeEstimator } from '@ln/test-kit';
import { commitmentFeeSat, parseTx, weightOf } from '@ln/transactions';
import { channelLedger, defaultFees, Network, ownedBy, type HarnessNode } from '../src/index.js';

const legacy = (extra = {}) => ({ channelHandshakeConfig: { negotiateSimpleClose: false, ...extra } });

async function pair(cfgA = {}, cfgB = {}, feesA = defaultFees(), feesB = defaultFees()): Promise<[Network, HarnessNode, HarnessNode]> {
  const net = new Network();
  const a = await net.addNode('alice', { config: cfgA, fees: feesA });
  const b = await net.addNode('bob', { config: cfgB, fees: feesB });
  return [net, a, b];
}

test('simple close (closing_complete/closing_sig): the closing transaction confirms, pays each wallet its balance, the monitors see a mutual close', async () => {
  const [net, a, b] = await pair();
  const ch = await net.openChannel(a, b, 1_000_000n, 300_000_000n);
  a.cm.closeChannel(ch.channelId, b.nodeId);
  await net.settle();
  assert.is(net.closedReason(a), 'CooperativeClosure');
  assert.is(net.closedReason(b), 'CooperativeClosure');
  assert.ok(net.log.some((l) => l[2] === 'closing_complete') && net.log.some((l) => l[2] === 'closing_sig'));
  await net.mine(ANTI_REORG_DELAY);
  const l = channelLedger(net.chain, ch.funding, 1_000_000n);
  assert.is(l.txs.length, 1, 'one closing transaction');
  // BOLT 2 simple close: whoever sent the closing_complete that was signed pays its fee from its own output.
  const [sa, sb] = [ownedBy(l, a), ownedBy(l, b)];
  assert.ok((sa === 700_000n - l.feesSat && sb === 300_000n) || (sa === 700_000n && sb === 300_000n - l.feesSat), `alice ${sa}, bob ${sb}, fee ${l.feesSat}`);
  assert.ok(l.feesSat > 0n);
  for (const n of [a, b]) {
    const m = n.chainMonitor.listMonitors()[0]!;
    assert.is(m.isClosedOnChain(), true);
    assert.is(m.isFullyResolved(), true, `${n.name}: nothing left to do`);
    assert.equal(n.chainMonitor.getClaimableBalances()[0]!.balances, []);
    assert.is(n.cm.listChannels().length, 0);
  }
  await net.teardown();
});

test('legacy closing_signed without fee_range: the fee is negotiated over several rounds and lands inside both ranges', async () => {
  const fa = defaultFees();
  fa.set('ChannelCloseMinimum', 500);
  fa.set('NonAnchorChannelFee', 1000);
  const fb = defaultFees();
  fb.set('ChannelCloseMinimum', 2000);
  fb.set('NonAnchorChannelFee', 6000);
  const [net, a, b] = await pair(legacy({ closingFeeRange: false }), legacy({ closingFeeRange: false }), fa, fb);
  const ch = await net.openChannel(a, b, 1_000_000n, 0n);
  b.cm.closeChannel(ch.channelId, a.nodeId);
  await net.settle();
  const rounds = net.log.filter((l) => l[2] === 'closing_signed').length;
  assert.ok(rounds >= 4, `closing_signed rounds: ${rounds}`);
  assert.is(net.closedReason(a), 'CooperativeClosure');
  assert.is(net.closedReason(b), 'CooperativeClosure');
  await net.mine(1);
  const l = channelLedger(net.chain, ch.funding, 1_000_000n);
  const tx = l.txs[0]!;
  const rate = Number((tx.feeSat * 1000n) / BigInt(weightOf(tx.tx)));
  assert.ok(rate >= 500 && rate <= 6000 * 1.01, `agreed feerate ${rate} sat/kw within [500, 6000]`);
  assert.is(ownedBy(l, a) + l.feesSat, 1_000_000n);
  await net.mine(ANTI_REORG_DELAY);
  assert.is(a.chainMonitor.listMonitors()[0]!.isFullyResolved(), true);
  await net.teardown();
});

test('legacy closing_signed with fee_range: agreed in one exchange', async () => {
  const [net, a, b] = await pair(legacy(), legacy());
  const ch = await net.openChannel(a, b, 1_000_000n, 200_000_000n);
  a.cm.closeChannel(ch.channelId, b.nodeId);
  await net.settle();
  assert.is(net.log.filter((l) => l[2] === 'closing_signed').length, 2);
  assert.is(net.closedReason(a), 'CooperativeClosure');
  assert.is(net.closedReason(b), 'CooperativeClosure');
  await net.mine(1);
  assert.is(ownedBy(channelLedger(net.chain, ch.funding, 1_000_000n), b), 200_000n);
  await net.teardown();
});

test('force close: the monitor broadcasts our commitment; to_local swept after the CSV delay; both sides get SpendableOutputs; amounts to the satoshi', async () => {
  const fees = new ScriptedFeeEstimator({ MaximumFeeEstimate: 50_000, MinAllowedNonAnchorChannelRemoteFee: 253 }, 2500);
  const monitorFees = new ScriptedFeeEstimator({}, 1111);
  const net = new Network();
  const a = await net.addNode('alice', { fees, monitorFees });
  const b = await net.addNode('bob', { config: { channelHandshakeConfig: { ourToSelfDelay: 30 } } });
  const ch = await net.openChannel(a, b, 1_000_000n, 400_000_000n);
  a.cm.forceCloseChannel(ch.channelId, b.nodeId);
  await net.settle();
  assert.is(net.closedReason(a), 'HolderForceClosed');
  assert.is(net.closedReason(b), 'CounterpartyForceClosed');
  const commitment = net.chain.mempoolTxids();
  assert.is(commitment.length, 1, 'one commitment in the mempool (the other conflicts)');
  await net.mine(1);
  const confirmedAt = net.chain.tipHeight;
  const lc = channelLedger(net.chain, ch.funding, 1_000_000n);
  const commitTx = lc.txs[0]!;
  const commitFee = commitmentFeeSat(2500, 0, false);
  assert.is(commitTx.feeSat, commitFee, 'the commitment pays the BOLT 3 fee');
  const broadcaster = a.chainMonitor.listMonitors()[0]!.state.holderCurrent; // alice's commitment confirmed (hers was first)
  assert.is(broadcaster.toSelfValueMsat, 600_000_000n);
  // While the CSV delay runs, alice's balance is timelocked to the height the sweep becomes valid.
  await net.mine(1);
  const bal = a.chainMonitor.getClaimableBalances()[0]!.balances;
  assert.is(totalBalanceSat(bal), 600_000n - commitFee);
  assert.ok(bal.every((x) => x.type === 'ClaimableAwaitingConfirmations' && x.confirmationHeight === confirmedAt + 30), JSON.stringify(bal, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  // Bob's to_remote is his as soon as it is deep enough.
  await net.mine(ANTI_REORG_DELAY);
  const bobOuts = net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs);
  assert.equal(bobOuts.map((o) => o.type), ['StaticPaymentOutput']);
  assert.is(bobOuts[0]!.output.valueSat, 400_000n);
  assert.is(net.chain.mempoolTxids().length, 0, 'no sweep before the CSV delay');
  await net.mine(confirmedAt + 30 - 1 - net.chain.tipHeight);
  assert.is(net.chain.mempoolTxids().length, 1, 'the sweep is broadcast when the CSV delay has passed');
  await net.mine(ANTI_REORG_DELAY);
  const aliceOuts = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs);
  assert.equal(aliceOuts.map((o) => o.type), ['StaticOutput']);
  const l = channelLedger(net.chain, ch.funding, 1_000_000n);
  assert.is(l.txs.length, 2);
  const sweep = l.txs[1]!;
  // The sweep pays ceil(rate × weight / 1000) with its signature counted at 73 bytes (BOLT 5).
  const sigLen = sweep.tx.inputs[0]!.witness[0]!.length;
  const expectedFee = BigInt(Math.ceil((1111 * (weightOf(sweep.tx) + 73 - sigLen)) / 1000));
  assert.is(sweep.feeSat, expectedFee, 'sweep fee');
  assert.is(ownedBy(l, a), 600_000n - commitFee - expectedFee, 'alice: her balance less the commitment fee and the sweep fee');
  assert.is(ownedBy(l, b, bobOuts.map((o) => o.outpoint)), 400_000n, 'bob: exactly his balance');
  assert.is(parseTx(net.chain.getTransaction(sweep.txid)!).outputs.length, 1);
  await net.mine(1);
  for (const n of [a, b]) assert.is(n.chainMonitor.listMonitors()[0]!.isFullyResolved(), true, `${n.name} resolved`);
  await net.teardown();
});

test('a sweep that miners leave out is re-signed every block at a rising feerate (RBF, ×1.25) until it confirms; the confirmed one pays the last rate', async () => {
  // Bumps stop at MaximumFeeEstimate (and half the swept value): give it a real estimator's 10x headroom.
  const monitorFees = new ScriptedFeeEstimator({ MaximumFeeEstimate: 10_000 }, 1000);
  const net = new Network();
  const a = await net.addNode('alice', { monitorFees });
  const b = await net.addNode('bob', { config: { channelHandshakeConfig: { ourToSelfDelay: 10 } } });
  const ch = await net.openChannel(a, b, 1_000_000n, 300_000_000n);
  a.cm.forceCloseChannel(ch.channelId, b.nodeId);
  await net.settle();
  net.closedReason(a);
  net.closedReason(b);
  await net.mine(1);
  while (net.chain.mempoolTxids().length === 0) await net.mine(1);
  const rates: number[] = [];
  const feerate = (raw: Uint8Array) => {
    const tx = parseTx(raw);
    const input = channelLedger(net.chain, ch.funding, 1_000_000n).leaves.find((x) => bytesEqual(x.outpoint.txid, tx.inputs[0]!.prevout.txid) && x.outpoint.vout === tx.inputs[0]!.prevout.vout)!;
    const fee = input.valueSat - tx.outputs[0]!.valueSat;
    return Number(fee * 1000n) / (weightOf(tx) + 73 - tx.inputs[0]!.witness[0]!.length);
  };
  for (let i = 0; i < 4; i++) {
    rates.push(feerate(net.chain.getTransaction(net.chain.mempoolTxids()[0]!)!));
    net.chain.mine(1, { txs: [] }); // a block without it
    await net.settle();
  }
  for (let i = 1; i < rates.length; i++) assert.ok(rates[i]! >= rates[i - 1]! * 1.25 - 3, `bumped: ${rates.map((r) => r.toFixed(0)).join(' → ')}`);
  assert.ok(rates[0]! >= 1000 && rates[0]! < 1001, 'first at the estimate');
  const last = feerate(net.chain.getTransaction(net.chain.mempoolTxids()[0]!)!);
  await net.mine(1);
  const l = channelLedger(net.chain, ch.funding, 1_000_000n);
  assert.is(l.txs.length, 2, 'one sweep confirmed (the replacements evicted the rest)');
  const sweep = l.txs[1]!;
  assert.ok(Math.abs(Number(sweep.feeSat * 1000n) / (weightOf(sweep.tx) + 73 - sweep.tx.inputs[0]!.witness[0]!.length) - last) < 1, 'the last bump confirmed');
  const before = net.chain.broadcaster.broadcasts.length;
  await net.mine(ANTI_REORG_DELAY + 1);
  assert.is(net.chain.broadcaster.broadcasts.slice(before).filter((raw) => parseTx(raw).inputs.some((x) => bytesEqual(x.prevout.txid, l.txs[0]!.txid))).length, 0, 'no more rebroadcasts once confirmed');
  net.takeMonitorEvents(a, 'SpendableOutputs');
  net.takeMonitorEvents(b, 'SpendableOutputs');
  await net.teardown();
});

test('anchors (option_anchors_zero_fee_htlc_tx): force close; the monitor flags the commitment for CPFP (BumpTransaction with the anchor), to_remote after its 1-block CSV, sweep after the delay', async () => {
  const anchors = { channelHandshakeConfig: { negotiateAnchors: true, ourToSelfDelay: 12 } };
  const net = new Network();
  const a = await net.addNode('alice', { config: anchors });
  const b = await net.addNode('bob', { config: anchors });
  const ch = await net.openChannel(a, b, 1_000_000n, 250_000_000n);
  assert.is(a.cm.channel(ch.channelId)!.s.anchors, true, 'anchors negotiated');
  a.cm.forceCloseChannel(ch.channelId, b.nodeId);
  await net.settle();
  assert.is(net.closedReason(a), 'HolderForceClosed');
  assert.is(net.closedReason(b), 'CounterpartyForceClosed');
  const bumps = net.takeMonitorEvents(a, 'BumpTransaction');
  assert.ok(bumps.length >= 1 && bumps.every((e) => e.kind === 'ChannelClose' && e.anchor), 'our commitment with its anchor, for the wallet to CPFP');
  net.takeMonitorEvents(b, 'BumpTransaction');
  await net.mine(12 + ANTI_REORG_DELAY + 2);
  const outsA = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs);
  const outsB = net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs);
  assert.equal(outsB.map((o) => o.type), ['StaticPaymentOutput']);
  const toRemote = outsB[0]!;
  assert.ok(toRemote.type === 'StaticPaymentOutput' && toRemote.csvDelay === 1 && toRemote.witnessScript, 'to_remote is P2WSH with a 1-block CSV');
  assert.equal(outsA.map((o) => o.type), ['StaticOutput']);
  const l = channelLedger(net.chain, ch.funding, 1_000_000n);
  const commitFee = commitmentFeeSat(2500, 0, true);
  assert.is(l.txs[0]!.feeSat, commitFee, 'the anchor commitment pays the BOLT 3 anchor fee');
  assert.is(ownedBy(l, b, outsB.map((o) => o.outpoint)), 250_000n, 'bob: exactly his balance');
  // Alice (funder) paid the commitment fee and both 330-sat anchors; the anchors stay unspent on chain.
  assert.is(ownedBy(l, a, outsA.map((o) => o.outpoint)), 750_000n - commitFee - 660n - l.txs[1]!.feeSat);
  await net.teardown();
});

test.run();
