/**
 * Interop with Electrum's Lightning wallet (Debian python3-electrum, `LNWallet` in-process in
 * the project's harness interop/electrum_node.py): Electrum's whole stack runs (Network,
 * Interface, Synchronizer, SPV, LNWatcher, Peer) against the one chain, test-kit's
 * MemoryChain, which it reads through test/electrum-server.ts; our node is composed from the
 * real components (test/electrum-node.ts) and talks to Electrum over TCP on 127.0.0.1.
 *
 * The scenario runs in order, sharing one chain and one Electrum process:
 *  1. Electrum dials us: BOLT 8 and init (features negotiated both ways).
 *  2. Electrum funds a channel to us (with a push); we reconnect before channel_ready
 *     (reestablish, nothing but what BOLT 2 retransmits); channel_ready both sides after 3 blocks.
 *  3. We reconnect by dialling Electrum's listener: channel_reestablish both ways.
 *  4. We fund a channel to Electrum (with a push); channel_ready both sides.
 *  5. BOLT 11 payments both ways (single HTLCs, a trimmed one, multi-part both ways), refused
 *     payments both ways (failure onions decoded), our node restarted from its store.
 *  6. Multi-hop through our node (test/electrum-multihop.ts): dave (private channel, route hint
 *     only) and carol (public channel, our gossip in Electrum's channel_db) behind us; Electrum
 *     pays both through us, carol pays Electrum through us (@ln/router over Electrum's route
 *     hint), forwarded failures decoded with the failing hop (bob, carol, Electrum); balances
 *     and our forwarding fee on every node.
 *  7. Electrum closes its channel cooperatively; amounts checked on chain.
 *  8. We close ours cooperatively; amounts checked on chain.
 *  9. Force closes both ways on two more channels: to_remote outputs to the satoshi, to_local
 *     swept by each side after the other's to_self_delay (Electrum's force close only once its
 *     update_fee dance is over).
 * 10. Electrum force-closes during that dance on purpose (our answer held back), then revokes the
 *     commitment it broadcast (Electrum 4.3.4 takes commitment_signed while FORCE_CLOSING): our
 *     monitor takes its to_local with a justice transaction.
 *
 * python3-electrum missing is a failure, not a skip (`.ci/run` installs it).
 */
import { txidFromHex, txidToHex, type OutPoint } from '@ln/chain-interfaces';
import { bytesToHex, sha256 } from '@ln/crypto';
import { decodeInvoice } from '@ln/invoice';
import { parseTx, type ParsedTx } from '@ln/test-kit';
import { Features } from '@ln/wire';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { INTEROP_MAX_DUST_EXPOSURE_MSAT, hexToU8, mine, spenderOf, startWorld, stopWorld, until, type World } from './electrum-chain.js';
import { registerMultiHop } from './electrum-multihop.js';

let w: World | undefined;
const world = (): World => {
  if (!w) throw new Error('the interop world did not start');
  return w;
};
const timings: [string, number][] = [];
function step(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    const t0 = Date.now();
    try {
      await fn();
    } finally {
      timings.push([name, Date.now() - t0]);
    }
  });
}

const E_FUND_SAT = 600_000n;
const E_PUSH_SAT = 200_000n;
const O_FUND_SAT = 400_000n;
const O_PUSH_SAT = 50_000n;
let chan1 = ''; // Electrum-funded channel id (hex)
let chan1FundingTxid = '';
let chan2 = '';

// Not a `before` hook: uvu would swallow its error (exit 0). python3-electrum missing fails here, loudly.
step('Electrum (python3-electrum) starts against our chain: headers, SPV-verified coins in its wallet', async () => {
  w = await startWorld();
  const info = await w.electrum.call('info');
  assert.is(info.genesis, bytesToHex(Uint8Array.from(w.chain.chainHash).reverse()), 'Electrum\'s regtest genesis is MemoryChain\'s');
  assert.is(info.height, w.chain.tipHeight, 'Electrum has every header');
  assert.is(info.balance.confirmed, 3_000_000, 'Electrum sees its faucet coin confirmed');
  console.log(`  Electrum ${w.electrumVersion}, node ${w.electrumId}`);
});

test.after(async () => {
  await multiHop?.stop();
  await stopWorld(w);
  for (const [n, ms] of timings) console.log(`  ${(ms / 1000).toFixed(1).padStart(5)} s  ${n}`);
});

step('Electrum dials our TCP listener: BOLT 8 handshake and init, features negotiated on both sides', async () => {
  const { electrum, ours, ourPort, electrumId } = world();
  const r = await electrum.call('connect', { node_id: ours.nodeIdHex, host: '127.0.0.1', port: ourPort });
  await until(() => ours.pm.getPeerNodeIds().some((id) => bytesToHex(id) === electrumId), 10_000, 'Electrum as our peer');
  const theirInit = ours.pm.peerInit(hexToU8(electrumId))!;
  const theirs = Features.fromBytes(theirInit.features);
  assert.ok(theirs.supports('option_static_remotekey') && theirs.supports('var_onion_optin') && theirs.supports('payment_secret'), 'Electrum offers what we require');
  const ourFeatures = BigInt(r.their_features);
  for (const bit of [13, 15, 8]) assert.ok(((ourFeatures >> BigInt(bit)) & 1n) === 1n || ((ourFeatures >> BigInt(bit ^ 1)) & 1n) === 1n, `Electrum read our feature bit ${bit}`);
  assert.ok(((ourFeatures >> 6n) & 3n) !== 0n, 'Electrum requires gossip_queries and saw it (P2PGossipSync offers it)');
});

step('Electrum funds a channel to us (600,000 sat, push 200,000 sat): funding_signed, ChannelPending, the funding tx in the mempool', async () => {
  const W = world();
  const { electrum, ours, ourPort, chain } = W;
  const r = await electrum.call('open_channel', { node_id: ours.nodeIdHex, host: '127.0.0.1', port: ourPort, amount_sat: Number(E_FUND_SAT), push_sat: Number(E_PUSH_SAT) });
  chan1 = r.channel_id;
  chan1FundingTxid = r.funding_txid;
  assert.is(r.is_initiator, true);
  await until(() => ours.eventsOf('ChannelPending').some((e) => bytesToHex(e.channelId) === chan1), 10_000, 'ChannelPending on our (fundee) side', W);
  const pending = ours.eventsOf('ChannelPending').find((e) => bytesToHex(e.channelId) === chan1)!;
  assert.is(`${txidToHex(pending.fundingTxo.txid)}:${pending.fundingTxo.vout}`, r.channel_point, 'same funding outpoint on both sides');
  await until(() => chain.mempoolTxids().some((t) => txidToHex(t) === r.funding_txid), 10_000, 'the funding tx in the mempool (Electrum broadcast it through our server)', W);
});

step('a reconnection before channel_ready (we dial Electrum): channel_reestablish both ways, and no funding_signed again (BOLT 2 retransmits only channel_ready)', async () => {
  const W = world();
  const { electrum, ours, electrumId, electrumPort } = W;
  ours.pm.disconnectByNodeId(hexToU8(electrumId), 'test: reconnect before channel_ready');
  ours.step();
  await until(() => ours.pm.getPeerNodeIds().length === 0, 5_000, 'disconnected', W);
  const mark = ours.peerEvents.length;
  await ours.connect(electrumId, electrumPort);
  const msgs = () => ours.peerEvents.slice(mark).flatMap((x) => (x.type === 'message' ? [`${x.direction} ${x.msg.type}`] : []));
  await until(() => msgs().includes('in channel_reestablish') && msgs().includes('out channel_reestablish'), 20_000, 'channel_reestablish both ways', W);
  await electrum.call('wait_channel', { channel_id: chan1, state: 'OPENING', peer_state: 'GOOD', timeout: 15 });
  await new Promise((res) => setTimeout(res, 300));
  assert.not.ok(msgs().includes('out funding_signed'), `no funding_signed retransmitted (we sent: ${msgs().join(', ')})`);
});

step('3 blocks: channel_ready on both sides, same short channel id, the push is ours', async () => {
  const W = world();
  const { electrum, ours } = W;
  await mine(W, 3, [chan1FundingTxid]);
  const e = await electrum.call('wait_channel', { channel_id: chan1, state: 'OPEN', timeout: 20 });
  await until(() => ours.eventsOf('ChannelReady').some((x) => bytesToHex(x.channelId) === chan1), 10_000, 'ChannelReady on our side', W);
  const d = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan1)!;
  assert.ok(d.isChannelReady && d.isUsable, 'usable on our side');
  assert.is(d.isOutbound, false);
  assert.is(d.channelValueSat, E_FUND_SAT);
  assert.is(d.balanceMsat, E_PUSH_SAT * 1000n, 'we hold the push');
  assert.is(BigInt(e.remote_msat), E_PUSH_SAT * 1000n, 'Electrum agrees we hold the push');
  assert.is(BigInt(e.local_msat), (E_FUND_SAT - E_PUSH_SAT) * 1000n);
  assert.is(e.short_channel_id !== null, true);
  const [blk, idx, out] = (e.short_channel_id as string).split('x').map(BigInt);
  assert.is(d.shortChannelId, (blk! << 40n) | (idx! << 16n) | out!, 'same short channel id');
});

step('we reconnect by dialling Electrum\'s listener: channel_reestablish both ways, the channel is usable again', async () => {
  const W = world();
  const { electrum, ours, electrumId, electrumPort } = W;
  ours.pm.disconnectByNodeId(hexToU8(electrumId), 'test: reconnect');
  ours.step();
  await until(() => ours.cm.listChannels().every((c) => !c.isUsable), 5_000, 'the channel unusable while disconnected', W);
  const mark = ours.peerEvents.length;
  await ours.connect(electrumId, electrumPort);
  const reestablishes = () => ours.peerEvents.slice(mark).filter((x) => x.type === 'message' && x.msg.type === 'channel_reestablish');
  await until(() => reestablishes().some((x) => x.type === 'message' && x.direction === 'in'), 20_000, 'Electrum\'s channel_reestablish', W);
  const e = await electrum.call('wait_channel', { channel_id: chan1, state: 'OPEN', peer_state: 'GOOD', timeout: 15 });
  assert.is(e.state, 'OPEN');
  await until(() => ours.cm.listUsableChannels().some((c) => bytesToHex(c.channelId) === chan1), 15_000, 'the channel usable again on our side', W);
  const reest = reestablishes();
  assert.ok(reest.some((x) => x.type === 'message' && x.direction === 'in') && reest.some((x) => x.type === 'message' && x.direction === 'out'), `channel_reestablish went both ways: ${JSON.stringify(ours.peerEvents.filter((x) => x.type === 'message').map((x) => x.type === 'message' && `${x.direction} ${x.msg.type}`))}`);
});

step('we fund a channel to Electrum (400,000 sat, push 50,000 sat): channel_ready on both sides after 3 blocks', async () => {
  const W = world();
  const { electrum, ours, electrumId } = W;
  const tempId = bytesToHex(ours.cm.createChannel(hexToU8(electrumId), O_FUND_SAT, O_PUSH_SAT * 1000n, 7n));
  ours.step();
  const ours2 = () => ours.eventsOf('ChannelPending').find((e) => bytesToHex(e.formerTemporaryChannelId) === tempId);
  await until(() => ours2() !== undefined, 15_000, 'ChannelPending for our channel', W);
  const pending = ours2()!;
  chan2 = bytesToHex(pending.channelId);
  const fundingTxid = txidToHex(pending.fundingTxo.txid);
  await until(() => W.chain.mempoolTxids().some((t) => txidToHex(t) === fundingTxid), 5_000, 'our funding tx in the mempool', W);
  const opened = await electrum.call('wait_new_channel', { node_id: ours.nodeIdHex, state: 'OPENING', timeout: 10 });
  assert.is(opened.channel_id, chan2);
  await mine(W, 3, [fundingTxid]);
  const e = await electrum.call('wait_channel', { channel_id: chan2, state: 'OPEN', timeout: 20 });
  await until(() => ours.eventsOf('ChannelReady').some((x) => bytesToHex(x.channelId) === chan2), 10_000, 'ChannelReady on our side', W);
  const d = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan2)!;
  assert.ok(d.isUsable && d.isOutbound);
  assert.is(BigInt(e.local_msat), O_PUSH_SAT * 1000n, 'Electrum holds the push');
  assert.is(d.balanceMsat, (O_FUND_SAT - O_PUSH_SAT) * 1000n);
  assert.is(e.is_initiator, false);
});

// Electrum (regtest) funds at 45,000 sat/kw, where an HTLC-success tx costs 31,635 sat: an
// HTLC under ~32,200 sat is trimmed on that channel. So the payment over Electrum's channel is
// above it (a real HTLC output on both commitments), and a small one (trimmed, dust) goes over
// ours at 2,500 sat/kw.
const PAY_TO_ELECTRUM_SAT = 50_000n;
const DUST_PAYMENT_SAT = 2_000n;
const PAY_TO_US_SAT = 70_000n;

/** Our balance (msat) in each of our open channels with Electrum, by channel id. */
const ourBalances = (W: World) => new Map(W.ours.cm.listChannels().map((c) => [bytesToHex(c.channelId), c.balanceMsat]));
async function electrumBalances(W: World): Promise<Map<string, { local: bigint; remote: bigint }>> {
  const list = await W.electrum.call('channels');
  return new Map(list.filter((c: any) => c.state === 'OPEN').map((c: any) => [c.channel_id, { local: BigInt(c.local_msat), remote: BigInt(c.remote_msat) }]));
}

/** Pays an invoice of Electrum's for the sum of `parts` (one part per channel: a multi-part payment when several). */
async function payElectrum(parts: { chan: string; sat: bigint }[], memo: string, existingInvoice?: string): Promise<void> {
  const W = world();
  const { electrum, ours, electrumId } = W;
  const amountSat = parts.reduce((a, p) => a + p.sat, 0n);
  const ob = ourBalances(W);
  const eb = await electrumBalances(W);
  const inv = existingInvoice ? { invoice: existingInvoice, payment_hash: bytesToHex(decodeInvoice(existingInvoice).paymentHash) } : await electrum.call('add_invoice', { amount_sat: Number(amountSat), memo });
  assert.ok(inv.invoice.startsWith('lnbcrt'), inv.invoice);
  const scid = (chan: string) => ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan)!.shortChannelId!;
  const { invoice, paymentId } = ours.payInvoice(inv.invoice, parts.map((p) => ({ shortChannelId: scid(p.chan), amountMsat: p.sat * 1000n })));
  assert.is(bytesToHex(invoice.payeeNodeId), electrumId, 'our decoder recovers Electrum as the payee');
  assert.is(invoice.amountMsat, amountSat * 1000n);
  assert.is(invoice.description, memo);
  assert.is(bytesToHex(invoice.paymentHash), inv.payment_hash);
  const id = bytesToHex(paymentId);
  await until(() => ours.eventsOf('PaymentSent').some((e) => bytesToHex(e.paymentId) === id) || ours.eventsOf('PaymentFailed').some((e) => bytesToHex(e.paymentId) === id), 20_000, 'PaymentSent', W);
  const failures = ours.eventsOf('PaymentPathFailed').filter((e) => bytesToHex(e.paymentId) === id).map((e) => ({ failure: e.failure, hop: e.errorHopIndex, permanent: e.paymentFailedPermanently }));
  assert.equal(ours.eventsOf('PaymentFailed').filter((e) => bytesToHex(e.paymentId) === id).map((e) => e.reason), [], `no payment failed: ${JSON.stringify(failures, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? bytesToHex(v) : v))}\n${W.electrum.fullLog().split('\n').filter((l) => /htlc|HTLC|fail|onion/i.test(l)).slice(-30).join('\n')}`);
  const sent = ours.eventsOf('PaymentSent').find((e) => bytesToHex(e.paymentId) === id)!;
  assert.is(bytesToHex(sha256(sent.paymentPreimage)), inv.payment_hash, 'the preimage Electrum released hashes to the invoice\'s payment hash');
  assert.is(sent.feePaidMsat, 0n, 'a direct payment pays no fee');
  await until(() => ours.eventsOf('PaymentPathSuccessful').filter((e) => bytesToHex(e.paymentId) === id).length === parts.length, 10_000, 'every part successful', W);
  const paid = await electrum.call('wait_paid', { payment_hash: inv.payment_hash, timeout: 20 });
  assert.is(paid.status, 'Paid');
  // Each HTLC is removed from both commitments once the dance settles.
  for (const p of parts) await until(() => ourBalances(W).get(p.chan) === ob.get(p.chan)! - p.sat * 1000n, 10_000, `our balance in ${p.chan.slice(0, 8)} down by ${p.sat} sat`, W);
  let ea = await electrumBalances(W);
  const settled = () => parts.every((p) => ea.get(p.chan)!.local === eb.get(p.chan)!.local + p.sat * 1000n);
  for (let i = 0; i < 100 && !settled(); i++) {
    await new Promise((res) => setTimeout(res, 50));
    ea = await electrumBalances(W);
  }
  for (const [chan, b] of eb) {
    const moved = parts.filter((p) => p.chan === chan).reduce((a, p) => a + p.sat * 1000n, 0n);
    assert.is(ea.get(chan)!.local, b.local + moved, `Electrum's balance in ${chan.slice(0, 8)} up by ${moved} msat`);
    assert.is(ea.get(chan)!.remote, b.remote - moved);
  }
}

step('we pay Electrum\'s BOLT 11 invoice (50,000 sat) over the channel Electrum funded (an HTLC output on both commitments): PaymentSent with the preimage, Electrum marks it paid, both sides move the amount', () =>
  payElectrum([{ chan: chan1, sat: PAY_TO_ELECTRUM_SAT }], 'ln-ts pays Electrum'));

step('we pay Electrum\'s BOLT 11 invoice (2,000 sat) over our channel: a trimmed (dust) HTLC, settled the same way', () =>
  payElectrum([{ chan: chan2, sat: DUST_PAYMENT_SAT }], 'ln-ts pays Electrum a little'));

step('with the default max_dust_htlc_exposure_msat (5,000 sat) we refuse to offer a 20,000 sat HTLC on Electrum\'s 45,000 sat/kw channel (trimmed there), and offer it again once the limit is back', async () => {
  const W = world();
  const { electrum, ours } = W;
  const inv = await electrum.call('add_invoice', { amount_sat: 20_000, memo: 'dust exposure' });
  const scid = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan1)!.shortChannelId!;
  ours.cm.updateChannelConfig({ maxDustHtlcExposureMsat: 5_000_000n });
  try {
    assert.throws(() => ours.payInvoice(inv.invoice, [{ shortChannelId: scid }]), (e: Error) => e.name === 'PaymentSendError' && /dust exposure/.test(e.message));
  } finally {
    ours.cm.updateChannelConfig({ maxDustHtlcExposureMsat: INTEROP_MAX_DUST_EXPOSURE_MSAT });
  }
  await payElectrum([{ chan: chan1, sat: 20_000n }], 'dust exposure', inv.invoice);
});

step('we pay Electrum\'s BOLT 11 invoice (60,000 sat) in two parts, 40,000 sat over its channel and 20,000 over ours (multi-part, total_msat)', () =>
  payElectrum([{ chan: chan1, sat: 40_000n }, { chan: chan2, sat: 20_000n }], 'ln-ts pays Electrum in parts'));

/** Electrum pays an invoice of ours for `amountSat`; returns the channels the parts came over. */
async function electrumPays(amountSat: bigint, memo: string): Promise<Uint8Array[]> {
  const W = world();
  const { electrum, ours } = W;
  const ob = ourBalances(W);
  const eb = await electrumBalances(W);
  const { invoice, paymentHash } = ours.createInvoice(amountSat * 1000n, memo);
  assert.ok(invoice.startsWith('lnbcrt'), invoice);
  const r = await electrum.call('pay', { invoice, timeout: 60 });
  assert.ok(r.success, `Electrum's payment succeeded: ${JSON.stringify(r.log)}`);
  assert.is(r.payment_hash, bytesToHex(paymentHash));
  assert.is(bytesToHex(sha256(hexToU8(r.preimage))), bytesToHex(paymentHash), 'Electrum got the preimage of our payment hash');
  const claimable = ours.eventsOf('PaymentClaimable').filter((e) => bytesToHex(e.paymentHash) === bytesToHex(paymentHash));
  assert.is(claimable.length, 1, 'one PaymentClaimable, once every part arrived');
  assert.is(claimable[0]!.amountMsat, amountSat * 1000n);
  assert.is(claimable[0]!.purpose.type, 'InvoicePayment');
  await until(() => ours.eventsOf('PaymentClaimed').some((e) => bytesToHex(e.paymentHash) === bytesToHex(paymentHash)), 10_000, 'PaymentClaimed', W);
  const claimed = ours.eventsOf('PaymentClaimed').find((e) => bytesToHex(e.paymentHash) === bytesToHex(paymentHash))!;
  assert.is(claimed.amountMsat, amountSat * 1000n);
  const sum = (m: Map<string, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);
  await until(() => sum(ourBalances(W)) === sum(ob) + amountSat * 1000n, 10_000, 'our balance up by the amount', W);
  let ea = await electrumBalances(W);
  const eSum = (m: Map<string, { local: bigint }>) => [...m.values()].reduce((a, b) => a + b.local, 0n);
  for (let i = 0; i < 100 && eSum(ea) !== eSum(eb) - amountSat * 1000n; i++) {
    await new Promise((res) => setTimeout(res, 50));
    ea = await electrumBalances(W);
  }
  assert.is(eSum(ea), eSum(eb) - amountSat * 1000n, 'Electrum\'s balance down by the amount (no fee to a direct peer)');
  for (const c of ours.cm.listChannels()) {
    const id = bytesToHex(c.channelId);
    assert.is(c.balanceMsat + ea.get(id)!.local, c.channelValueSat * 1000n, `channel ${id.slice(0, 8)}: both sides agree on the split`);
  }
  return [...claimable[0]!.viaChannelIds];
}

step('Electrum pays our BOLT 11 invoice (70,000 sat): PaymentClaimable, claimFunds, PaymentClaimed; Electrum gets the preimage; both sides move the amount', async () => {
  await electrumPays(PAY_TO_US_SAT, 'Electrum pays ln-ts');
});


/** Pays an invoice of Electrum's with a deliberately wrong field; Electrum must refuse it and we must read why. */
async function payElectrumWrongly(tamper: { paymentSecret?: Uint8Array; cltvExpiry?: number }, memo: string): Promise<void> {
  const W = world();
  const { electrum, ours, electrumId } = W;
  const ob = ourBalances(W);
  const amountSat = 45_000n;
  const inv = await electrum.call('add_invoice', { amount_sat: Number(amountSat), memo });
  const scid = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan1)!.shortChannelId!;
  const { paymentId } = ours.payInvoice(inv.invoice, [{ shortChannelId: scid }], tamper);
  const id = bytesToHex(paymentId);
  await until(() => ours.eventsOf('PaymentFailed').some((e) => bytesToHex(e.paymentId) === id), 20_000, 'PaymentFailed', W);
  assert.is(ours.eventsOf('PaymentSent').filter((e) => bytesToHex(e.paymentId) === id).length, 0, 'not sent');
  assert.is(ours.eventsOf('PaymentFailed').find((e) => bytesToHex(e.paymentId) === id)!.reason, 'RecipientRejected');
  const failed = ours.eventsOf('PaymentPathFailed').filter((e) => bytesToHex(e.paymentId) === id);
  assert.is(failed.length, 1);
  const f = failed[0]!;
  assert.is(f.errorHopIndex, 0, 'the error came from hop 0, Electrum (decoded from its return onion)');
  assert.is(f.failingNodeId && bytesToHex(f.failingNodeId), electrumId);
  assert.is(f.paymentFailedPermanently, true);
  assert.is(f.failure?.name, 'incorrect_or_unknown_payment_details');
  assert.is(f.failure?.code, 0x4000 | 15);
  assert.is(f.failure?.data.htlcMsat, amountSat * 1000n, 'Electrum reports the HTLC amount');
  assert.is(f.failure?.data.height, W.chain.tipHeight, 'Electrum reports its height');
  assert.is(await electrum.call('invoice_status', { payment_hash: inv.payment_hash }), 'Unpaid');
  await until(() => ours.cm.listChannels().every((c) => c.balanceMsat === ob.get(bytesToHex(c.channelId))), 10_000, 'balances back where they were', W);
}

step('we pay Electrum\'s invoice with a wrong payment_secret: Electrum fails the HTLC, we decode incorrect_or_unknown_payment_details (amount, height) from its return onion, nothing moves', () =>
  payElectrumWrongly({ paymentSecret: new Uint8Array(32).fill(7) }, 'wrong secret'));

step('we pay Electrum\'s invoice with a cltv_expiry below what Electrum accepts (tip + 100 < tip + 144): refused the same way', () =>
  payElectrumWrongly({ cltvExpiry: world().chain.tipHeight + 100 }, 'too soon'));

step('Electrum pays our invoice and we refuse it (failHtlcBackwards): Electrum decodes incorrect_or_unknown_payment_details from our return onion, nothing moves', async () => {
  const W = world();
  const { electrum, ours } = W;
  const ob = ourBalances(W);
  // Above the trimmed-HTLC threshold of both channels (see DUST_PAYMENT_SAT): Electrum picks the
  // channel at random, and a trimmed HTLC over our dust-exposure limit would be failed earlier,
  // with temporary_channel_failure (BOLT 2), before our refusal.
  const { invoice, paymentHash } = ours.createInvoice(40_000_000n, 'refused');
  ours.refuse.add(bytesToHex(paymentHash));
  const r = await electrum.call('pay', { invoice, timeout: 60 });
  assert.is(r.success, false, 'Electrum\'s payment failed');
  assert.ok(r.log.length >= 1);
  const [hops, where, why] = r.log[r.log.length - 1];
  assert.is(hops, '1', 'a one-hop route');
  assert.is(where, 'Destination node', 'Electrum attributes the error to us, the destination (its sender_idx decoded from our onion)');
  assert.is(why, 'INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS');
  assert.is(ours.eventsOf('PaymentClaimed').filter((e) => bytesToHex(e.paymentHash) === bytesToHex(paymentHash)).length, 0);
  await until(() => ours.cm.listChannels().every((c) => c.balanceMsat === ob.get(bytesToHex(c.channelId))), 10_000, 'balances back where they were', W);
});

step('Electrum pays our invoice for more than either channel can carry (15,000 sat over the larger): it splits the payment over both channels, we claim the whole set once', async () => {
  const W = world();
  // What one HTLC can carry from Electrum on each channel: its balance less reserve and fees,
  // and our max_htlc_value_in_flight_msat.
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  const avail = (await W.electrum.call('channels'))
    .filter((c: any) => c.state === 'OPEN')
    .map((c: any) => min(BigInt(c.can_send_msat), BigInt(c.remote_max_htlc_value_in_flight_msat)) / 1000n);
  const amount = avail.reduce((a: bigint, b: bigint) => (a > b ? a : b), 0n) + 15_000n;
  assert.ok(avail.reduce((a: bigint, b: bigint) => a + b, 0n) > amount + 5_000n, `both channels together can carry ${amount} sat (they can send ${avail} sat)`);
  const via = await electrumPays(amount, 'Electrum pays ln-ts in parts');
  assert.equal(new Set(via.map(bytesToHex)), new Set([chan1, chan2]), 'the parts came over both channels');
});

step('our node restarts from its store (manager and both monitors read back): we dial Electrum, both channels reestablish, and payments go both ways again', async () => {
  const W = world();
  const { electrum, ours, electrumId, electrumPort } = W;
  const before = ourBalances(W);
  const { report, port } = await ours.restart();
  W.ourPort = port;
  assert.equal(report.mismatches, [], 'the monitors agree with the stored manager');
  assert.equal(new Set(report.monitorsLoaded.map((m) => bytesToHex(m.channelId))), new Set([chan1, chan2]), 'both monitors were read back');
  assert.equal(ourBalances(W), before, 'the restarted manager has the same balances');
  const mark = ours.peerEvents.length;
  await ours.connect(electrumId, electrumPort);
  const inbound = () => ours.peerEvents.slice(mark).filter((x) => x.type === 'message' && x.direction === 'in' && x.msg.type === 'channel_reestablish');
  await until(() => inbound().length === 2, 20_000, 'Electrum\'s channel_reestablish for both channels', W);
  for (const chan of [chan1, chan2]) await electrum.call('wait_channel', { channel_id: chan, state: 'OPEN', peer_state: 'GOOD', timeout: 15 });
  await until(() => ours.cm.listUsableChannels().length === 2, 15_000, 'both channels usable again on our side', W);
  await payElectrum([{ chan: chan1, sat: 33_000n }], 'after the restart');
  await electrumPays(33_000n, 'after the restart, to us');
});

// Multi-hop (carol behind us, both directions, a forwarded failure each way): electrum-multihop.ts.
const multiHop = registerMultiHop({ step, world });

/** The fee both sides agreed in `closing_signed` (the last one each way carries it). */
function agreedClosingFee(W: World, chan: string): bigint {
  const signed = W.ours.peerEvents.flatMap((x) =>
    x.type === 'message' && x.msg.type === 'closing_signed' && bytesToHex(x.msg.channelId) === chan ? [{ dir: x.direction, fee: x.msg.feeSatoshis }] : [],
  );
  const lastIn = signed.filter((x) => x.dir === 'in').pop();
  const lastOut = signed.filter((x) => x.dir === 'out').pop();
  assert.ok(lastIn && lastOut, 'closing_signed went both ways (Electrum has no option_simple_close)');
  assert.is(lastIn!.fee, lastOut!.fee, 'both sides signed the same fee');
  return lastIn!.fee;
}

/**
 * Checks a confirmed cooperative close to the satoshi (BOLT 3 "Closing Transaction": each
 * output is its side's balance rounded down to the satoshi, the funder's less the fee).
 */
async function checkClose(W: World, chan: string, before: { fundingTxo?: OutPoint; channelValueSat: bigint; isOutbound: boolean }, ourMsat: bigint, theirMsat: bigint): Promise<string> {
  const spend = spenderOf(W.chain, before.fundingTxo!)!;
  assert.ok(spend, 'the funding output is spent on chain');
  assert.is(ourMsat + theirMsat, before.channelValueSat * 1000n, 'the balances add up to the channel');
  const fee = agreedClosingFee(W, chan);
  const shutdown = bytesToHex(W.ours.keys.getShutdownScriptpubkey());
  const ours = spend.tx.outputs.filter((o) => bytesToHex(o.scriptPubkey) === shutdown);
  const theirs = spend.tx.outputs.filter((o) => bytesToHex(o.scriptPubkey) !== shutdown);
  assert.is(ours.length, 1, 'one output to our shutdown script');
  assert.is(theirs.length, 1, 'one output to Electrum');
  assert.is(ours[0]!.valueSat, ourMsat / 1000n - (before.isOutbound ? fee : 0n), `our output: our balance${before.isOutbound ? ' less the fee (we funded)' : ' (Electrum funded and pays the fee)'}`);
  assert.is(theirs[0]!.valueSat, theirMsat / 1000n - (before.isOutbound ? 0n : fee), 'Electrum\'s output: its balance, less the fee if it funded');
  const onChainFee = before.channelValueSat - ours[0]!.valueSat - theirs[0]!.valueSat;
  assert.is(onChainFee, fee + ((ourMsat % 1000n) + (theirMsat % 1000n)) / 1000n, 'the tx pays the agreed fee plus the sub-satoshi remainders');
  const txid = txidToHex(spend.tx.txid);
  await W.electrum.call('sync', { height: W.chain.tipHeight, txids: [txid] });
  const tx = await W.electrum.call('tx', { txid });
  assert.ok(tx.conf >= 1, 'Electrum\'s wallet saw the closing tx confirmed');
  assert.equal(tx.outputs.filter((o: any) => o.is_mine).map((o: any) => BigInt(o.value)), [theirs[0]!.valueSat], 'Electrum\'s output is its wallet\'s');
  const e = await W.electrum.call('wait_channel', { channel_id: chan, state: 'CLOSED', timeout: 20 });
  assert.is(e.closing_txid, txid, 'Electrum recorded the same closing tx');
  return txid;
}

step('Electrum closes its channel cooperatively: the closing tx on chain pays each side its balance to the satoshi, Electrum (funder) less the agreed fee', async () => {
  const W = world();
  const { electrum, ours, chain } = W;
  const before = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan1)!;
  const theirMsat = BigInt((await electrum.call('channels')).find((x: any) => x.channel_id === chan1).local_msat);
  const r = await electrum.call('close', { channel_id: chan1 });
  const closingTxid: string = r.closing_txid;
  await until(() => chain.mempoolTxids().some((t) => txidToHex(t) === closingTxid), 10_000, 'the closing tx in the mempool', W);
  await mine(W, 1, [closingTxid]);
  await until(() => ours.eventsOf('ChannelClosed').some((e) => bytesToHex(e.channelId) === chan1), 10_000, 'ChannelClosed on our side', W);
  assert.is(ours.eventsOf('ChannelClosed').find((e) => bytesToHex(e.channelId) === chan1)!.reason.type, 'CooperativeClosure');
  assert.is(await checkClose(W, chan1, before, before.balanceMsat, theirMsat), closingTxid, 'the confirmed spend of the funding output is Electrum\'s closing tx');
});

step('we close our channel cooperatively: the closing tx on chain pays each side its balance to the satoshi, we (funder) less the agreed fee', async () => {
  const W = world();
  const { electrum, ours, chain, electrumId } = W;
  const before = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan2)!;
  const theirMsat = BigInt((await electrum.call('channels')).find((x: any) => x.channel_id === chan2).local_msat);
  ours.cm.closeChannel(hexToU8(chan2), hexToU8(electrumId));
  ours.step();
  await until(() => chain.mempoolTxids().length > 0, 15_000, 'a closing tx in the mempool', W);
  await mine(W, 1);
  await until(() => ours.eventsOf('ChannelClosed').some((e) => bytesToHex(e.channelId) === chan2), 10_000, 'ChannelClosed on our side', W);
  assert.is(ours.eventsOf('ChannelClosed').find((e) => bytesToHex(e.channelId) === chan2)!.reason.type, 'CooperativeClosure');
  await checkClose(W, chan2, before, before.balanceMsat, theirMsat);
});

// ---------------------------------------------------------------- force closes (after the cooperative ones)

const FC_FUND_SAT = 300_000n;
const FC_PUSH_SAT = 100_000n;
let chan3 = ''; // Electrum-funded, Electrum force-closes it
let chan4 = ''; // ours, we force-close it
let chan3Commitment = '';

/** The transaction (mined or in the mempool) spending `op`, waiting for it a while. */
async function findSpend(W: World, op: OutPoint, what: string): Promise<ParsedTx> {
  const inMempool = () => W.chain.mempoolTxids().map((t) => parseTx(W.chain.getTransaction(t)!)).find((t) => t.inputs.some((i) => bytesToHex(i.txid) === bytesToHex(op.txid) && i.vout === op.vout));
  await until(() => spenderOf(W.chain, op) !== undefined || inMempool() !== undefined, 20_000, what, W);
  return spenderOf(W.chain, op)?.tx ?? inMempool()!;
}

/** Electrum's view of channel `id` (lnchannel: latest ctns, feerate). */
async function electrumChannel(W: World, id: string): Promise<{ local_ctn: number; remote_ctn: number; feerate_local: number; state: string }> {
  return (await W.electrum.call('channels')).find((x: any) => x.channel_id === id);
}

/**
 * Waits until Electrum's update_fee dance on a channel it funded is over (its own and our
 * commitments at number 1 or more, i.e. it received our signature and revoked its commitment 0)
 * and our node holds no monitor update back.
 */
async function quiescent(W: World, id: string): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    const c = await electrumChannel(W, id);
    W.ours.step();
    if (c.local_ctn >= 1 && c.remote_ctn >= 1 && W.ours.node.queuedUpdates === 0) return;
    if (Date.now() > end) throw new Error(`channel ${id.slice(0, 8)} not quiescent after 20 s: Electrum ${JSON.stringify(c)}, our held monitor updates ${W.ours.node.queuedUpdates}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Mines `n` blocks one at a time (so Electrum and our node see every height), syncing Electrum at the end. */
async function mineSlowly(W: World, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    W.chain.mine(1);
    W.ours.step();
  }
  await mine(W, 0);
}

step('two more channels, one funded by each side (300,000 sat, push 100,000 sat), ready after 3 blocks', async () => {
  const W = world();
  const { electrum, ours, ourPort, electrumId } = W;
  const r = await electrum.call('open_channel', { node_id: ours.nodeIdHex, host: '127.0.0.1', port: ourPort, amount_sat: Number(FC_FUND_SAT), push_sat: Number(FC_PUSH_SAT) });
  chan3 = r.channel_id;
  const tempId = bytesToHex(ours.cm.createChannel(hexToU8(electrumId), FC_FUND_SAT, FC_PUSH_SAT * 1000n, 9n));
  ours.step();
  const pending = () => ours.eventsOf('ChannelPending').find((e) => bytesToHex(e.formerTemporaryChannelId) === tempId);
  await until(() => pending() !== undefined, 15_000, 'ChannelPending for our third channel', W);
  chan4 = bytesToHex(pending()!.channelId);
  await until(() => W.chain.mempoolTxids().length >= 2, 10_000, 'both funding txs in the mempool', W);
  await mine(W, 3, [r.funding_txid, txidToHex(pending()!.fundingTxo.txid)]);
  for (const chan of [chan3, chan4]) {
    await electrum.call('wait_channel', { channel_id: chan, state: 'OPEN', timeout: 20 });
    await until(() => ours.cm.listUsableChannels().some((c) => bytesToHex(c.channelId) === chan), 10_000, `channel ${chan.slice(0, 8)} usable on our side`, W);
  }
});

step('Electrum force-closes its channel: its commitment confirms, our manager closes the channel, and after 6 blocks our monitor reports our to_remote (exactly our balance) as spendable', async () => {
  const W = world();
  const { electrum, ours, chain } = W;
  const before = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan3)!;
  assert.is(before.balanceMsat, FC_PUSH_SAT * 1000n);
  // Electrum, the funder, sends update_fee on an open channel whose remote ctn is 0 at its next
  // on-chain event (lnworker.handle_onchain_state → lnpeer.maybe_update_fee, "updating fee to
  // bump remote ctn": a block, a fee or wallet event, so at a time that depends on load). Asked to
  // force-close while that dance is in flight, Electrum 4.3.4 broadcasts its commitment 0, then,
  // still taking our commitment_signed while FORCE_CLOSING (lnpeer.on_commitment_signed checks
  // no channel state), revokes it: our monitor rightly punishes it (the last step does it on
  // purpose). So the dance is started by a block and awaited before the force close.
  await mine(W, 1);
  await quiescent(W, chan3);
  const r = await electrum.call('force_close', { channel_id: chan3 });
  chan3Commitment = r.commitment_txid;
  await until(() => chain.mempoolTxids().some((t) => txidToHex(t) === chan3Commitment), 10_000, 'Electrum\'s commitment in the mempool', W);
  await mine(W, 1, [chan3Commitment]);
  await until(() => ours.eventsOf('ChannelClosed').some((e) => bytesToHex(e.channelId) === chan3), 10_000, 'ChannelClosed on our side', W);
  const closed = ours.eventsOf('ChannelClosed').find((e) => bytesToHex(e.channelId) === chan3)!;
  assert.ok(['CounterpartyForceClosed', 'CommitmentTxConfirmed'].includes(closed.reason.type), closed.reason.type);
  const spend = spenderOf(chain, before.fundingTxo!)!;
  assert.is(txidToHex(spend.tx.txid), chan3Commitment, 'Electrum\'s commitment spent the funding output');
  await mineSlowly(W, 6);
  await until(() => ours.monitorEvents.some((e) => e.type === 'SpendableOutputs' && bytesToHex(e.channelId) === chan3), 10_000, 'SpendableOutputs for our to_remote', W);
  const outs = ours.monitorEvents.flatMap((e) => (e.type === 'SpendableOutputs' && bytesToHex(e.channelId) === chan3 ? e.outputs : []));
  const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x instanceof Uint8Array ? bytesToHex(x) : x));
  assert.is(outs.length, 1, `one output: ${show(ours.monitorEvents.filter((e) => e.type === 'SpendableOutputs'))}; the commitment's outputs ${show(spend.tx.outputs)}`);
  assert.is(outs[0]!.type, 'StaticPaymentOutput', 'our to_remote on their commitment (option_static_remotekey)');
  assert.is(txidToHex(outs[0]!.outpoint.txid), chan3Commitment);
  assert.is(outs[0]!.output.valueSat, FC_PUSH_SAT, 'exactly our balance (the funder, Electrum, paid the commitment fee)');
  assert.equal(spend.tx.outputs[outs[0]!.outpoint.vout], outs[0]!.output, 'the described output is the commitment\'s');
});

step('we force-close our channel: our commitment confirms; Electrum\'s wallet owns its to_remote at once; after Electrum\'s to_self_delay (144) our monitor sweeps our to_local to our wallet and Electrum sweeps its to_local of the commitment it broadcast', async () => {
  const W = world();
  const { electrum, ours, chain, electrumId } = W;
  const before = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan4)!;
  ours.cm.forceCloseChannel(hexToU8(chan4), hexToU8(electrumId));
  ours.step();
  await until(() => chain.mempoolTxids().length > 0, 10_000, 'our commitment in the mempool', W);
  await mine(W, 1);
  const spend = spenderOf(chain, before.fundingTxo!)!;
  assert.ok(spend, 'our commitment spent the funding output');
  const commitment = txidToHex(spend.tx.txid);
  await mine(W, 0, [commitment]);
  const etx = await electrum.call('tx', { txid: commitment });
  const eOut = etx.outputs.filter((o: any) => o.is_mine);
  assert.equal(eOut.map((o: any) => BigInt(o.value)), [FC_PUSH_SAT], 'Electrum\'s to_remote is an output of its wallet, exactly its balance');
  const toLocal = spend.tx.outputs.findIndex((o) => o.valueSat !== FC_PUSH_SAT);
  const toLocalSat = spend.tx.outputs[toLocal]!.valueSat;
  assert.is(toLocalSat, before.balanceMsat / 1000n - (FC_FUND_SAT - spend.tx.outputs.reduce((a, o) => a + o.valueSat, 0n)), 'our to_local is our balance less the commitment fee');
  // Electrum asked for a to_self_delay of 144 blocks on our outputs.
  await mineSlowly(W, 144);
  // The sweep of our to_local (broadcast when the CSV matured, then mined by the following blocks).
  const sweep = await findSpend(W, { txid: spend.tx.txid, vout: toLocal }, 'our monitor\'s to_local sweep');
  assert.is(sweep.outputs.length, 1);
  assert.is(bytesToHex(sweep.outputs[0]!.scriptPubkey), bytesToHex(ours.keys.getDestinationScript(new Uint8Array(32))), 'swept to our destination script');
  const fee = toLocalSat - sweep.outputs[0]!.valueSat;
  assert.ok(fee > 0n && fee < 2_000n, `sweep fee ${fee} sat`);
  // Electrum's own commitment of the other channel matured as well (our to_self_delay is 144 too).
  const eCommitment = parseTx(chain.getTransaction(txidFromHex(chan3Commitment))!);
  const eToLocal = eCommitment.outputs.findIndex((o) => o.valueSat !== FC_PUSH_SAT);
  const eSweep = await findSpend(W, { txid: eCommitment.txid, vout: eToLocal }, 'Electrum\'s sweep of its to_local');
  await mine(W, 1, [txidToHex(eSweep.txid)]);
  const eSweepTx = await electrum.call('tx', { txid: txidToHex(eSweep.txid) });
  assert.ok(eSweepTx.outputs.every((o: any) => o.is_mine), `Electrum swept to its own wallet: ${JSON.stringify(eSweepTx)}; its commitment's outputs ${JSON.stringify(eCommitment.outputs, (_k, x) => (typeof x === 'bigint' ? String(x) : x instanceof Uint8Array ? bytesToHex(x) : x))}, to_local #${eToLocal}`);
});

step('Electrum force-closes while its update_fee dance is in flight (our answer held back), then revokes the commitment it broadcast: our monitor sweeps its to_local with a justice transaction, and Electrum gets nothing', async () => {
  const W = world();
  const { electrum, ours, ourPort, chain } = W;
  // Our monitor updates stay held (the manager is not persisted), so the channel sends no
  // revoke_and_ack/commitment_signed in answer to Electrum's update_fee + commitment_signed.
  ours.holdUpdates = true;
  let chan5 = '';
  let commitment = '';
  try {
    const r = await electrum.call('open_channel', { node_id: ours.nodeIdHex, host: '127.0.0.1', port: ourPort, amount_sat: Number(FC_FUND_SAT), push_sat: Number(FC_PUSH_SAT) });
    chan5 = r.channel_id;
    await mine(W, 3, [r.funding_txid]);
    await electrum.call('wait_channel', { channel_id: chan5, state: 'OPEN', timeout: 20 });
    // A block makes Electrum start its update_fee dance (see the force-close step above).
    await mine(W, 1);
    // Electrum's update_fee and commitment_signed reached us: the monitor update is held.
    await until(() => ours.node.queuedUpdates > 0, 20_000, 'Electrum\'s commitment_signed (update_fee) taken, our monitor update held', W);
    const c = await electrumChannel(W, chan5);
    assert.is(c.local_ctn, 0, `Electrum has no signature for its commitment 1 yet: ${JSON.stringify(c)}`);
    assert.is(c.remote_ctn, 1, 'Electrum signed our commitment 1 (the update_fee)');
    commitment = (await electrum.call('force_close', { channel_id: chan5 })).commitment_txid;
  } finally {
    ours.holdUpdates = false;
  }
  // Our revoke_and_ack and commitment_signed go out now; Electrum, FORCE_CLOSING, takes the
  // signature and revokes the commitment 0 it has just broadcast.
  const end = Date.now() + 20_000;
  while ((await electrumChannel(W, chan5)).local_ctn < 1) {
    if (Date.now() > end) throw new Error(`Electrum did not take our commitment_signed: ${W.electrum.logTail(3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await until(() => chain.mempoolTxids().some((t) => txidToHex(t) === commitment), 10_000, 'Electrum\'s commitment 0 in the mempool', W);
  const revokedLines = W.electrum.fullLog().split('\n').filter((l) => /send_revoke_and_ack|force.clos/i.test(l));
  console.log(`  Electrum's log:\n${revokedLines.slice(-6).map((l) => `    ${l.slice(0, 200)}`).join('\n')}`);
  // Let our node take Electrum's revoke_and_ack (the secret of its commitment 0) to the monitor.
  for (let i = 0; i < 25; i++) {
    ours.step();
    await new Promise((r) => setTimeout(r, 20));
  }
  await until(() => ours.node.queuedUpdates === 0, 10_000, 'our monitor updates handed over', W);
  await mine(W, 1, [commitment]);
  const ctx = parseTx(chain.getTransaction(txidFromHex(commitment))!);
  const toLocal = ctx.outputs.findIndex((o) => o.valueSat !== FC_PUSH_SAT);
  const justice = await findSpend(W, { txid: ctx.txid, vout: toLocal }, 'our justice transaction on Electrum\'s to_local');
  assert.is(justice.outputs.length, 1);
  assert.is(bytesToHex(justice.outputs[0]!.scriptPubkey), bytesToHex(ours.keys.getDestinationScript(new Uint8Array(32))), 'Electrum\'s to_local swept to our destination script');
  const fee = ctx.outputs[toLocal]!.valueSat - justice.outputs[0]!.valueSat;
  assert.ok(fee > 0n && fee < 5_000n, `justice fee ${fee} sat`);
  await mineSlowly(W, 7);
  const outs = ours.monitorEvents.flatMap((e) => (e.type === 'SpendableOutputs' && bytesToHex(e.channelId) === chan5 ? e.outputs : []));
  assert.equal(outs.map((o) => o.type).sort(), ['StaticOutput', 'StaticPaymentOutput'], 'our to_remote and the justice claim');
  assert.is(outs.reduce((a, o) => a + o.output.valueSat, 0n), ctx.outputs.reduce((a, o) => a + o.valueSat, 0n) - fee, 'everything but the commitment and justice fees is ours');
});

test.run();
