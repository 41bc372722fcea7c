/**
 * Multi-hop payments against Electrum (issue 7): two more in-process nodes behind our node
 * (bob), so that every HTLC crosses bob and bob forwards (BOLT 4 "Forwarding", fee and CLTV
 * delta from its config): dave on a private channel (Electrum → bob → dave, with only a route
 * hint; a stale hint fails at bob) and carol on a public one (Electrum → bob → carol and
 * carol → bob → Electrum, a forwarded failure each way). Registered by electrum.test.ts into
 * its ordered scenario, while both Electrum channels are open.
 *
 * Electrum 4.3.4 (gossip mode) routes with its channel_db plus the invoice's route hints
 * (lnworker.create_route_for_payment, lnrouter.py). What a route to carol through bob needs
 * there, found here:
 *  - the edge bob→carol with a policy, and a policy for *both* directions unless the edge is
 *    in a route hint (`_edge_cost`). Electrum's wallet peer never sends
 *    `gossip_timestamp_filter` (lnpeer.request_gossip is never called), so bob may not relay
 *    carol's channel_update to it (BOLT 7): from gossip alone Electrum finds no path to carol
 *    (a step checks it). Carol's invoice carries the route hint bob→carol, built from bob's
 *    channel_update as carol received it;
 *  - bob's node features are *not* needed from gossip: Electrum adds the `init` features of
 *    its direct peer to the first edge (lnpeer.pay, `route[0].node_features |= self.features`),
 *    so bob's hop payload is TLV (`calc_hops_data_for_payment`) with or without a
 *    node_announcement (the payment to dave runs before Electrum knows anything of bob).
 * The bob–carol channel is public (announcement_signatures at 6 confirmations) so that the
 * gossip we generate is checked against Electrum too: its channel_db verifies and stores our
 * channel_announcement, our channel_update (bob's policy, which then takes precedence over the
 * hint's values) and our node_announcement.
 * Carol routes her payments to Electrum with @ln/router over her channel and the route hint
 * of Electrum's invoice (bob's channel_update as Electrum received it, for a private channel).
 */
import { bytesToHex, sha256 } from '@ln/crypto';
import type { Invoice } from '@ln/invoice';
import type { Route } from '@ln/router';
import { DEFAULT_USER_CONFIG, type ChannelEvent } from '@ln/channel';
import { txidToHex } from '@ln/chain-interfaces';
import * as assert from 'uvu/assert';
import { hexToU8, mine, until, type World } from './electrum-chain.js';
import { OurNode } from './electrum-node.js';

const C_FUND_SAT = 500_000n;
const C_PUSH_SAT = 200_000n;
/** Bob's forwarding policy (the defaults: bob's config overrides none of them). */
const BOB = DEFAULT_USER_CONFIG.channelConfig;
const bobFee = (outMsat: bigint) => BigInt(BOB.forwardingFeeBaseMsat) + (outMsat * BigInt(BOB.forwardingFeeProportionalMillionths)) / 1_000_000n;
/** A short channel id as Electrum prints it. */
const fmtScid = (s: bigint) => `${s >> 40n}x${(s >> 16n) & 0xffffffn}x${s & 0xffffn}`;
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x instanceof Uint8Array ? bytesToHex(x) : x));

type Forwarded = Extract<ChannelEvent, { type: 'PaymentForwarded' }>;

export interface MultiHopContext {
  step(name: string, fn: () => Promise<void>): void;
  world(): World;
}

/** The balances of the nodes: Electrum's total (its open channels), bob's per channel, carol's and dave's totals; bob's fees so far. */
interface Balances {
  electrum: bigint;
  bob: Map<string, bigint>;
  carol: bigint;
  dave: bigint;
  fees: bigint;
}

export function registerMultiHop({ step, world }: MultiHopContext): { stop(): Promise<void> } {
  let carol: OurNode | undefined;
  let chanBC = '';
  let scidBC = 0n;
  const C = (): OurNode => {
    if (!carol) throw new Error('carol did not start');
    return carol;
  };
  let dave: OurNode | undefined;
  let chanBD = '';
  let scidBD = 0n;
  const total = (n: OurNode | undefined) => (n ? n.cm.listChannels().reduce((a, c) => a + c.balanceMsat, 0n) : 0n);

  async function balances(W: World): Promise<Balances> {
    const list = await W.electrum.call('channels');
    return {
      electrum: list.filter((c: any) => c.state === 'OPEN').reduce((a: bigint, c: any) => a + BigInt(c.local_msat), 0n),
      bob: new Map(W.ours.cm.listChannels().map((c) => [bytesToHex(c.channelId), c.balanceMsat])),
      carol: total(carol),
      dave: total(dave),
      fees: W.ours.eventsOf('PaymentForwarded').reduce((a, e) => a + (e.feeEarnedMsat ?? 0n), 0n),
    };
  }
  const sum = (m: Map<string, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);

  /** Waits until every HTLC is off every commitment of the three nodes (Electrum's balances settle last). */
  async function settled(W: World, expect: (b: Balances) => boolean, what: string): Promise<Balances> {
    let b = await balances(W);
    for (let i = 0; i < 200 && !expect(b); i++) {
      await new Promise((r) => setTimeout(r, 50));
      b = await balances(W);
    }
    assert.ok(expect(b), `${what}: ${json({ electrum: b.electrum, bob: [...b.bob], carol: b.carol, dave: b.dave, fees: b.fees })}`);
    return b;
  }

  /** `node` starts and dials us; we fund a channel to it; returns the channel once `blocks` are mined and it is usable on both sides. */
  async function openToNew(W: World, node: OurNode, sat: bigint, pushSat: bigint, announce: boolean, blocks: number): Promise<{ chan: string; scid: bigint }> {
    const { ours } = W;
    await node.start();
    await node.connect(ours.nodeIdHex, W.ourPort);
    await until(() => ours.pm.getPeerNodeIds().some((id) => bytesToHex(id) === node.nodeIdHex), 10_000, `${node.node.name} as our peer`, W);
    const temp = bytesToHex(ours.cm.createChannel(node.nodeId, sat, pushSat * 1000n, announce ? 11n : 12n, { announce }));
    ours.step();
    const pending = () => ours.eventsOf('ChannelPending').find((e) => bytesToHex(e.formerTemporaryChannelId) === temp);
    await until(() => pending() !== undefined, 15_000, `ChannelPending for the channel to ${node.node.name}`, W);
    const chan = bytesToHex(pending()!.channelId);
    const fundingTxid = txidToHex(pending()!.fundingTxo.txid);
    await until(() => W.chain.mempoolTxids().some((t) => txidToHex(t) === fundingTxid), 5_000, 'the funding tx in the mempool', W);
    await mine(W, blocks);
    await until(() => ours.cm.listUsableChannels().some((c) => bytesToHex(c.channelId) === chan) && node.cm.listUsableChannels().length === 1, 10_000, 'the channel usable on both sides', W);
    const d = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan)!;
    assert.is(d.balanceMsat, (sat - pushSat) * 1000n);
    assert.is(node.cm.listChannels()[0]!.balanceMsat, pushSat * 1000n);
    return { chan, scid: d.shortChannelId! };
  }

  /** Electrum pays an invoice of `payee`'s carrying its route hint (bob→payee, bob's channel_update as the payee got it). */
  async function electrumPaysVia(payee: OurNode, scid: bigint, amountSat: bigint, memo: string, refuse = false) {
    const W = world();
    const hints = payee.routeHintsToUs();
    assert.is(hints.length, 1);
    assert.equal({ ...hints[0]![0]!, pubkey: bytesToHex(hints[0]![0]!.pubkey) }, { pubkey: W.ours.nodeIdHex, shortChannelId: scid, feeBaseMsat: BOB.forwardingFeeBaseMsat, feeProportionalMillionths: BOB.forwardingFeeProportionalMillionths, cltvExpiryDelta: BOB.cltvExpiryDelta }, 'the hint is bob\'s channel_update as the payee got it');
    const inv = payee.createInvoice(amountSat * 1000n, memo, 18, hints);
    if (refuse) payee.refuse.add(bytesToHex(inv.paymentHash));
    const r = await W.electrum.call('pay', { invoice: inv.invoice, timeout: 60 });
    return { ...inv, r };
  }

  /** Checks Electrum's route of an attempt: Electrum → bob (one of its channels) → payee over `scid`, a TLV payload for bob. */
  function assertRouteVia(W: World, attempt: any, payee: OurNode, scid: bigint): void {
    assert.is(attempt.route.length, 2, `a two-hop route: ${json(attempt.route)}`);
    assert.is(attempt.route[0].start, W.electrumId);
    assert.is(attempt.route[0].end, W.ours.nodeIdHex, 'first hop: Electrum → bob');
    assert.is(attempt.route[1].end, payee.nodeIdHex, 'second hop: bob → the payee');
    assert.is(attempt.route[1].scid, fmtScid(scid), 'over bob\'s channel to the payee');
    assert.is(attempt.route[0].tlv, true, 'bob gets a TLV hop payload');
    assert.is(attempt.route[1].fee_base_msat, BOB.forwardingFeeBaseMsat);
    assert.is(attempt.route[1].fee_proportional_millionths, BOB.forwardingFeeProportionalMillionths);
    assert.is(attempt.route[1].cltv_expiry_delta, BOB.cltvExpiryDelta);
  }

  /** Electrum pays `payee` `amountSat` through bob: the payee claims, bob forwards for its fee, balances move on every node. */
  async function electrumPaysThroughBob(payee: OurNode, chan: string, scid: bigint, amountSat: bigint, memo: string, checkParts?: (forwards: Forwarded[]) => void): Promise<bigint> {
    const W = world();
    const before = await balances(W);
    const fwdBefore = W.ours.eventsOf('PaymentForwarded').length;
    const { paymentHash, r } = await electrumPaysVia(payee, scid, amountSat, memo);
    assert.ok(r.success, `Electrum's payment succeeded: ${json(r.attempts)}\n${W.electrum.logTail(3000)}\n${W.ours.logTail()}`);
    assert.is(bytesToHex(sha256(hexToU8(r.preimage))), bytesToHex(paymentHash), 'Electrum got the payee\'s preimage');
    const ok = r.attempts.filter((a: any) => a.success);
    assert.ok(ok.length >= 1);
    // Electrum's log ends at the first fulfilled part (lnworker.pay_to_node): one success entry even for several parts.
    for (const a of ok) assertRouteVia(W, a, payee, scid);
    await until(() => payee.eventsOf('PaymentClaimed').some((e) => bytesToHex(e.paymentHash) === bytesToHex(paymentHash)), 10_000, 'PaymentClaimed at the payee', W);
    assert.is(payee.eventsOf('PaymentClaimed').find((e) => bytesToHex(e.paymentHash) === bytesToHex(paymentHash))!.amountMsat, amountSat * 1000n);
    const forwarded = () => W.ours.eventsOf('PaymentForwarded').slice(fwdBefore);
    await until(() => forwarded().reduce((a, f) => a + (f.outboundAmountForwardedMsat ?? 0n), 0n) === amountSat * 1000n, 10_000, 'PaymentForwarded at bob for every part', W);
    const fwd = forwarded();
    if (checkParts) checkParts(fwd);
    else assert.is(fwd.length, 1, 'one part');
    for (const f of fwd) {
      assert.is(bytesToHex(f.nextChannelId!), chan, 'forwarded to the payee');
      assert.is(f.feeEarnedMsat, bobFee(f.outboundAmountForwardedMsat!), 'our fee, as our channel_update announced it');
    }
    assert.is(fwd.reduce((a, f) => a + f.outboundAmountForwardedMsat!, 0n), amountSat * 1000n, 'bob forwarded the invoice amount');
    const fee = fwd.reduce((a, f) => a + f.feeEarnedMsat!, 0n);
    const payeeOf = (b: Balances) => (payee === carol ? b.carol : b.dave);
    const after = await settled(W, (b) => b.electrum === before.electrum - amountSat * 1000n - fee && payeeOf(b) === payeeOf(before) + amountSat * 1000n && sum(b.bob) === sum(before.bob) + fee, 'balances settle');
    assert.is(after.bob.get(chan), before.bob.get(chan)! - amountSat * 1000n, 'bob\'s channel to the payee down by the amount');
    assert.is(after.fees - before.fees, fee);
    console.log(`  Electrum → bob → ${payee.node.name}: ${amountSat} sat, bob's fee ${fee} msat over ${fwd.length} part(s)`);
    return fee;
  }

  step('dave, another in-process node, gets a private channel from us (200,000 sat), ready after 3 blocks; Electrum pays dave\'s invoice (8,000 sat) through us with only its route hint (Electrum\'s channel_db knows nothing of bob yet: bob\'s payload is TLV from its init features); we forward, dave claims, balances move on every node', async () => {
    const W = world();
    dave = new OurNode(W.chain, 'interop-dave');
    ({ chan: chanBD, scid: scidBD } = await openToNew(W, dave, 200_000n, 0n, false, 3));
    const g = await W.electrum.call('graph');
    assert.is(g.nodes[W.ours.nodeIdHex], undefined, 'Electrum has no node_announcement of bob');
    assert.equal(g.channels, [], 'and no public channel');
    await electrumPaysThroughBob(dave, chanBD, scidBD, 8_000n, 'Electrum pays dave through ln-ts');
  });

  step('dave\'s invoice with a stale route hint (fee_base_msat 0, below bob\'s 1,000 msat): we fail Electrum\'s HTLC with fee_insufficient, Electrum decodes it from route index 0 (bob, the forwarder) and blames the bob–dave channel; nothing moves', async () => {
    const W = world();
    const D = dave!;
    const before = await balances(W);
    const fwdBefore = W.ours.eventsOf('PaymentForwarded').length;
    const stale = D.routeHintsToUs().map((h) => h.map((x) => ({ ...x, feeBaseMsat: 0 })));
    const inv = D.createInvoice(8_000_000n, 'stale hint', 18, stale);
    const r = await W.electrum.call('pay', { invoice: inv.invoice, timeout: 60 });
    assert.is(r.success, false, 'Electrum\'s payment failed');
    assert.is(r.attempts.length, 1, `one HTLC (then Electrum blacklists the channel and finds no other path): ${json(r.attempts)}`);
    const a = r.attempts[0];
    assert.is(a.route.length, 2);
    assert.is(a.route[1].scid, fmtScid(scidBD));
    assert.is(a.route[1].fee_base_msat, 0, 'Electrum routed with the stale hint');
    assert.is(a.sender_idx, 0, 'the error came from route index 0: bob (decoded from our return onion)');
    assert.is(a.failure, 'FEE_INSUFFICIENT');
    assert.equal(r.log[0], ['2', fmtScid(scidBD), 'FEE_INSUFFICIENT'], 'Electrum names the channel after the failing hop');
    assert.is(W.ours.eventsOf('PaymentForwarded').length, fwdBefore);
    assert.is(D.eventsOf('PaymentClaimable').filter((e) => bytesToHex(e.paymentHash) === bytesToHex(inv.paymentHash)).length, 0, 'dave never saw it');
    await settled(W, (b) => b.electrum === before.electrum && b.dave === before.dave && sum(b.bob) === sum(before.bob), 'balances back where they were');
  });

  step('carol, another in-process node, dials us; we fund a public channel to her (500,000 sat, push 200,000 sat): ready after 3 blocks, announced at 6; our channel_announcement, channel_update and node_announcement reach Electrum\'s channel_db (signatures verified); without a route hint Electrum finds no path to carol', async () => {
    const W = world();
    const { ours, electrum, electrumId } = W;
    carol = new OurNode(W.chain, 'interop-carol');
    ({ chan: chanBC, scid: scidBC } = await openToNew(W, carol, C_FUND_SAT, C_PUSH_SAT, true, 6));
    // announcement_signatures both ways, then the channel_announcement to every peer (Electrum too).
    const toElectrum = (type: string) => ours.peerEvents.some((x) => x.type === 'message' && x.direction === 'out' && x.msg.type === type && bytesToHex(x.nodeId) === electrumId);
    await until(() => C().cm.listChannels()[0]!.isAnnounced && ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chanBC)!.isAnnounced, 10_000, 'the channel announced on both sides', W);
    await until(() => toElectrum('channel_announcement') && toElectrum('channel_update'), 10_000, 'our channel_announcement and channel_update sent to Electrum', W);
    ours.announceNode('ln-ts bob');
    ours.step();
    // Electrum processes gossip in batches every 5 s (lnpeer.process_gossip).
    const bob = ours.nodeIdHex;
    let g: any;
    const end = Date.now() + 20_000;
    for (;;) {
      g = await electrum.call('graph');
      const ch = g.channels.find((c: any) => c.scid === fmtScid(scidBC));
      if (ch && ch.policies[bob] && g.nodes[bob]) break;
      if (Date.now() > end) throw new Error(`Electrum's channel_db lacks bob-carol, bob's policy or bob's node: ${json(g)}\n${electrum.logTail(3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const ch = g.channels.find((c: any) => c.scid === fmtScid(scidBC));
    assert.equal(new Set([ch.node1, ch.node2]), new Set([bob, C().nodeIdHex]), 'the announced channel joins bob and carol');
    assert.equal(ch.policies[bob], { fee_base_msat: BOB.forwardingFeeBaseMsat, fee_proportional_millionths: BOB.forwardingFeeProportionalMillionths, cltv_expiry_delta: BOB.cltvExpiryDelta, htlc_maximum_msat: ch.policies[bob].htlc_maximum_msat, disabled: false }, 'bob\'s policy as bob\'s channel_update says');
    assert.ok((BigInt(g.nodes[bob].features) >> 8n) & 3n, 'Electrum knows bob reads TLV payloads (var_onion_optin)');
    assert.is(ch.policies[C().nodeIdHex], undefined, 'carol\'s channel_update was not relayed to Electrum (it never sent gossip_timestamp_filter; BOLT 7)');
    // So gossip alone gives Electrum no route to carol (no HTLC is sent: nothing to blacklist).
    const noHint = C().createInvoice(5_000_000n, 'no route hint');
    const r = await electrum.call('pay', { invoice: noHint.invoice, timeout: 30 });
    assert.is(r.success, false);
    assert.equal(r.attempts, [], 'no HTLC was attempted');
    assert.ok(/NoPathFound/.test(electrum.logTail(20_000).split('pay_invoice starting session for RHASH=' + bytesToHex(noHint.paymentHash))[1] ?? ''), 'Electrum\'s path finder found no path');
  });

  step('Electrum pays carol\'s BOLT 11 invoice (15,000 sat) through us: its path finder routes Electrum → bob → carol (the route hint, bob\'s policy from gossip), we forward (PaymentForwarded, our fee 1,000 msat + 100 ppm), carol claims; balances move on every node, Electrum pays our fee', async () => {
    // Each of Electrum's channels can send some 10,000-40,000 sat by now (its earlier MPP split is
    // random, their sum is not): 15,000 sat fits one of them, in one part (mpp_split.MIN_PART_SIZE_MSAT).
    await electrumPaysThroughBob(C(), chanBC, scidBC, 15_000n, 'Electrum pays carol through ln-ts');
  });

  /** Carol pays an invoice of Electrum's, routed by @ln/router; returns the invoice, the route and the payment id. */
  async function carolPaysElectrum(amountSat: bigint, memo: string, finalCltvExpiryDelta?: number, onlyScid?: bigint): Promise<{ invoice: Invoice; route: Route; id: string; hash: string }> {
    const W = world();
    const inv = await W.electrum.call('add_invoice', { amount_sat: Number(amountSat), memo });
    const { invoice, route } = C().routeFor(inv.invoice, finalCltvExpiryDelta, onlyScid === undefined ? undefined : (h) => h[0]!.shortChannelId === onlyScid);
    if (onlyScid !== undefined) assert.is(route.hops[1]!.shortChannelId, onlyScid, 'over the hinted channel asked for');
    assert.is(bytesToHex(invoice.payeeNodeId), W.electrumId);
    // Electrum's route hints: its private channels with bob, bob's policy from the channel_update bob sent it.
    assert.ok(invoice.routeHints.length >= 1, 'Electrum\'s invoice has route hints');
    for (const h of invoice.routeHints) {
      assert.is(h.length, 1);
      assert.is(bytesToHex(h[0]!.pubkey), W.ours.nodeIdHex, 'each hint starts at bob');
      assert.equal([h[0]!.feeBaseMsat, h[0]!.feeProportionalMillionths, h[0]!.cltvExpiryDelta], [BOB.forwardingFeeBaseMsat, BOB.forwardingFeeProportionalMillionths, BOB.cltvExpiryDelta], 'bob\'s channel_update reached Electrum (lnworker.calc_routing_hints_for_invoice)');
    }
    assert.is(route.hops.length, 2, `carol → bob → Electrum: ${json(route.hops)}`);
    assert.is(bytesToHex(route.hops[0]!.nodeId), W.ours.nodeIdHex);
    assert.is(route.hops[0]!.shortChannelId, scidBC);
    assert.is(bytesToHex(route.hops[1]!.nodeId), W.electrumId);
    assert.ok(invoice.routeHints.some((h) => h[0]!.shortChannelId === route.hops[1]!.shortChannelId), 'the last hop is a hinted channel');
    assert.is(route.hops[0]!.feeMsat, bobFee(amountSat * 1000n));
    const id = bytesToHex(C().payRoute(invoice, route));
    return { invoice, route, id, hash: inv.payment_hash };
  }

  step('carol pays Electrum\'s BOLT 11 invoice (40,000 sat) through us: @ln/router finds carol → bob → Electrum from Electrum\'s route hint, we forward, Electrum releases the preimage; balances move on all three nodes, carol pays our fee', async () => {
    const W = world();
    const amountSat = 40_000n;
    const before = await balances(W);
    const fwdBefore = W.ours.eventsOf('PaymentForwarded').length;
    // Over the hint of the Electrum channel that can send the least (Electrum's earlier MPP split
    // is random): the multi-part step below needs both of its channels able to carry a part.
    const poorer = (await W.electrum.call('channels')).filter((c: any) => c.state === 'OPEN').sort((a: any, b: any) => a.can_send_msat - b.can_send_msat)[0];
    const poorerScid = W.ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === poorer.channel_id)!.shortChannelId!;
    const { route, id, hash } = await carolPaysElectrum(amountSat, 'carol pays Electrum through ln-ts', undefined, poorerScid);
    await until(() => C().eventsOf('PaymentSent').some((e) => bytesToHex(e.paymentId) === id) || C().eventsOf('PaymentFailed').some((e) => bytesToHex(e.paymentId) === id), 20_000, 'PaymentSent at carol', W);
    assert.equal(C().eventsOf('PaymentPathFailed').filter((e) => bytesToHex(e.paymentId) === id).map((e) => ({ hop: e.errorHopIndex, failure: e.failure })), [], 'no path failed');
    const sent = C().eventsOf('PaymentSent').find((e) => bytesToHex(e.paymentId) === id)!;
    assert.is(bytesToHex(sha256(sent.paymentPreimage)), hash);
    const fee = bobFee(amountSat * 1000n);
    assert.is(sent.feePaidMsat, fee, 'carol paid bob\'s fee');
    assert.is((await W.electrum.call('wait_paid', { payment_hash: hash, timeout: 20 })).status, 'Paid');
    await until(() => W.ours.eventsOf('PaymentForwarded').length === fwdBefore + 1, 10_000, 'PaymentForwarded at bob', W);
    const f = W.ours.eventsOf('PaymentForwarded')[fwdBefore]!;
    assert.is(bytesToHex(f.prevChannelId), chanBC, 'from carol');
    assert.is(f.feeEarnedMsat, fee);
    assert.is(f.outboundAmountForwardedMsat, amountSat * 1000n);
    const out = W.ours.cm.listChannels().find((c) => c.shortChannelId === route.hops[1]!.shortChannelId)!;
    assert.is(bytesToHex(f.nextChannelId!), bytesToHex(out.channelId), 'to Electrum, over the hinted channel');
    const after = await settled(W, (b) => b.electrum === before.electrum + amountSat * 1000n && b.carol === before.carol - amountSat * 1000n - fee && sum(b.bob) === sum(before.bob) + fee, 'balances settle');
    assert.is(after.bob.get(chanBC), before.bob.get(chanBC)! + amountSat * 1000n + fee, 'bob\'s channel to carol up by amount + fee');
    assert.is(after.bob.get(bytesToHex(out.channelId)), before.bob.get(bytesToHex(out.channelId))! - amountSat * 1000n, 'bob\'s channel to Electrum down by the amount');
  });

  step('Electrum pays carol\'s invoice for more than either of its channels can carry: it splits the payment over both channels into us, we forward both parts to carol (our fee per part), carol claims the set once', async () => {
    const W = world();
    const min = (a: bigint, b: bigint) => (a < b ? a : b);
    const chans = (await W.electrum.call('channels')).filter((c: any) => c.state === 'OPEN');
    const avail = chans.map((c: any) => min(BigInt(c.can_send_msat), BigInt(c.remote_max_htlc_value_in_flight_msat)) / 1000n);
    // Over the larger channel's capacity, so that Electrum must split; every part is at least
    // 10,000 sat (mpp_split.MIN_PART_SIZE_MSAT) and pays bob's fee on top.
    const amount = avail.reduce((a: bigint, b: bigint) => (a > b ? a : b), 0n) + 5_000n;
    assert.ok(avail.every((a: bigint) => a >= 12_000n), `each of Electrum's channels can carry a part (they can send ${avail} sat)`);
    const mark = C().eventsOf('PaymentClaimable').length;
    await electrumPaysThroughBob(C(), chanBC, scidBC, amount, 'Electrum pays carol in parts through ln-ts', (fwd) => {
      assert.ok(fwd.length >= 2, `several parts: ${json(fwd)}`);
      assert.equal(new Set(fwd.map((f) => bytesToHex(f.prevChannelId))).size, 2, 'they came over both of Electrum\'s channels');
    });
    const claimable = C().eventsOf('PaymentClaimable').slice(mark);
    assert.is(claimable.length, 1, 'one PaymentClaimable for the whole set');
    assert.is(claimable[0]!.amountMsat, amount * 1000n);
  });

  step('Electrum pays carol\'s invoice and carol refuses it (failHtlcBackwards): we relay her failure back, Electrum decodes incorrect_or_unknown_payment_details from hop 2 (the destination) of its two-hop route; nothing moves', async () => {
    const W = world();
    const before = await balances(W);
    const fwdBefore = W.ours.eventsOf('PaymentForwarded').length;
    const { r, paymentHash } = await electrumPaysVia(C(), scidBC, 10_000n, 'carol refuses', true);
    assert.is(r.success, false, 'Electrum\'s payment failed');
    const last = r.attempts[r.attempts.length - 1];
    assertRouteVia(W, last, C(), scidBC);
    assert.is(last.sender_idx, 1, 'the error came from route index 1: carol (decoded through bob\'s wrapping)');
    assert.is(last.failure, 'INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS');
    assert.equal(r.log[r.log.length - 1], ['2', 'Destination node', 'INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS']);
    assert.is(C().eventsOf('PaymentClaimed').filter((e) => bytesToHex(e.paymentHash) === bytesToHex(paymentHash)).length, 0);
    assert.is(W.ours.eventsOf('PaymentForwarded').length, fwdBefore, 'no forward succeeded');
    await settled(W, (b) => b.electrum === before.electrum && b.carol === before.carol && sum(b.bob) === sum(before.bob), 'balances back where they were');
  });

  step('carol pays Electrum\'s invoice with a final cltv_expiry Electrum refuses (tip + 100 < tip + 144): we forward it, Electrum fails it, we relay the failure; carol decodes incorrect_or_unknown_payment_details from hop 1 (Electrum); nothing moves', async () => {
    const W = world();
    const before = await balances(W);
    const amountSat = 25_000n;
    const { id, hash } = await carolPaysElectrum(amountSat, 'too soon, via bob', 100);
    await until(() => C().eventsOf('PaymentFailed').some((e) => bytesToHex(e.paymentId) === id), 20_000, 'PaymentFailed at carol', W);
    assert.is(C().eventsOf('PaymentSent').filter((e) => bytesToHex(e.paymentId) === id).length, 0);
    const failed = C().eventsOf('PaymentPathFailed').filter((e) => bytesToHex(e.paymentId) === id);
    assert.is(failed.length, 1);
    const f = failed[0]!;
    assert.is(f.errorHopIndex, 1, 'hop 1 of carol → bob → Electrum: Electrum');
    assert.is(f.failingNodeId && bytesToHex(f.failingNodeId), W.electrumId);
    assert.is(f.failure?.name, 'incorrect_or_unknown_payment_details');
    assert.is(f.failure?.data.htlcMsat, amountSat * 1000n, 'Electrum reports the amount it received');
    assert.is(f.paymentFailedPermanently, true);
    assert.is(await W.electrum.call('invoice_status', { payment_hash: hash }), 'Unpaid');
    await settled(W, (b) => b.electrum === before.electrum && b.carol === before.carol && sum(b.bob) === sum(before.bob), 'balances back where they were');
  });

  return {
    async stop() {
      await carol?.stop();
      await dave?.stop();
    },
  };
}
