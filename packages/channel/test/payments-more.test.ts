/** Multi-part receive and timeout, retries, keysend, concurrent payments both ways, update_fee during payments, on-chain resolution from the monitor. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes, sha256 } from '@ln/crypto';
import { Harness, type TestNode } from './support/harness.js';
import { balance, channelBetween, claimAll, eventsOf, pay, pid, route, settle, take } from './support/pay.js';

function diamond() {
  const h = new Harness();
  const [a, b, c, d] = ['alice', 'bob', 'carol', 'dave'].map((n) => h.addNode(n)) as [TestNode, TestNode, TestNode, TestNode];
  h.openChannel(a, b, 1_000_000n);
  h.openChannel(a, c, 1_000_000n);
  h.openChannel(b, d, 1_000_000n);
  h.openChannel(c, d, 1_000_000n);
  return { h, a, b, c, d };
}

test('MPP: two parts over two paths are collected until total_msat, then claimed together', () => {
  const { h, a, b, c, d } = diamond();
  const { paymentHash, paymentSecret } = d.cm.createInboundPayment(60_000_000n, 3600);
  const paths = [route(h, [a, b, d], 30_000_000n), route(h, [a, c, d], 30_000_000n)];
  a.cm.sendPayment(paths, paymentHash, { paymentSecret, totalMsat: 60_000_000n }, pid(1));
  settle(h);
  const cl = take(h, d, 'PaymentClaimable');
  assert.is(cl.length, 1);
  assert.is(cl[0]!.amountMsat, 60_000_000n);
  assert.is(cl[0]!.viaChannelIds.length, 2);
  d.cm.claimFunds(cl[0]!.purpose.paymentPreimage!);
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length, 1);
  assert.is(eventsOf(h, a, 'PaymentSent')[0]!.feePaidMsat, 2n * (paths[0]!.hops[0]!.amountMsat - 30_000_000n));
  assert.is(eventsOf(h, a, 'PaymentPathSuccessful').length, 2);
  assert.is(eventsOf(h, d, 'PaymentClaimed')[0]!.amountMsat, 60_000_000n);
  assert.is(balance(d, b) + balance(d, c), 60_000_000n);
});

test('MPP: an incomplete set fails with mpp_timeout after the timer ticks; retry then abandon', () => {
  const { h, a, b, c, d } = diamond();
  const { paymentHash, paymentSecret } = d.cm.createInboundPayment(60_000_000n, 3600);
  a.cm.sendPayment([route(h, [a, b, d], 30_000_000n)], paymentHash, { paymentSecret, totalMsat: 60_000_000n }, pid(2));
  settle(h);
  assert.is(eventsOf(h, d, 'PaymentClaimable').length, 0, 'half a payment is not claimable');
  for (let i = 0; i < 2; i++) d.cm.timerTickOccurred();
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentPathFailed').length, 0, 'still waiting');
  d.cm.timerTickOccurred();
  settle(h);
  const pf = take(h, a, 'PaymentPathFailed');
  assert.is(pf.length, 1);
  assert.is(pf[0]!.failure?.name, 'mpp_timeout');
  assert.is(pf[0]!.paymentFailedPermanently, false);
  // The payment is still pending: retry both halves along the other paths.
  a.cm.sendPaymentAlongPaths(pid(2), [route(h, [a, c, d], 30_000_000n), route(h, [a, b, d], 30_000_000n)]);
  settle(h);
  assert.is(claimAll(h, d), 1);
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length, 1);
  // Abandoning a finished payment changes nothing; a fresh failed one ends with PaymentFailed.
  const inv = d.cm.createInboundPayment(10_000_000n, 3600);
  a.cm.sendPayment([{ hops: route(h, [a, b, d], 10_000_000n).hops.map((x, i) => (i === 1 ? { ...x, shortChannelId: 999n } : x)) }], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(3));
  settle(h);
  assert.is(take(h, a, 'PaymentPathFailed')[0]!.failure?.name, 'unknown_next_peer');
  assert.is(eventsOf(h, a, 'PaymentFailed').length, 0, 'the caller may still retry');
  a.cm.abandonPayment(pid(3));
  assert.is(eventsOf(h, a, 'PaymentFailed')[0]!.reason, 'UserAbandoned');
});

test('a payment nobody retries fails with RetriesExhausted after the retry timeout', () => {
  const { h, a, b, d } = diamond();
  const inv = d.cm.createInboundPayment(10_000_000n, 3600);
  a.cm.sendPayment([{ hops: route(h, [a, b, d], 10_000_000n).hops.map((x, i) => (i === 1 ? { ...x, shortChannelId: 999n } : x)) }], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(4));
  settle(h);
  for (let i = 0; i < 3; i++) a.cm.timerTickOccurred();
  assert.is(eventsOf(h, a, 'PaymentFailed')[0]?.reason, 'RetriesExhausted');
});

test('keysend: a spontaneous payment through a forwarder is claimable with the sender\'s preimage', () => {
  const h = new Harness();
  const [a, b, c] = ['alice', 'bob', 'carol'].map((n) => h.addNode(n)) as [TestNode, TestNode, TestNode];
  h.openChannel(a, b, 1_000_000n);
  h.openChannel(b, c, 1_000_000n);
  const preimage = new Uint8Array(32).fill(42);
  const hash = a.cm.sendSpontaneousPayment([route(h, [a, b, c], 7_000_000n)], preimage, {}, pid(1));
  assert.ok(equalBytes(hash, sha256(preimage)));
  settle(h);
  const cl = take(h, c, 'PaymentClaimable');
  assert.is(cl.length, 1);
  assert.is(cl[0]!.purpose.type, 'SpontaneousPayment');
  assert.ok(equalBytes(cl[0]!.purpose.paymentPreimage!, preimage));
  c.cm.claimFunds(preimage);
  settle(h);
  assert.ok(equalBytes(eventsOf(h, a, 'PaymentSent')[0]!.paymentPreimage, preimage));
  // A random preimage when none is given.
  const hash2 = a.cm.sendSpontaneousPayment([route(h, [a, b, c], 1_000_000n)], undefined, {}, pid(2));
  settle(h);
  const cl2 = take(h, c, 'PaymentClaimable')[0]!;
  assert.ok(equalBytes(cl2.paymentHash, hash2));
  c.cm.claimFunds(cl2.purpose.paymentPreimage!);
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length, 2);
});

test('concurrent payments in both directions, interleaved, with update_fee in the middle: all succeed and balances add up', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n, 400_000_000n);
  const startA = balance(a, b);
  const startB = balance(b, a);
  for (let i = 0; i < 6; i++) {
    pay(h, [a, b], 1_000_000n * BigInt(i + 1), 100 + i);
    pay(h, [b, a], 2_000_000n * BigInt(i + 1), 200 + i);
    if (i === 2) a.cm.updateFee(a.cm.listChannels()[0]!.channelId, 3000);
    h.pump();
  }
  settle(h);
  assert.is(claimAll(h, a) + claimAll(h, b), 12);
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length, 6);
  assert.is(eventsOf(h, b, 'PaymentSent').length, 6);
  const toB = 21_000_000n;
  const toA = 42_000_000n;
  assert.is(balance(b, a), startB + toB - toA);
  // Alice pays the (higher) commitment fee: her balance before fees moved by exactly the payments.
  assert.is(balance(a, b), startA - toB + toA);
  assert.is(a.cm.allChannels()[0]!.s.baseFeeratePerKw, 3000);
  assert.is(b.cm.allChannels()[0]!.s.baseFeeratePerKw, 3000);
});

function forwardSetup() {
  const h = new Harness();
  const [a, b, c] = ['alice', 'bob', 'carol'].map((n) => h.addNode(n)) as [TestNode, TestNode, TestNode];
  h.openChannel(a, b, 1_000_000n);
  h.openChannel(b, c, 1_000_000n);
  return { h, a, b, c };
}

test('on-chain resolution: the downstream channel closes; HtlcResolved with the preimage claims upstream', () => {
  const { h, a, b, c } = forwardSetup();
  const { paymentHash } = pay(h, [a, b, c], 5_000_000n, 1);
  settle(h);
  // carol claims, but bob never hears it off chain: the channel bob-carol is force-closed.
  h.filter = (from, to, m) => !(from === c && to === b);
  const pre = take(h, c, 'PaymentClaimable')[0]!.purpose.paymentPreimage!;
  c.cm.claimFunds(pre);
  h.pump();
  h.filter = undefined;
  const bc = channelBetween(b, c);
  b.cm.forceCloseChannel(bc, c.nodeId);
  h.pump();
  // bob's monitor sees carol's HTLC-success on chain and reports the preimage.
  b.watch.pushEvent({ type: 'HtlcResolved', channelId: bc, htlcId: 0n, paymentHash, paymentPreimage: pre, amountMsat: 5_000_000n });
  settle(h);
  const fw = eventsOf(h, b, 'PaymentForwarded');
  assert.is(fw.length, 1);
  assert.is(fw[0]!.claimedOnChain, true);
  assert.ok(equalBytes(eventsOf(h, a, 'PaymentSent')[0]!.paymentPreimage, pre));
});

test('on-chain resolution without a preimage (timeout): the upstream HTLC fails back with permanent_channel_failure', () => {
  const { h, a, b, c } = forwardSetup();
  const { paymentHash } = pay(h, [a, b, c], 5_000_000n, 1);
  settle(h);
  const bc = channelBetween(b, c);
  const bcScid = route(h, [a, b, c], 1n).hops[1]!.shortChannelId;
  b.cm.forceCloseChannel(bc, c.nodeId);
  h.pump();
  assert.is(eventsOf(h, a, 'PaymentPathFailed').length, 0, 'nothing fails upstream before the monitor resolves it');
  b.watch.pushEvent({ type: 'HtlcResolved', channelId: bc, htlcId: 0n, paymentHash, amountMsat: 5_000_000n });
  settle(h);
  const pf = eventsOf(h, a, 'PaymentPathFailed')[0]!;
  assert.is(pf.failure?.name, 'permanent_channel_failure');
  assert.is(pf.errorHopIndex, 0);
  assert.is(pf.shortChannelId, bcScid, 'the closed channel is blamed');
});

test('a preimage claimed for an HTLC on a channel that already closed goes to its monitor', () => {
  const { h, a, b } = forwardSetup();
  pay(h, [a, b], 5_000_000n, 1);
  settle(h);
  const ab = channelBetween(b, a);
  const pre = take(h, b, 'PaymentClaimable')[0]!.purpose.paymentPreimage!;
  b.cm.forceCloseChannel(ab, a.nodeId);
  h.pump();
  b.cm.claimFunds(pre);
  const steps = b.watch.steps(ab);
  assert.is(steps.at(-1)!.type, 'PaymentPreimage');
  assert.is(eventsOf(h, b, 'PaymentClaimed').length, 1);
});

test('option_anchors channels: a forwarded payment with non-dust and dust HTLCs, claimed and failed', () => {
  const h = new Harness();
  const cfg = { channelHandshakeConfig: { negotiateAnchors: true } };
  const [a, b, c] = ['alice', 'bob', 'carol'].map((n) => h.addNode(n, cfg)) as [TestNode, TestNode, TestNode];
  h.openChannel(a, b, 1_000_000n);
  h.openChannel(b, c, 1_000_000n);
  assert.ok(a.cm.allChannels()[0]!.s.anchors && c.cm.allChannels()[0]!.s.anchors, 'anchors negotiated');
  pay(h, [a, b, c], 30_000_000n, 1);
  pay(h, [a, b, c], 500_000n, 2); // trimmed: below the dust limit with zero-fee HTLC transactions
  const failing = pay(h, [a, b, c], 7_000_000n, 3);
  settle(h);
  const cl = take(h, c, 'PaymentClaimable');
  assert.is(cl.length, 3);
  for (const e of cl) {
    if (e.amountMsat === 7_000_000n) c.cm.failHtlcBackwards(failing.paymentHash);
    else c.cm.claimFunds(e.purpose.paymentPreimage!);
  }
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length, 2);
  assert.is(eventsOf(h, a, 'PaymentFailed').length, 1);
  assert.is(balance(c, b), 30_500_000n);
});

test('restarts around claimFunds: persisted after the claim it completes by itself; persisted before, PaymentClaimable comes again', () => {
  for (const when of ['after', 'before'] as const) {
    const { h, a, b, c } = forwardSetup();
    pay(h, [a, b, c], 4_000_000n, 1);
    settle(h);
    const cl = take(h, c, 'PaymentClaimable')[0]!;
    const before = c.cm.serialize();
    const monitorBefore = new Map([...c.watch.updates].map(([k, v]) => [k, [...v]]));
    c.cm.claimFunds(cl.purpose.paymentPreimage!);
    // The fulfill never leaves: carol stops at once (her messages are lost).
    for (const n of [b]) h.disconnect(c, n);
    // 'before': neither the manager nor the monitor writes of the claim became durable.
    if (when === 'before') for (const [k, v] of monitorBefore) c.watch.updates.set(k, v);
    h.restart(c, when === 'after' ? c.cm.serialize() : before);
    h.connect(b, c);
    settle(h);
    if (when === 'before') {
      const again = take(h, c, 'PaymentClaimable');
      assert.is(again.length, 1, 'the claim is asked for again');
      c.cm.claimFunds(again[0]!.purpose.paymentPreimage!);
      settle(h);
    }
    assert.is(eventsOf(h, a, 'PaymentSent').length, 1, `persisted ${when} the claim`);
    assert.is(eventsOf(h, b, 'PaymentForwarded').length, 1);
  }
});

test.run();
