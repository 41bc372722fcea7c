/**
 * Disconnect/reconnect and clean restarts (manager + monitors from the store) at every step of
 * opening, a commitment update and closing, with real ChainMonitors persisting asynchronously.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Network, type HarnessNode } from '../src/index.js';

type How = 'disconnect' | 'restartFunder' | 'restartFundee';

/**
 * open → ready → update_fee → coop close, interrupted once right after the `k`-th delivered
 * message (that message and the rest of the connection are lost) with `how`, then reconnected.
 */
async function runInterrupted(k: number, how: How, legacy: boolean): Promise<{ net: Network; a: HarnessNode; b: HarnessNode; interrupted: boolean }> {
  const cfg = legacy ? { channelHandshakeConfig: { negotiateSimpleClose: false } } : {};
  const net = new Network();
  const a = await net.addNode('alice', { config: cfg });
  const b = await net.addNode('bob', { config: cfg });
  net.connect(a, b);
  let count = 0;
  let interrupted = false;
  let pending = false;
  net.filter = () => {
    count++;
    if (count === k + 1 && !interrupted) pending = true;
    return !pending;
  };
  const interrupt = async () => {
    if (!pending || interrupted) return;
    interrupted = true;
    pending = false;
    if (how === 'disconnect') net.disconnect(a, b);
    else {
      const report = await net.restart(how === 'restartFunder' ? a : b);
      assert.equal(report.mismatches, [], 'a clean restart finds monitors and manager in agreement');
    }
    net.connect(a, b);
    await net.settle();
  };
  const step = async () => {
    await net.settle();
    await interrupt();
    await net.settle();
  };
  a.cm.createChannel(b.nodeId, 1_000_000n, 300_000_000n, 7n);
  await step();
  let ready = net.takeEvents(a, 'FundingGenerationReady').pop();
  if (!ready || a.cm.listChannels().length === 0) {
    assert.is(a.cm.listChannels().length, 0, 'BOLT 2: a channel not yet funded is forgotten on disconnection');
    a.cm.createChannel(b.nodeId, 1_000_000n, 300_000_000n, 7n);
    await net.settle();
    ready = net.expectEvent(a, 'FundingGenerationReady');
  }
  a.cm.fundingTransactionGenerated(ready.temporaryChannelId, b.nodeId, net.fundingTx(a, ready.outputScript, 1_000_000n));
  await step();
  await net.mine(3);
  await interrupt();
  await net.settle();
  const id = a.cm.listUsableChannels()[0]?.channelId;
  if (id) {
    a.cm.updateFee(id, 3000);
    await step();
    a.cm.closeChannel(id, b.nodeId);
    await step();
  }
  return { net, a, b, interrupted };
}

for (const how of ['disconnect', 'restartFunder', 'restartFundee'] as How[]) {
  for (const legacy of [false, true]) {
    test(`${how} at every step of opening, update_fee and ${legacy ? 'legacy' : 'simple'} closing: the channel opens and closes cooperatively, nothing is broadcast by a monitor`, async () => {
      let k = 0;
      for (; k < 40; k++) {
        const { net, a, b, interrupted } = await runInterrupted(k, how, legacy);
        if (!interrupted) break; // past the last message: every step covered
        let ca = net.takeEvents(a, 'ChannelClosed').map((e) => e.reason.type);
        let cb = net.takeEvents(b, 'ChannelClosed').map((e) => e.reason.type);
        if (!ca.includes('CooperativeClosure') && ca.includes('FundingAborted')) {
          // Lost before funding_signed reached the funder: BOLT 2 lets both forget it; nothing was broadcast.
          assert.is(net.takeEvents(a, 'DiscardFunding').length, 1, `step ${k}: the funder may reuse its inputs`);
          const again = await net.openChannel(a, b, 500_000n, 0n);
          a.cm.closeChannel(again.channelId, b.nodeId);
          await net.settle();
          ca = net.takeEvents(a, 'ChannelClosed').map((e) => e.reason.type);
          cb = net.takeEvents(b, 'ChannelClosed').map((e) => e.reason.type);
        }
        assert.ok(ca.includes('CooperativeClosure'), `step ${k}: alice ${ca}`);
        assert.ok(cb.includes('CooperativeClosure'), `step ${k}: bob ${cb}`);
        for (const n of [a, b]) {
          for (const m of n.chainMonitor.listMonitors()) {
            // BOLT 2 lets the funder forget a channel whose funding_signed it never got (it never
            // broadcast the funding): the fundee's commitment for it may be broadcast, but spends nothing.
            const funded = net.chain.getTransaction(m.fundingOutpoint.txid) !== undefined;
            assert.ok(!funded || !m.state.broadcastHolder, `step ${k}: ${n.name}'s monitor never broadcast a commitment of a funded channel`);
          }
          net.takeEvents(n, 'ChannelPending');
          net.takeEvents(n, 'ChannelReady');
          net.takeEvents(n, 'FundingGenerationReady');
        }
        await net.mine(1);
        await net.teardown();
      }
      assert.ok(k >= 12, `covered ${k} steps`);
    });
  }
}

test.run();
