/**
 * Multi-hop payments across five nodes, and failures injected at each hop: each reaches the
 * sender with the BOLT 4 code, the index of the hop that failed, and the channel or node to blame.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '@ln/crypto';
import { createOnion, decodeFailureOnion, decodeFailureMessage, encodeHopPayload, sendAddHtlc, type PaymentPath } from '../src/index.js';
import { Harness, secp, sym, type TestNode } from './support/harness.js';
import { balance, claimAll, eventsOf, pid, route, settle, take } from './support/pay.js';

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin'];

/** A line of five nodes, each channel funded by its left node with 1M sat. */
function line(n = 5, cfg: Record<string, object> = {}): { h: Harness; nodes: TestNode[] } {
  const h = new Harness();
  const nodes = NAMES.slice(0, n).map((x) => h.addNode(x, cfg[x] ?? {}));
  for (let i = 0; i + 1 < n; i++) h.openChannel(nodes[i]!, nodes[i + 1]!, 1_000_000n);
  return { h, nodes };
}

test('five nodes: a payment over four channels succeeds; every forwarder earns its fee; balances add up', () => {
  const { h, nodes } = line();
  const [a, , , , e] = nodes;
  const path = route(h, nodes, 25_000_000n);
  const { paymentHash, paymentSecret } = e!.cm.createInboundPayment(25_000_000n, 3600);
  a!.cm.sendPayment([path], paymentHash, { paymentSecret }, pid(1));
  settle(h);
  assert.is(claimAll(h, e!), 1);
  settle(h);
  const sent = eventsOf(h, a!, 'PaymentSent')[0]!;
  assert.is(sent.feePaidMsat, path.hops[0]!.amountMsat - 25_000_000n);
  let fees = 0n;
  for (const n of nodes.slice(1, 4)) {
    const f = eventsOf(h, n, 'PaymentForwarded');
    assert.is(f.length, 1, n.name);
    fees += f[0]!.feeEarnedMsat!;
  }
  assert.is(fees, sent.feePaidMsat);
  assert.is(balance(e!, nodes[3]!), 25_000_000n);
  assert.is(balance(a!, nodes[1]!), 1_000_000_000n - path.hops[0]!.amountMsat);
});

/** Sends along `path` (to erin), settles, and returns alice's PaymentPathFailed. */
function failing(h: Harness, nodes: TestNode[], path: PaymentPath, secret?: Uint8Array, amount = 5_000_000n) {
  const e = nodes[nodes.length - 1]!;
  const { paymentHash, paymentSecret } = e.cm.createInboundPayment(amount, 3600);
  nodes[0]!.cm.sendPayment([path], paymentHash, { paymentSecret: secret ?? paymentSecret }, pid(99));
  settle(h);
  assert.is(eventsOf(h, e, 'PaymentClaimable').length, 0, 'nothing reaches the recipient');
  const pf = take(h, nodes[0]!, 'PaymentPathFailed');
  assert.is(pf.length, 1);
  // Every HTLC is gone from every channel: the failure was wrapped back hop by hop.
  for (const n of nodes) for (const ch of n.cm.allChannels()) assert.is(ch.s.htlcs.length, 0, `${n.name} has no HTLC left`);
  return pf[0]!;
}

for (let j = 1; j <= 3; j++) {
  test(`unknown next channel at hop ${j}: unknown_next_peer from ${NAMES[j]}, blaming the missing channel`, () => {
    const { h, nodes } = line();
    const path = route(h, nodes, 5_000_000n);
    const hops = path.hops.map((x, i) => (i === j ? { ...x, shortChannelId: 0xdeadn } : x));
    const f = failing(h, nodes, { hops });
    assert.is(f.failure?.name, 'unknown_next_peer');
    assert.is(f.errorHopIndex, j - 1);
    assert.ok(equalBytes(f.failingNodeId!, nodes[j]!.nodeId));
    assert.is(f.shortChannelId, 0xdeadn);
    assert.is(f.paymentFailedPermanently, false);
    assert.is(take(h, nodes[j]!, 'HTLCHandlingFailed')[0]?.failedNextDestination.type, 'UnknownNextHop');
  });

  test(`fee too low at ${NAMES[j]}: fee_insufficient with the incoming amount`, () => {
    const { h, nodes } = line();
    const path = route(h, nodes, 5_000_000n);
    // Node j gets exactly what it must forward: no fee left for it.
    const hops = path.hops.map((x, i) => (i < j ? { ...x, amountMsat: x.amountMsat - (path.hops[j - 1]!.amountMsat - path.hops[j]!.amountMsat) } : x));
    const f = failing(h, nodes, { hops });
    assert.is(f.failure?.name, 'fee_insufficient');
    assert.is(f.errorHopIndex, j - 1);
    assert.is(f.failure?.data.htlcMsat, hops[j - 1]!.amountMsat);
    assert.is(f.shortChannelId, path.hops[j]!.shortChannelId, 'the outgoing channel of the failing node');
  });

  test(`CLTV delta too small at ${NAMES[j]}: incorrect_cltv_expiry with the outgoing expiry`, () => {
    const { h, nodes } = line();
    const path = route(h, nodes, 5_000_000n);
    const cut = path.hops[j - 1]!.cltvExpiry - path.hops[j]!.cltvExpiry - 1; // one block short of the delta
    const hops = path.hops.map((x, i) => (i < j ? { ...x, cltvExpiry: x.cltvExpiry - cut } : x));
    const f = failing(h, nodes, { hops });
    assert.is(f.failure?.name, 'incorrect_cltv_expiry');
    assert.is(f.errorHopIndex, j - 1);
    assert.is(f.failure?.data.cltvExpiry, hops[j]!.cltvExpiry);
  });
}

test('expiry too soon: every expiry a few blocks away fails at the first forwarder with expiry_too_soon', () => {
  const { h, nodes } = line(3);
  const path = route(h, nodes, 5_000_000n, { finalCltvDelta: 2 });
  const hops = path.hops.map((x, i) => ({ ...x, cltvExpiry: h.chain.tipHeight + 80 - i * 75 }));
  const f = failing(h, nodes, { hops });
  assert.is(f.failure?.name, 'expiry_too_soon');
  assert.is(f.errorHopIndex, 0);
});

test('expiry too far: expiry_too_far', () => {
  const { h, nodes } = line(3);
  const path = route(h, nodes, 5_000_000n, { finalCltvDelta: 3000 });
  const f = failing(h, nodes, path);
  assert.is(f.failure?.name, 'expiry_too_far');
  assert.is(f.errorHopIndex, 0);
});

test('insufficient balance downstream: temporary_channel_failure from the node that could not forward', () => {
  const { h, nodes } = line(4);
  const [, b, c, d] = nodes;
  // carol -> dave cannot carry 50M after carol pushed most of it to dave first.
  const drain = route(h, [c!, d!], 900_000_000n);
  const inv = d!.cm.createInboundPayment(900_000_000n, 3600);
  assert.throws(() => c!.cm.sendPayment([drain], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(5)), (e: Error) => (e as { code?: string }).code === 'insufficient_capacity');
  // Send several smaller ones to drain carol's side within the in-flight limit.
  for (let k = 0; k < 10; k++) {
    const i = d!.cm.createInboundPayment(95_000_000n, 3600);
    c!.cm.sendPayment([route(h, [c!, d!], 95_000_000n)], i.paymentHash, { paymentSecret: i.paymentSecret }, pid(100 + k));
    settle(h);
    claimAll(h, d!);
    settle(h);
  }
  const capacity = c!.cm.listChannels().find((x) => equalBytes(x.counterpartyNodeId, d!.nodeId))!.outboundCapacityMsat;
  assert.ok(capacity < 50_000_000n && capacity > 0n, `carol can still send ${capacity}`);
  const f = failing(h, nodes, route(h, nodes, 50_000_000n), undefined, 50_000_000n);
  assert.is(f.failure?.name, 'temporary_channel_failure');
  assert.is(f.errorHopIndex, 1);
  assert.ok(equalBytes(f.failingNodeId!, c!.nodeId));
  assert.is(f.shortChannelId, route(h, nodes, 1n).hops[2]!.shortChannelId);
  assert.is(take(h, c!, 'HTLCHandlingFailed')[0]?.failedNextDestination.type, 'NextHop');
  void b;
});

test('wrong payment secret: incorrect_or_unknown_payment_details from the recipient, permanent', () => {
  const { h, nodes } = line();
  const f = failing(h, nodes, route(h, nodes, 5_000_000n), new Uint8Array(32).fill(7));
  assert.is(f.failure?.name, 'incorrect_or_unknown_payment_details');
  assert.is(f.errorHopIndex, 3, 'the last hop of four');
  assert.ok(equalBytes(f.failingNodeId!, nodes[4]!.nodeId));
  assert.is(f.paymentFailedPermanently, true);
  assert.is(eventsOf(h, nodes[0]!, 'PaymentFailed')[0]?.reason, 'RecipientRejected');
});

test('wrong amount: less than the invoice asks fails at the recipient with incorrect_or_unknown_payment_details and the HTLC amount', () => {
  const { h, nodes } = line();
  const f = failing(h, nodes, route(h, nodes, 4_000_000n), undefined, 5_000_000n);
  assert.is(f.failure?.name, 'incorrect_or_unknown_payment_details');
  assert.is(f.failure?.data.htlcMsat, 4_000_000n);
  assert.is(f.failure?.data.height, h.chain.tipHeight);
  assert.is(f.errorHopIndex, 3);
});

test('final hop: an HTLC below the onion amt_to_forward gets final_incorrect_htlc_amount, above the expiry final_incorrect_cltv_expiry', () => {
  const { h, nodes } = line(2);
  const [a, b] = nodes;
  const ch = a!.cm.allChannels()[0]!;
  const inv = b!.cm.createInboundPayment(1_000_000n, 3600);
  const height = h.chain.tipHeight;
  const cases: [bigint, number, string, Record<string, unknown>][] = [
    [999_999n, height + 40, 'final_incorrect_htlc_amount', { incomingHtlcAmt: 999_999n }],
    [1_000_000n, height + 39, 'final_incorrect_cltv_expiry', { cltvExpiry: height + 39 }],
  ];
  for (const [amt, cltv, name, data] of cases) {
    const payload = encodeHopPayload({ kind: 'final', amtToForward: 1_000_000n, outgoingCltvValue: height + 40, paymentSecret: inv.paymentSecret, totalMsat: 1_000_000n });
    const session = new Uint8Array(32).fill(cases.indexOf(cases.find((c) => c[2] === name)!) + 3);
    const { packet, sharedSecrets } = createOnion({ secp, sym }, session, [{ pubkey: b!.nodeId, payload }], inv.paymentHash);
    sendAddHtlc(ch, amt, inv.paymentHash, cltv, packet);
    let reason: Uint8Array | undefined;
    h.filter = (_f, _t, m) => {
      if (m.type === 'update_fail_htlc') reason = m.reason;
      return true;
    };
    settle(h);
    h.filter = undefined;
    const d = decodeFailureOnion({ secp, sym }, sharedSecrets, reason!);
    assert.is(d?.hopIndex, 0);
    const msg = decodeFailureMessage(d!.failureMessage);
    assert.is(msg.name, name);
    assert.equal(msg.fields, data);
  }
});

test('a corrupted onion: the reading node answers update_fail_malformed_htlc with invalid_onion_hmac', () => {
  const { h, nodes } = line(3);
  const [a, b, c] = nodes;
  const inv = c!.cm.createInboundPayment(1_000_000n, 3600);
  // Build a packet for carol whose HMAC is wrong and send it to bob directly as a one-hop HTLC to carol's channel: bob is the reader.
  const ch = a!.cm.allChannels()[0]!;
  const payload = encodeHopPayload({ kind: 'final', amtToForward: 1_000_000n, outgoingCltvValue: h.chain.tipHeight + 40, totalMsat: 1_000_000n });
  const { packet } = createOnion({ secp, sym }, new Uint8Array(32).fill(9), [{ pubkey: b!.nodeId, payload }], inv.paymentHash);
  packet[packet.length - 1] ^= 1;
  sendAddHtlc(ch, 1_000_000n, inv.paymentHash, h.chain.tipHeight + 40, packet);
  let code: number | undefined;
  h.filter = (_f, _t, m) => {
    if (m.type === 'update_fail_malformed_htlc') code = m.failureCode;
    return true;
  };
  settle(h);
  h.filter = undefined;
  assert.is(code, 0xc005, 'BADONION|PERM|5 invalid_onion_hmac');
  assert.is(ch.s.htlcs.length, 0);
});

test.run();
