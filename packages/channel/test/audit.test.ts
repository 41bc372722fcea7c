/** Gaps found by the audit of issue 6 (/work/coord/audit-issue-6.md), one test each. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex, equalBytes } from '@ln/crypto';
import { Harness, type TestNode } from './support/harness.js';
import { eventsOf, pid, route, take } from './support/pay.js';

function flush(h: Harness, from: TestNode, to: TestNode): string[] {
  const out: string[] = [];
  for (const ev of from.cm.getAndClearPendingMsgEvents()) {
    if (ev.type !== 'SendMessage') continue;
    out.push(ev.msg.type);
    h.deliver(from, to, ev.msg);
  }
  return out;
}

test('gap 1 (security): funding_created reusing another channel\'s funding outpoint is refused before any monitor is touched', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  const x = h.openChannel(a, b, 1_000_000n);
  const xTxo = b.cm.listChannels()[0]!.fundingTxo!;
  const before = b.watch.updates.get(bytesToHex(x))!.length;
  a.cm.createChannel(b.nodeId, 500_000n, 0n, 2n);
  h.pump();
  const ready = take(h, a, 'FundingGenerationReady')[0]!;
  h.filter = (_f, _t, m) => {
    if (m.type === 'funding_created') {
      (m as { fundingTxid: Uint8Array }).fundingTxid = Uint8Array.from(xTxo.txid as Uint8Array);
      (m as { fundingOutputIndex: number }).fundingOutputIndex = xTxo.vout;
    }
    return true;
  };
  a.cm.fundingTransactionGenerated(ready.temporaryChannelId, b.nodeId, h.fundingTx(a, ready.outputScript, 500_000n));
  h.pump();
  h.filter = undefined;
  assert.is(b.watch.updates.get(bytesToHex(x))!.length, before, "the other channel's monitor got no update");
  assert.is(b.watch.forceClosed.size, 0);
  assert.ok(b.cm.listChannels().some((c) => equalBytes(c.channelId, x) && c.isUsable), 'channel X is untouched');
  assert.is(eventsOf(h, b, 'ChannelClosed')[0]?.reason.type, 'FundingAborted');
});

test('gap 2: shutdown never goes out while our updates are unsigned: update_add_htlc, commitment_signed, then shutdown', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  const id = h.openChannel(a, b, 1_000_000n);
  const inv = b.cm.createInboundPayment(1_000_000n, 3600);
  a.cm.sendPayment([route(h, [a, b], 1_000_000n)], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(1));
  a.cm.closeChannel(id, b.nodeId);
  assert.equal(flush(h, a, b), ['update_add_htlc', 'commitment_signed', 'shutdown']);
  // Awaiting revoke_and_ack with an update in the holding cell: the shutdown waits until that update is
  // sent and signed too, so the peer never starts the negotiation while we still have updates to send.
  const h2 = new Harness();
  const c = h2.addNode('carol');
  const d = h2.addNode('dave');
  const id2 = h2.openChannel(c, d, 1_000_000n);
  c.cm.updateFee(id2, 3000);
  assert.equal(flush(h2, c, d), ['update_fee', 'commitment_signed']);
  c.cm.updateFee(id2, 3500); // held: awaiting revoke_and_ack
  c.cm.closeChannel(id2, d.nodeId);
  assert.equal(flush(h2, c, d), [], 'nothing before the revoke_and_ack');
  flush(h2, d, c);
  const out = flush(h2, c, d);
  assert.ok(out.indexOf('update_fee') >= 0 && out.indexOf('update_fee') < out.indexOf('commitment_signed') && out.indexOf('commitment_signed') < out.indexOf('shutdown'), out.join(','));
  assert.throws(() => c.cm.updateFee(id2, 4000), /closing/);
  h2.pump();
  assert.equal(eventsOf(h2, c, 'ChannelClosed').map((e) => e.reason.type), ['CooperativeClosure']);
});

test('gap 8: shutdown waits for the peer\'s channel_reestablish', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  const id = h.openChannel(a, b, 1_000_000n);
  h.disconnect(a, b);
  h.connect(a, b);
  a.cm.closeChannel(id, b.nodeId);
  assert.equal(flush(h, a, b), ['channel_reestablish'], 'no shutdown before reestablishment');
  flush(h, b, a);
  const out = flush(h, a, b);
  assert.ok(out.includes('shutdown'), out.join(','));
  h.pump();
  assert.equal(eventsOf(h, a, 'ChannelClosed').map((e) => e.reason.type), ['CooperativeClosure']);
});

test('gap 6: an inflated next_commitment_number without proof fails the channel (BOLT 2: SHOULD send an error and fail)', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n);
  h.disconnect(a, b);
  h.filter = (f, _t, m) => {
    if (f === b && m.type === 'channel_reestablish') (m as { nextCommitmentNumber: bigint }).nextCommitmentNumber += 5n;
    return true;
  };
  h.connect(a, b);
  h.pump();
  h.filter = undefined;
  assert.is(eventsOf(h, a, 'ChannelClosed')[0]?.reason.type, 'ProcessingError');
  assert.is([...a.watch.forceClosed.values()][0], true);
});

test('announcement_signatures is not sent before 6 confirmations', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n, 0n, { announce: true, confirm: false });
  h.mine(5);
  assert.is(h.log.filter((l) => l[2] === 'announcement_signatures').length, 0, 'not at depth 5');
  h.mine(1);
  assert.is(h.log.filter((l) => l[2] === 'announcement_signatures').length, 2, 'both at depth 6');
});

test('gap 7: a channel still being negotiated at a restart is reported closed; its stale FundingGenerationReady is dropped', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.connect(a, b);
  const temp = a.cm.createChannel(b.nodeId, 500_000n, 0n, 9n);
  h.pump();
  // FundingGenerationReady raised but not handled, then the process stops.
  const stored = a.cm.serialize();
  a.cm.getAndClearPendingEvents(); // lost with the process
  a.events = [];
  h.restart(a, stored);
  assert.is(eventsOf(h, a, 'FundingGenerationReady').length, 0);
  const closed = eventsOf(h, a, 'ChannelClosed');
  assert.is(closed.length, 1);
  assert.ok(equalBytes(closed[0]!.channelId, temp));
  assert.is(closed[0]!.reason.type, 'FundingAborted');
  assert.is(closed[0]!.userChannelId, 9n);
});

test('gap 3: manual acceptance — OpenChannelRequest, then acceptInboundChannel or rejectInboundChannel; acceptInboundChannels false refuses', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob', { manuallyAcceptInboundChannels: true });
  h.connect(a, b);
  a.cm.createChannel(b.nodeId, 500_000n, 10_000n, 1n);
  h.pump();
  const req = take(h, b, 'OpenChannelRequest')[0]!;
  assert.is(req.fundingSatoshis, 500_000n);
  assert.is(req.pushMsat, 10_000n);
  assert.is(h.log.filter((l) => l[2] === 'accept_channel').length, 0, 'nothing until the user decides');
  b.cm.acceptInboundChannel(req.temporaryChannelId, a.nodeId, 77n);
  h.pump();
  const ready = take(h, a, 'FundingGenerationReady')[0]!;
  a.cm.fundingTransactionGenerated(ready.temporaryChannelId, b.nodeId, h.fundingTx(a, ready.outputScript, 500_000n));
  h.pump();
  h.mine(3);
  assert.is(take(h, b, 'ChannelReady')[0]?.userChannelId, 77n);
  // Rejected: alice hears an error and forgets it.
  a.cm.createChannel(b.nodeId, 400_000n, 0n, 2n);
  h.pump();
  const req2 = take(h, b, 'OpenChannelRequest')[0]!;
  b.cm.rejectInboundChannel(req2.temporaryChannelId, a.nodeId);
  h.pump();
  assert.is(take(h, a, 'ChannelClosed')[0]?.reason.type, 'FundingAborted');
  assert.throws(() => b.cm.acceptInboundChannel(req2.temporaryChannelId, a.nodeId, 1n), /no inbound channel request/);
  // Inbound channels off.
  const c = h.addNode('carol', { acceptInboundChannels: false });
  h.connect(a, c);
  a.cm.createChannel(c.nodeId, 300_000n, 0n, 3n);
  h.pump();
  assert.is(take(h, a, 'ChannelClosed')[0]?.reason.type, 'FundingAborted');
  assert.is(c.cm.listChannels().length, 0);
});

test.run();
