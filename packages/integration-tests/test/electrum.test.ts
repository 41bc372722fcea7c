/**
 * Interop with Electrum's Lightning wallet (Debian python3-electrum, `LNWallet` in-process in
 * the project's harness interop/electrum_node.py): Electrum's whole stack runs (Network,
 * Interface, Synchronizer, SPV, LNWatcher, Peer) against the one chain, test-kit's
 * MemoryChain, which it reads through test/electrum-server.ts; our node is composed from the
 * real components (test/electrum-node.ts) and talks to Electrum over TCP on 127.0.0.1.
 *
 * The scenario runs in order, sharing one chain and one Electrum process:
 *  1. Electrum dials us: BOLT 8 and init (features negotiated both ways).
 *  2. Electrum funds a channel to us (with a push); channel_ready both sides after 3 blocks.
 *  3. We reconnect by dialling Electrum's listener: channel_reestablish both ways.
 *  4. We fund a channel to Electrum (with a push); channel_ready both sides.
 *  5. Electrum closes its channel cooperatively; amounts checked on chain.
 *  6. We close ours cooperatively; amounts checked on chain.
 *
 * python3-electrum missing is a failure, not a skip (`.ci/run` installs it).
 */
import { txidToHex } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import { Features } from '@ln/wire';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hexToU8, mine, spenderOf, startWorld, stopWorld, until, type World } from './electrum-chain.js';

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

const E_FUND_SAT = 500_000n;
const E_PUSH_SAT = 100_000n;
const O_FUND_SAT = 400_000n;
const O_PUSH_SAT = 50_000n;
let chan1 = ''; // Electrum-funded channel id (hex)
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

step('Electrum funds a channel to us (500,000 sat, push 100,000 sat): funding tx on chain, channel_ready on both sides after 3 blocks', async () => {
  const W = world();
  const { electrum, ours, ourPort, chain } = W;
  const r = await electrum.call('open_channel', { node_id: ours.nodeIdHex, host: '127.0.0.1', port: ourPort, amount_sat: Number(E_FUND_SAT), push_sat: Number(E_PUSH_SAT) });
  chan1 = r.channel_id;
  assert.is(r.is_initiator, true);
  // (Our fundee side raises no ChannelPending when the monitor persists asynchronously, as
  // ChainMonitor's KVStore persister does: reported in /work/coord/bugs-channel.md. So we look
  // at the channel list.)
  await until(() => ours.cm.listChannels().some((c) => bytesToHex(c.channelId) === chan1 && c.phase === 'Funded'), 10_000, 'the Electrum-funded channel funded on our side', W);
  const funded = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan1)!;
  assert.is(`${txidToHex(funded.fundingTxo!.txid)}:${funded.fundingTxo!.vout}`, r.channel_point, 'same funding outpoint on both sides');
  await until(() => chain.mempoolTxids().some((t) => txidToHex(t) === r.funding_txid), 10_000, 'the funding tx in the mempool (Electrum broadcast it through our server)', W);
  await mine(W, 3, [r.funding_txid]);
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
  ours.cm.createChannel(hexToU8(electrumId), O_FUND_SAT, O_PUSH_SAT * 1000n, 7n);
  ours.step();
  await until(() => ours.eventsOf('ChannelPending').length === 1, 15_000, 'ChannelPending for our channel', W);
  const pending = ours.eventsOf('ChannelPending')[0]!;
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

step('Electrum closes its channel cooperatively: closing tx on chain pays us exactly our balance, the rest to Electrum less the fee', async () => {
  const W = world();
  const { electrum, ours, chain } = W;
  const before = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan1)!;
  const ourMsat = before.balanceMsat;
  const r = await electrum.call('close', { channel_id: chan1 });
  const closingTxid: string = r.closing_txid;
  await until(() => chain.mempoolTxids().some((t) => txidToHex(t) === closingTxid), 10_000, 'the closing tx in the mempool', W);
  await mine(W, 1, [closingTxid]);
  await until(() => ours.eventsOf('ChannelClosed').some((e) => bytesToHex(e.channelId) === chan1), 10_000, 'ChannelClosed on our side', W);
  const closed = ours.eventsOf('ChannelClosed').find((e) => bytesToHex(e.channelId) === chan1)!;
  assert.is(closed.reason.type, 'CooperativeClosure');
  const spend = spenderOf(chain, before.fundingTxo!)!;
  assert.is(txidToHex(spend.tx.txid), closingTxid, 'the confirmed spend of the funding output is the closing tx');
  const shutdown = bytesToHex(ours.keys.getShutdownScriptpubkey());
  const toUs = spend.tx.outputs.filter((o) => bytesToHex(o.scriptPubkey) === shutdown);
  assert.is(toUs.length, 1, 'one output to our shutdown script');
  assert.is(toUs[0]!.valueSat, ourMsat / 1000n, 'we get our whole balance (Electrum, the funder, pays the fee)');
  const others = spend.tx.outputs.filter((o) => bytesToHex(o.scriptPubkey) !== shutdown);
  const fee = E_FUND_SAT - spend.tx.outputs.reduce((a, o) => a + o.valueSat, 0n);
  assert.ok(fee > 0n && fee < 20_000n, `fee ${fee} sat`);
  assert.is(others.length, 1);
  assert.is(others[0]!.valueSat, E_FUND_SAT - ourMsat / 1000n - fee, 'Electrum gets the rest less the fee');
  const tx = await electrum.call('tx', { txid: closingTxid });
  assert.ok(tx.conf >= 1, 'Electrum\'s wallet saw the closing tx confirmed');
  assert.equal(tx.outputs.filter((o: any) => o.is_mine).map((o: any) => BigInt(o.value)), [others[0]!.valueSat], 'the other output is Electrum\'s wallet\'s');
  const signed = ours.peerEvents.filter((x) => x.type === 'message' && x.msg.type === 'closing_signed' && bytesToHex((x.msg as { channelId: Uint8Array }).channelId) === chan1);
  assert.ok(signed.length >= 2, 'closing_signed both ways (Electrum has no option_simple_close)');
  const e = await electrum.call('wait_channel', { channel_id: chan1, state: 'CLOSED', timeout: 20 });
  assert.is(e.closing_txid, closingTxid);
});

step('we close our channel cooperatively: closing tx on chain pays Electrum exactly its balance, the rest to us less the fee', async () => {
  const W = world();
  const { electrum, ours, chain, electrumId } = W;
  const before = ours.cm.listChannels().find((c) => bytesToHex(c.channelId) === chan2)!;
  const eBefore = (await electrum.call('channels')).find((x: any) => x.channel_id === chan2);
  const theirSat = BigInt(eBefore.local_msat) / 1000n;
  ours.cm.closeChannel(hexToU8(chan2), hexToU8(electrumId));
  ours.step();
  await until(() => chain.mempoolTxids().length > 0, 15_000, 'a closing tx in the mempool', W);
  await mine(W, 1);
  await until(() => ours.eventsOf('ChannelClosed').some((e) => bytesToHex(e.channelId) === chan2), 10_000, 'ChannelClosed on our side', W);
  const closed = ours.eventsOf('ChannelClosed').find((e) => bytesToHex(e.channelId) === chan2)!;
  assert.is(closed.reason.type, 'CooperativeClosure');
  const spend = spenderOf(chain, before.fundingTxo!)!;
  assert.ok(spend, 'the funding output is spent on chain');
  const shutdown = bytesToHex(ours.keys.getShutdownScriptpubkey());
  const ourOut = spend.tx.outputs.filter((o) => bytesToHex(o.scriptPubkey) === shutdown);
  const theirOut = spend.tx.outputs.filter((o) => bytesToHex(o.scriptPubkey) !== shutdown);
  assert.is(theirOut.length, 1);
  assert.is(theirOut[0]!.valueSat, theirSat, 'Electrum gets exactly its balance (we, the funder, pay the fee)');
  const fee = O_FUND_SAT - spend.tx.outputs.reduce((a, o) => a + o.valueSat, 0n);
  assert.ok(fee > 0n && fee < 20_000n, `fee ${fee} sat`);
  assert.is(ourOut[0]!.valueSat, before.balanceMsat / 1000n - fee, 'we get our balance less the fee');
  const closingTxid = txidToHex(spend.tx.txid);
  await mine(W, 0, [closingTxid]);
  const e = await electrum.call('wait_channel', { channel_id: chan2, state: 'CLOSED', timeout: 20 });
  assert.is(e.closing_txid, closingTxid);
  const tx = await electrum.call('tx', { txid: closingTxid });
  assert.equal(tx.outputs.filter((o: any) => o.is_mine).map((o: any) => BigInt(o.value)), [theirSat], 'Electrum\'s output is its wallet\'s');
});

test.run();
