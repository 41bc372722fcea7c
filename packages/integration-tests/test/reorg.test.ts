/**
 * Reorgs on a real channel: a claim that confirmed is reorged out before it is deep, and the
 * commitment itself is reorged out; the monitor rebuilds and rebroadcasts, the outputs are
 * reported once, and the amounts are still right to the satoshi.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ANTI_REORG_DELAY } from '@ln/monitor';
import { ScriptedFeeEstimator } from '@ln/test-kit';
import { channelLedger, Network, ownedBy, type HarnessNode } from '../src/index.js';

async function forceClosed(feed: 'listen' | 'confirm'): Promise<{ net: Network; a: HarnessNode; b: HarnessNode; ch: Awaited<ReturnType<Network['openChannel']>> }> {
  const net = new Network({ feed });
  const a = await net.addNode('alice', { monitorFees: new ScriptedFeeEstimator({}, 1000) });
  const b = await net.addNode('bob', { config: { channelHandshakeConfig: { ourToSelfDelay: 10 } } });
  const ch = await net.openChannel(a, b, 1_000_000n, 300_000_000n);
  a.cm.forceCloseChannel(ch.channelId, b.nodeId);
  await net.settle();
  net.closedReason(a);
  net.closedReason(b);
  return { net, a, b, ch };
}

for (const feed of ['listen', 'confirm'] as const) {
  for (const depth of [1, 2, 3]) {
    test(`${feed}: alice's to_local sweep is reorged out ${depth} block(s) after it confirmed: rebroadcast, confirmed again, reported once`, async () => {
      const { net, a, b, ch } = await forceClosed(feed);
      await net.mine(1);
      while (net.chain.mempoolTxids().length === 0) await net.mine(1);
      const sweepTxid = net.chain.mempoolTxids()[0]!;
      await net.mine(depth);
      assert.is(net.chain.confirmations(sweepTxid), depth);
      const before = net.chain.broadcaster.broadcasts.length;
      net.chain.reorg(depth, { dropTxids: [sweepTxid], newBlocks: depth + 1 });
      await net.settle();
      const again = net.chain.broadcaster.broadcasts.slice(before);
      assert.ok(again.length >= 1, 'the sweep was rebroadcast on the new chain');
      await net.mine(ANTI_REORG_DELAY + 1);
      const outs = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs);
      assert.is(outs.length, 1, 'reported once, for the sweep that stayed');
      const l = channelLedger(net.chain, ch.funding, 1_000_000n);
      assert.is(l.txs.length, 2);
      assert.is(ownedBy(l, a, outs.map((o) => o.outpoint)) + l.feesSat, 700_000n);
      assert.is(ownedBy(l, b, net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint))), 300_000n);
      assert.is(a.chainMonitor.getMonitor(ch.channelId)!.isFullyResolved(), true);
      await net.teardown();
    });
  }

  test(`${feed}: the commitment itself is reorged out (3 blocks): alice's monitor broadcasts it again; the CSV delay counts from the new confirmation`, async () => {
    const { net, a, b, ch } = await forceClosed(feed);
    await net.mine(1);
    const commitment = channelLedger(net.chain, ch.funding, 1_000_000n).txs[0]!.txid;
    await net.mine(2);
    net.chain.reorg(3, { dropTxids: [commitment], newBlocks: 4 });
    await net.settle();
    const h = net.chain.tipHeight;
    const confirmedAt = h - net.chain.confirmations(commitment) + 1;
    assert.ok(net.chain.confirmations(commitment) >= 1, 'rebroadcast and confirmed on the new chain');
    while (net.chain.mempoolTxids().length === 0 && net.chain.tipHeight < confirmedAt + 20) await net.mine(1);
    assert.is(net.chain.tipHeight, confirmedAt + 10 - 1, 'the sweep waits for to_self_delay after the new confirmation');
    await net.mine(ANTI_REORG_DELAY + 1);
    const outs = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs);
    const l = channelLedger(net.chain, ch.funding, 1_000_000n);
    assert.is(ownedBy(l, a, outs.map((o) => o.outpoint)) + l.feesSat, 700_000n);
    assert.is(ownedBy(l, b, net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint))), 300_000n);
    await net.teardown();
  });
}

test.run();
