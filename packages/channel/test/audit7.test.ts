/** Gaps found by the audit of issue 7 (/work/coord/audit-issue-7.md), one test each. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes, sha256 } from '@ln/crypto';
import { makeMessage } from '@ln/wire';
import { sendAddHtlc } from '../src/index.js';
import { Harness, type TestNode } from './support/harness.js';
import { claimAll, eventsOf, pay, pid, route, settle, take } from './support/pay.js';

const closedMsg = (h: Harness, n: TestNode) => {
  const c = take(h, n, 'ChannelClosed')[0];
  return c && 'message' in c.reason ? c.reason.message : c?.reason.type;
};

test('gap 3: updates are retransmitted in the order first sent (a fulfill before an add stays before it)', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n, 300_000_000n);
  pay(h, [a, b], 5_000_000n, 1);
  settle(h);
  const cl = take(h, b, 'PaymentClaimable')[0]!;
  // Bob: fulfill, then a payment of his own, in one batch; his commitment_signed is lost.
  b.cm.claimFunds(cl.purpose.paymentPreimage!);
  pay(h, [b, a], 2_000_000n, 2);
  const first: string[] = [];
  let lost = false;
  h.filter = (f, _t, m) => {
    if (f !== b || lost) return !lost || m.type === 'channel_reestablish';
    first.push(m.type);
    if (m.type === 'commitment_signed') lost = true;
    return !lost;
  };
  h.pump();
  assert.equal(first, ['update_fulfill_htlc', 'update_add_htlc', 'commitment_signed']);
  h.filter = undefined;
  h.disconnect(a, b);
  const again: string[] = [];
  h.filter = (f, _t, m) => (f === b && m.type !== 'channel_reestablish' && m.type !== 'channel_update' && again.push(m.type), true);
  h.connect(a, b);
  h.pump();
  h.filter = undefined;
  assert.equal(again.slice(0, 3), ['update_fulfill_htlc', 'update_add_htlc', 'commitment_signed'], 'same order after reconnection');
  settle(h);
  claimAll(h, a);
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length + eventsOf(h, b, 'PaymentSent').length, 2);
});

test('gap 4: the receiver counts a trimmed HTLC as no extra commitment output in the funder\'s fee', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  // Alice (funder) keeps her 1,000 sat reserve + the 1,810 sat fee + 500 sat.
  h.openChannel(a, b, 100_000n, (100_000n - 3_310n) * 1000n);
  const ch = b.cm.allChannels()[0]!;
  h.deliver(a, b, makeMessage('update_add_htlc', { channelId: ch.channelId, id: 0n, amountMsat: 400_000n, paymentHash: new Uint8Array(32), cltvExpiry: h.chain.tipHeight + 50, onionRoutingPacket: new Uint8Array(1366), tlvs: {} }));
  assert.is(take(h, b, 'ChannelClosed').length, 0, 'a 400 sat (trimmed) HTLC is affordable');
  assert.is(ch.s.htlcs.length, 1);
});

test('gap 5: revoke_and_ack with an invalid secret, or one that does not match the point, fails the channel', () => {
  for (const [secret, re] of [[new Uint8Array(32), /not a valid secret key/], [new Uint8Array(32).fill(0xff), /not a valid secret key/], [new Uint8Array(32).fill(3), /does not match/]] as const) {
    const h = new Harness();
    const a = h.addNode('alice');
    const b = h.addNode('bob');
    const id = h.openChannel(a, b, 1_000_000n);
    a.cm.updateFee(id, 3000);
    for (const ev of a.cm.getAndClearPendingMsgEvents()) if (ev.type === 'SendMessage') h.deliver(a, b, ev.msg);
    b.cm.getAndClearPendingMsgEvents(); // bob's real answer is lost
    h.deliver(b, a, makeMessage('revoke_and_ack', { channelId: id, perCommitmentSecret: secret, nextPerCommitmentPoint: b.nodeId }));
    assert.match(closedMsg(h, a) ?? 'not closed', re);
  }
});

test('gap 6: a replayed onion (same packet, same hash) is refused with temporary_node_failure', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n);
  const inv = b.cm.createInboundPayment(undefined, 3600);
  let packet: Uint8Array | undefined;
  h.filter = (_f, _t, m) => (m.type === 'update_add_htlc' && (packet ??= m.onionRoutingPacket), true);
  a.cm.sendPayment([route(h, [a, b], 1_000_000n)], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(1));
  settle(h);
  h.filter = undefined;
  assert.is(take(h, b, 'PaymentClaimable').length, 1);
  // The same onion again (e.g. a replay by a node on the path), sent by hand.
  sendAddHtlc(a.cm.allChannels()[0]!, 1_000_000n, inv.paymentHash, h.chain.tipHeight + 40, packet!);
  let reason = false;
  h.filter = (_f, _t, m) => (m.type === 'update_fail_htlc' && (reason = true), true);
  settle(h);
  h.filter = undefined;
  assert.ok(reason, 'the replay was failed');
  assert.is(take(h, b, 'PaymentClaimable').length, 0);
});

test('gap 7: update_add_htlc with a path_key is failed malformed with invalid_onion_blinding (0xc018)', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n);
  let code: number | undefined;
  h.filter = (_f, _t, m) => {
    if (m.type === 'update_add_htlc') (m as { tlvs: { blindedPath?: Uint8Array } }).tlvs = { blindedPath: b.nodeId };
    if (m.type === 'update_fail_malformed_htlc') code = m.failureCode;
    return true;
  };
  pay(h, [a, b], 1_000_000n, 1);
  settle(h);
  h.filter = undefined;
  assert.is(code, 0xc018);
  assert.is(take(h, a, 'PaymentPathFailed')[0]?.failure?.name, 'invalid_onion_blinding');
});

test('gap 8: a new forward is announced and goes through while another waits for a disconnected peer', () => {
  const h = new Harness();
  const [a, b, c, d] = ['alice', 'bob', 'carol', 'dave'].map((n) => h.addNode(n)) as [TestNode, TestNode, TestNode, TestNode];
  h.openChannel(a, b, 1_000_000n);
  h.openChannel(b, c, 1_000_000n);
  h.openChannel(b, d, 1_000_000n);
  h.disconnect(b, d);
  pay(h, [a, b, d], 1_000_000n, 1);
  settle(h);
  assert.is(b.cm.listChannels().length, 3);
  pay(h, [a, b, c], 1_000_000n, 2);
  settle(h);
  assert.is(claimAll(h, c), 1, 'the second forward did not wait for dave');
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length, 1);
});

test('gap 9: a forwarder turns a downstream update_fail_malformed_htlc into update_fail_htlc; the sender learns invalid_onion_hmac and blames the next channel', () => {
  const h = new Harness();
  const [a, b, c] = ['alice', 'bob', 'carol'].map((n) => h.addNode(n)) as [TestNode, TestNode, TestNode];
  h.openChannel(a, b, 1_000_000n);
  h.openChannel(b, c, 1_000_000n);
  let corrupted: Uint8Array | undefined;
  const seen: string[] = [];
  h.filter = (f, t, m) => {
    if (f === b && t === c && m.type === 'update_add_htlc') {
      const o = Uint8Array.from(m.onionRoutingPacket);
      o[500] ^= 1;
      (m as { onionRoutingPacket: Uint8Array }).onionRoutingPacket = o;
      corrupted = o;
    }
    if (f === b && t === a && (m.type === 'update_fail_htlc' || m.type === 'update_fail_malformed_htlc')) seen.push(m.type);
    return true;
  };
  const path = route(h, [a, b, c], 1_000_000n);
  pay(h, [a, b, c], 1_000_000n, 1);
  settle(h);
  h.filter = undefined;
  assert.equal(seen, ['update_fail_htlc']);
  const pf = take(h, a, 'PaymentPathFailed')[0]!;
  assert.is(pf.failure?.name, 'invalid_onion_hmac');
  assert.is(pf.errorHopIndex, 0, 'bob reports it');
  assert.ok(equalBytes(pf.failure!.data.sha256OfOnion as Uint8Array, sha256(corrupted!)));
  assert.is(pf.shortChannelId, path.hops[1]!.shortChannelId, 'the channel bob-carol is blamed');
});

test('gap 11: a final node refuses an unreasonably far expiry with incorrect_or_unknown_payment_details', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n);
  const inv = b.cm.createInboundPayment(1_000_000n, 3600);
  a.cm.sendPayment([route(h, [a, b], 1_000_000n, { finalCltvDelta: 3000 })], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(1));
  settle(h);
  assert.is(take(h, a, 'PaymentPathFailed')[0]?.failure?.name, 'incorrect_or_unknown_payment_details');
});

test('gap 14: an MPP part with a different total_msat fails the whole set', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n);
  const inv = b.cm.createInboundPayment(50_000_000n, 3600);
  a.cm.sendPayment([route(h, [a, b], 30_000_000n)], inv.paymentHash, { paymentSecret: inv.paymentSecret, totalMsat: 60_000_000n }, pid(1));
  settle(h);
  a.cm.sendPayment([route(h, [a, b], 30_000_000n)], inv.paymentHash, { paymentSecret: inv.paymentSecret, totalMsat: 55_000_000n }, pid(2));
  settle(h);
  const pf = take(h, a, 'PaymentPathFailed');
  assert.is(pf.length, 2, 'both parts fail');
  assert.ok(pf.every((e) => e.failure?.name === 'incorrect_or_unknown_payment_details'));
  assert.is(eventsOf(h, b, 'PaymentClaimable').length, 0);
});

test.run();
