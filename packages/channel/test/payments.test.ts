/** Single-hop and multi-hop payments: send, receive, claim, fail, with every event. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes, sha256 } from '@ln/crypto';
import { Harness } from './support/harness.js';
import { balance, channelBetween, claimAll, eventsOf, pay, route, settle, take, pid } from './support/pay.js';

function twoNodes() {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n);
  return { h, a, b };
}

test('single hop: alice pays bob, bob claims, both see the right events and balances', () => {
  const { h, a, b } = twoNodes();
  const before = balance(a, b);
  const { paymentHash, paymentId } = pay(h, [a, b], 50_000_000n, 1);
  settle(h);
  const claimable = eventsOf(h, b, 'PaymentClaimable');
  assert.is(claimable.length, 1);
  assert.is(claimable[0]!.amountMsat, 50_000_000n);
  assert.ok(equalBytes(claimable[0]!.paymentHash, paymentHash));
  assert.is(claimAll(h, b), 1);
  settle(h);
  const sent = eventsOf(h, a, 'PaymentSent');
  assert.is(sent.length, 1);
  assert.ok(equalBytes(sent[0]!.paymentId, paymentId));
  assert.ok(equalBytes(sha256(sent[0]!.paymentPreimage), paymentHash));
  assert.is(sent[0]!.feePaidMsat, 0n);
  assert.is(eventsOf(h, a, 'PaymentPathSuccessful').length, 1);
  assert.is(eventsOf(h, b, 'PaymentClaimed').length, 1);
  assert.is(balance(a, b), before - 50_000_000n);
  assert.is(balance(b, a), 50_000_000n);
  assert.is(a.cm.listChannels()[0]!.isUsable, true);
  // Settled: no HTLC left in either log.
  assert.is(a.cm.allChannels()[0]!.s.htlcs.length, 0);
  assert.is(b.cm.allChannels()[0]!.s.htlcs.length, 0);
});

test('a duplicate payment id is refused', () => {
  const { h, a, b } = twoNodes();
  const { paymentHash, paymentSecret } = pay(h, [a, b], 1_000_000n, 7);
  assert.throws(() => a.cm.sendPayment([route(h, [a, b], 1_000_000n)], paymentHash, { paymentSecret }, pid(7)), (e: Error) => (e as { code?: string }).code === 'duplicate_payment');
  settle(h);
  claimAll(h, b);
  settle(h);
  assert.throws(() => a.cm.sendPayment([route(h, [a, b], 1_000_000n)], paymentHash, { paymentSecret }, pid(7)), (e: Error) => (e as { code?: string }).code === 'duplicate_payment');
});

test('three nodes: alice pays carol through bob, bob earns his fee', () => {
  const h = new Harness();
  const [a, b, c] = ['alice', 'bob', 'carol'].map((n) => h.addNode(n));
  h.openChannel(a!, b!, 1_000_000n);
  h.openChannel(b!, c!, 1_000_000n);
  const path = route(h, [a!, b!, c!], 10_000_000n);
  const fee = path.hops[0]!.amountMsat - 10_000_000n;
  assert.is(fee, 1000n + 1000n);
  const { paymentHash, paymentSecret } = c!.cm.createInboundPayment(10_000_000n, 3600);
  a!.cm.sendPayment([path], paymentHash, { paymentSecret }, pid(1));
  settle(h);
  assert.is(claimAll(h, c!), 1);
  settle(h);
  const sent = eventsOf(h, a!, 'PaymentSent');
  assert.is(sent.length, 1);
  assert.is(sent[0]!.feePaidMsat, fee);
  const fwd = eventsOf(h, b!, 'PaymentForwarded');
  assert.is(fwd.length, 1);
  assert.is(fwd[0]!.feeEarnedMsat, fee);
  assert.ok(equalBytes(fwd[0]!.prevChannelId, channelBetween(b!, a!)));
  assert.ok(equalBytes(fwd[0]!.nextChannelId!, channelBetween(b!, c!)));
  assert.is(balance(c!, b!), 10_000_000n);
  assert.is(balance(b!, a!) + balance(b!, c!) - 1_000_000_000n, fee, 'bob: received upstream, paid downstream, kept the fee');
});

test('the recipient fails the payment back: PaymentPathFailed (permanent) then PaymentFailed', () => {
  const { h, a, b } = twoNodes();
  const { paymentHash } = pay(h, [a, b], 2_000_000n, 3);
  settle(h);
  b.cm.failHtlcBackwards(paymentHash);
  settle(h);
  const pf = eventsOf(h, a, 'PaymentPathFailed');
  assert.is(pf.length, 1);
  assert.is(pf[0]!.paymentFailedPermanently, true);
  assert.is(pf[0]!.failure?.name, 'incorrect_or_unknown_payment_details');
  assert.is(pf[0]!.errorHopIndex, 0);
  assert.ok(equalBytes(pf[0]!.failingNodeId!, b.nodeId));
  const failed = eventsOf(h, a, 'PaymentFailed');
  assert.is(failed.length, 1);
  assert.is(failed[0]!.reason, 'RecipientRejected');
  assert.is(take(h, b, 'HTLCHandlingFailed').length, 1);
});

test.run();
