/**
 * The HTLC state machine of BOLT 2 "Normal Operation", message by message: where each update
 * is on both commitments, the holding cell, what reaches the Watch before each message, the
 * InProgress monitor holding messages back, and every receiving-node check with a test.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes, sha256 } from '@ln/crypto';
import { makeMessage, type KnownMessage } from '@ln/wire';
import { htlcIncluded } from '../src/channel/commitment.js';
import { sendAddHtlc, ONION_PACKET_SIZE, type Channel, type UserConfigOverrides } from '../src/index.js';
import { Harness, type TestNode } from './support/harness.js';
import { claimAll, eventsOf, pay, pid, route, settle, take } from './support/pay.js';

function pair(cfgA: UserConfigOverrides = {}, cfgB: UserConfigOverrides = {}, pushMsat = 0n) {
  const h = new Harness();
  const a = h.addNode('alice', cfgA);
  const b = h.addNode('bob', cfgB);
  h.openChannel(a, b, 1_000_000n, pushMsat);
  const ca = a.cm.allChannels()[0]!;
  const cb = b.cm.allChannels()[0]!;
  return { h, a, b, ca, cb };
}

/** Delivers what `from` has queued for `to` now; returns the message types. */
function flush(h: Harness, from: TestNode, to: TestNode): string[] {
  const out: string[] = [];
  for (const ev of from.cm.getAndClearPendingMsgEvents()) {
    if (ev.type !== 'SendMessage') continue;
    out.push(ev.msg.type);
    h.deliver(from, to, ev.msg);
  }
  return out;
}

/** Where HTLC `id` (outbound from `ch`'s view if `outbound`) is: [on our latest commitment, on theirs]. */
function where(ch: Channel, id: bigint, outbound: boolean): [boolean, boolean] {
  const rec = ch.s.htlcs.find((x) => x.id === id && x.outbound === outbound);
  if (!rec) return [false, false];
  return [htlcIncluded(rec, 'local', ch.s.holderCtn), htlcIncluded(rec, 'remote', ch.s.counterpartyLatestCtn)];
}

const onion = () => {
  const o = new Uint8Array(ONION_PACKET_SIZE);
  o[1] = 2;
  return o;
};

test('an add and its fulfill pass through the five BOLT 2 states on both commitments', () => {
  const { h, a, b, ca, cb } = pair();
  const preimage = new Uint8Array(32).fill(5);
  const hash = sha256(preimage);
  sendAddHtlc(ca, 10_000_000n, hash, h.chain.tipHeight + 100, onion());
  assert.equal(where(ca, 0n, true), [false, false], 'proposed: on neither commitment');
  assert.equal(flush(h, a, b), ['update_add_htlc', 'commitment_signed']);
  assert.equal(where(ca, 0n, true), [false, true], "in bob's latest commitment");
  assert.equal(where(cb, 0n, false), [true, true], 'bob holds the commitment with it, revoked his old one and signed alice\'s next one with it');
  assert.equal(flush(h, b, a), ['revoke_and_ack', 'commitment_signed']);
  assert.equal(where(ca, 0n, true), [true, true], "bob revoked, then signed alice's commitment with it");
  assert.equal(flush(h, a, b), ['revoke_and_ack']);
  assert.equal(where(cb, 0n, false), [true, true], 'irrevocably committed');
  // Bob cannot read this onion: it fails back malformed (we only test the state machine here).
  assert.equal(flush(h, b, a), ['update_fail_malformed_htlc', 'commitment_signed']);
  assert.equal(where(cb, 0n, false), [true, false], 'removed from alice\'s commitment first');
  flush(h, a, b);
  flush(h, b, a);
  assert.equal(where(ca, 0n, true), [false, false]);
  assert.is(flush(h, a, b).length, 0);
  assert.is(ca.s.htlcs.length + cb.s.htlcs.length, 0, 'settled HTLCs are pruned from the log');
  // A claimed payment: the preimage reaches bob's monitor before update_fulfill_htlc leaves.
  pay(h, [a, b], 5_000_000n, 1);
  settle(h);
  const before = b.watch.steps(cb.channelId).length;
  claimAll(h, b);
  assert.is(b.watch.steps(cb.channelId)[before]!.type, 'PaymentPreimage', 'the first step handed over after the claim');
  assert.equal(flush(h, b, a), ['update_fulfill_htlc', 'commitment_signed']);
  assert.ok(a.watch.steps(ca.channelId).some((s) => s.type === 'PaymentPreimage'), 'alice hands the preimage to her monitor on receipt');
  void preimage;
});

test('monitor data: each commitment handed to the Watch carries the HTLC with its id, hash, expiry and output index, before the message', () => {
  const { h, a, b, ca, cb } = pair();
  const hash = sha256(new Uint8Array(32).fill(1));
  const cltv = h.chain.tipHeight + 100;
  sendAddHtlc(ca, 20_000_000n, hash, cltv, onion());
  const n0 = a.watch.steps(ca.channelId).length;
  a.cm.getAndClearPendingMsgEvents().forEach((ev) => ev.type === 'SendMessage' && h.deliver(a, b, ev.msg));
  const cp = a.watch.steps(ca.channelId).slice(n0).find((s) => s.type === 'LatestCounterpartyCommitment');
  assert.ok(cp, 'the counterparty commitment reached the monitor');
  const hd = cp!.type === 'LatestCounterpartyCommitment' ? cp!.commitment.htlcs : [];
  assert.is(hd.length, 1);
  assert.equal({ ...hd[0]!, transactionOutputIndex: typeof hd[0]!.transactionOutputIndex }, { offered: false, amountMsat: 20_000_000n, cltvExpiry: cltv, paymentHash: hash, transactionOutputIndex: 'number', htlcId: 0n });
  const hold = b.watch.steps(cb.channelId).find((s) => s.type === 'LatestHolderCommitment');
  assert.ok(hold && hold.type === 'LatestHolderCommitment' && hold.commitment.htlcs.length === 1 && hold.commitment.counterpartyHtlcSignatures.length === 1);
  assert.is(hold!.type === 'LatestHolderCommitment' && hold!.commitment.htlcs[0]!.offered, false, 'bob receives it: not offered by the broadcaster');
  flush(h, b, a);
  assert.ok(a.watch.steps(ca.channelId).some((s) => s.type === 'CommitmentSecret'), 'the revocation secret reached the monitor');
});

test('holding cell: an add while awaiting revoke_and_ack waits, and goes out with the next commitment_signed', () => {
  const { h, a, b, ca } = pair();
  const hash = sha256(new Uint8Array(32).fill(2));
  sendAddHtlc(ca, 1_000_000n, hash, h.chain.tipHeight + 100, onion());
  assert.equal(flush(h, a, b), ['update_add_htlc', 'commitment_signed']);
  sendAddHtlc(ca, 2_000_000n, hash, h.chain.tipHeight + 100, onion());
  assert.is(ca.s.holdingCell.length, 1);
  assert.equal(flush(h, a, b), [], 'nothing new before the revoke_and_ack');
  assert.equal(flush(h, b, a), ['revoke_and_ack', 'commitment_signed']);
  assert.is(ca.s.holdingCell.length, 0);
  assert.equal(flush(h, a, b), ['update_add_htlc', 'commitment_signed', 'revoke_and_ack'], 'released on the revoke_and_ack, before answering bob\'s commitment_signed');
  assert.is(a.cm.allChannels()[0]!.s.lastSentWasRevoke, true, 'the order is remembered for retransmission');
});

test('InProgress monitor updates hold messages back until completed; an HTLC is forwarded only once its state is durable', () => {
  const { h, a, b, ca } = pair();
  a.watch.async = true;
  const { paymentHash } = pay(h, [a, b], 3_000_000n, 1);
  assert.equal(flush(h, a, b), ['update_add_htlc'], 'the update may go, commitment_signed waits for its monitor update');
  a.watch.completeAll();
  b.watch.async = true;
  assert.equal(flush(h, a, b), ['commitment_signed']);
  assert.equal(flush(h, b, a), [], "bob's revoke_and_ack waits for bob's monitor");
  b.watch.completeAll();
  assert.equal(flush(h, b, a), ['revoke_and_ack', 'commitment_signed']);
  a.watch.completeAll();
  flush(h, a, b);
  a.watch.completeAll();
  flush(h, a, b); // alice's revoke_and_ack: the HTLC is irrevocably committed at bob, but his last update is not durable yet
  assert.is(eventsOf(h, b, 'PaymentClaimable').length, 0, 'not acted on while bob\'s monitor update is in progress');
  b.watch.completeAll();
  b.watch.async = false;
  assert.is(eventsOf(h, b, 'PaymentClaimable').length, 1);
  a.watch.async = false;
  claimAll(h, b);
  a.watch.completeAll();
  settle(h);
  a.watch.completeAll();
  settle(h);
  assert.ok(equalBytes(eventsOf(h, a, 'PaymentSent')[0]!.paymentHash, paymentHash));
  assert.is(ca.s.htlcs.length, 0);
});

// ------------------------------------------------------------------ receiving node checks

/** Sends `msg` from alice to bob as if alice were a peer ignoring her own rules; returns bob's closure message. */
function forged(h: Harness, a: TestNode, b: TestNode, msg: KnownMessage): string | undefined {
  h.deliver(a, b, msg);
  const closed = take(h, b, 'ChannelClosed')[0];
  return closed && 'message' in closed.reason ? closed.reason.message : closed?.reason.type;
}

function add(ch: Channel, id: bigint, amountMsat: bigint, cltvExpiry = 800, hash = new Uint8Array(32)) {
  return makeMessage('update_add_htlc', { channelId: ch.channelId, id, amountMsat, paymentHash: hash, cltvExpiry, onionRoutingPacket: onion(), tlvs: {} });
}

const CASES: [string, UserConfigOverrides, bigint, (ca: Channel) => KnownMessage[], RegExp][] = [
  ['amount_msat 0', {}, 0n, (c) => [add(c, 0n, 0n)], /amount_msat is 0/],
  ['below htlc_minimum_msat', { channelHandshakeConfig: { ourHtlcMinimumMsat: 5000n } }, 0n, (c) => [add(c, 0n, 4999n)], /htlc_minimum_msat/],
  ['more than max_accepted_htlcs', { channelHandshakeConfig: { ourMaxAcceptedHtlcs: 2 } }, 0n, (c) => [add(c, 0n, 1000n), add(c, 1n, 1000n), add(c, 2n, 1000n)], /max_accepted_htlcs/],
  ['more than max_htlc_value_in_flight_msat', {}, 0n, (c) => [add(c, 0n, 60_000_000n), add(c, 1n, 60_000_000n)], /max_htlc_value_in_flight_msat/],
  ['the funder cannot pay the commitment fee with the HTLC', { channelHandshakeConfig: { maxInboundHtlcValueInFlightPercent: 100 } }, 0n, (c) => [add(c, 0n, 1_000_000_000n - 10_000_000n - 1_000_000n)], /reserve and the fee/],
  ['cltv_expiry is not a block height', {}, 0n, (c) => [add(c, 0n, 1000n, 500_000_000)], /not a block height/],
  ['a wrong id', {}, 0n, (c) => [add(c, 5n, 1000n)], /id 5, expected 0/],
  ['update_fulfill_htlc for an unknown HTLC', {}, 0n, (c) => [makeMessage('update_fulfill_htlc', { channelId: c.channelId, id: 3n, paymentPreimage: new Uint8Array(32), tlvs: {} })], /unknown HTLC id 3/],
  ['update_fail_malformed_htlc without BADONION', {}, 0n, (c) => [makeMessage('update_fail_malformed_htlc', { channelId: c.channelId, id: 0n, sha256OfOnion: new Uint8Array(32), failureCode: 0x4005 })], /BADONION/],
  ['commitment_signed without updates', {}, 0n, (c) => [makeMessage('commitment_signed', { channelId: c.channelId, signature: new Uint8Array(64), htlcSignature: [], tlvs: {} })], /no updates/],
  ['commitment_signed with a bad signature', {}, 0n, (c) => [add(c, 0n, 1000n), makeMessage('commitment_signed', { channelId: c.channelId, signature: new Uint8Array(64).fill(1), htlcSignature: [], tlvs: {} })], /invalid commitment signature|expected 0 HTLC|low-S/],
  ['revoke_and_ack without a pending commitment', {}, 0n, (c) => [makeMessage('revoke_and_ack', { channelId: c.channelId, perCommitmentSecret: new Uint8Array(32).fill(1), nextPerCommitmentPoint: c.s.holderPubkeys.fundingPubkey })], /without a pending commitment_signed/],
];

for (const [name, cfgB, push, msgs, re] of CASES) {
  test(`update_add_htlc/update receiver check: ${name} fails the channel`, () => {
    const { h, a, b, ca } = pair({}, cfgB, push);
    let reason: string | undefined;
    for (const m of msgs(ca)) reason = forged(h, a, b, m) ?? reason;
    assert.match(reason ?? 'not closed', re);
    assert.is(b.watch.forceClosed.get([...b.watch.inits.keys()][0]!), true, 'bob broadcasts his commitment');
  });
}

test('receiver check: the non-funder adding beyond its channel reserve fails the channel', () => {
  const { h, a, b, cb } = pair({ channelHandshakeConfig: { maxInboundHtlcValueInFlightPercent: 100 } }, {}, 100_000_000n);
  // bob (non-funder) has 100M msat; alice asks a 10M msat reserve of him.
  const m = makeMessage('update_add_htlc', { channelId: cb.channelId, id: 0n, amountMsat: 95_000_000n, paymentHash: new Uint8Array(32), cltvExpiry: 800, onionRoutingPacket: onion(), tlvs: {} });
  h.deliver(b, a, m);
  const closed = take(h, a, 'ChannelClosed')[0];
  assert.match(closed && 'message' in closed.reason ? closed.reason.message : '', /channel reserve/);
});

test('receiver check: update_fee from the non-funder fails the channel', () => {
  const { h, a, b, cb } = pair();
  h.deliver(b, a, makeMessage('update_fee', { channelId: cb.channelId, feeratePerKw: 3000 }));
  const closed = take(h, a, 'ChannelClosed')[0];
  assert.match(closed && 'message' in closed.reason ? closed.reason.message : '', /update_fee from the non-funder/);
});

test('receiver check: update_fee too low, too high, or unaffordable for the funder fails the channel', () => {
  for (const [rate, re] of [[200, /too small/], [60_000, /unreasonably large/]] as const) {
    const { h, a, b, cb } = pair({}, {}, 0n);
    const m = makeMessage('update_fee', { channelId: cb.channelId, feeratePerKw: rate });
    h.deliver(a, b, m);
    const closed = take(h, b, 'ChannelClosed')[0];
    assert.match(closed && 'message' in closed.reason ? closed.reason.message : '', re);
  }
  // A funder that pushed almost everything cannot afford a higher fee.
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob', {}, new (class extends (h.nodes[0]!.fees.constructor as typeof import('@ln/test-kit').ScriptedFeeEstimator) {})({ MaximumFeeEstimate: 1_000_000, MinAllowedNonAnchorChannelRemoteFee: 253 }, 2500));
  h.openChannel(a, b, 1_000_000n, 985_000_000n);
  const cb = b.cm.allChannels()[0]!;
  h.deliver(a, b, makeMessage('update_fee', { channelId: cb.channelId, feeratePerKw: 30_000 }));
  const closed = take(h, b, 'ChannelClosed')[0];
  assert.match(closed && 'message' in closed.reason ? closed.reason.message : '', /cannot afford feerate/);
});

test('dust exposure: HTLCs beyond max_dust_htlc_exposure_msat are failed once committed (not the channel), and not sent', () => {
  const { h, a, b, ca } = pair({}, { channelConfig: { maxDustHtlcExposureMsat: 1_000_000n } });
  // 400 sat HTLCs are trimmed (dust limit 354 sat + HTLC fees at 2,500 sat/kw).
  for (let i = 0; i < 3; i++) pay(h, [a, b], 400_000n, 10 + i);
  settle(h);
  assert.is(take(h, b, 'PaymentClaimable').length, 2);
  const pf = take(h, a, 'PaymentPathFailed');
  assert.is(pf.length, 1);
  assert.is(pf[0]!.failure?.name, 'temporary_node_failure', 'bob is the final node: BOLT 4 forbids it temporary_channel_failure');
  assert.is(a.cm.listChannels().length, 1, 'the channel stays open');
  // Sending side: alice's own bound.
  const { h: h2, a: a2, ca: ca2 } = pair({ channelConfig: { maxDustHtlcExposureMsat: 500_000n } });
  sendAddHtlc(ca2, 400_000n, new Uint8Array(32), h2.chain.tipHeight + 50, onion());
  assert.throws(() => sendAddHtlc(ca2, 400_000n, new Uint8Array(32), h2.chain.tipHeight + 50, onion()), /dust exposure/);
  void a2;
  void ca;
});

test('dust exposure default: 10,000 msat per sat/kw of the commitment feerate (25,000 sat at 2,500 sat/kw)', () => {
  const { h, ca } = pair();
  // 1,900 sat HTLCs are trimmed on both commitments at 2,500 sat/kw (354 sat dust limit + HTLC fees).
  for (let i = 0; i < 13; i++) sendAddHtlc(ca, 1_900_000n, new Uint8Array(32).fill(i), h.chain.tipHeight + 50, onion());
  assert.throws(() => sendAddHtlc(ca, 1_900_000n, new Uint8Array(32), h.chain.tipHeight + 50, onion()), /dust exposure/, '14 x 1,900 sat > 25,000 sat');
  sendAddHtlc(ca, 3_000_000n, new Uint8Array(32), h.chain.tipHeight + 50, onion()); // not trimmed: not counted
});

test('sending node: the peer\'s limits and our balance are enforced before sending (sendPayment throws, nothing leaves)', () => {
  const { h, a, b, ca } = pair({}, { channelHandshakeConfig: { ourHtlcMinimumMsat: 10_000n, ourMaxAcceptedHtlcs: 1 } });
  const inv = b.cm.createInboundPayment(undefined, 3600);
  const code = (f: () => void) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };
  assert.is(code(() => a.cm.sendPayment([route(h, [a, b], 9_999n)], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(1))), 'insufficient_capacity');
  assert.is(code(() => a.cm.sendPayment([route(h, [a, b], 200_000_000n)], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(2))), 'insufficient_capacity');
  assert.is(code(() => a.cm.sendPayment([route(h, [a, b], 50_000n)], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(3))), 'ok');
  assert.is(code(() => a.cm.sendPayment([route(h, [a, b], 50_000n)], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(4))), 'insufficient_capacity', 'max_accepted_htlcs 1');
  assert.is(code(() => a.cm.sendPayment([{ hops: [{ ...route(h, [a, b], 50_000n).hops[0]!, shortChannelId: 77n }] }], inv.paymentHash, {}, pid(5))), 'no_channel');
  assert.is(ca.s.htlcs.length, 1);
});

test.run();
