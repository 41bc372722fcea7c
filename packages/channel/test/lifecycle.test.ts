import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex, equalBytes } from '@ln/crypto';
import { parseTx, txidOf } from '@ln/transactions';
import { Harness } from './support/harness.js';

function two(config = {}) {
  const h = new Harness();
  const a = h.addNode('alice', config);
  const b = h.addNode('bob', config);
  return { h, a, b };
}

test('open as funder and fundee, private: channel_ready after minimum depth, events on both sides', () => {
  const { h, a, b } = two();
  const id = h.openChannel(a, b, 1_000_000n, 100_000_000n, { confirm: false });
  assert.is(h.eventsOf(a, 'ChannelPending').length, 1);
  assert.is(h.eventsOf(b, 'ChannelPending').length, 1);
  // The funding transaction was broadcast only after funding_signed and the monitor.
  const order = h.log.map((l) => l[2]);
  assert.ok(order.indexOf('funding_signed') > order.indexOf('funding_created'));
  assert.ok(a.watch.inits.has(bytesToHex(id)) && b.watch.inits.has(bytesToHex(id)));
  assert.is(h.chain.mempoolTxids().length, 1);
  h.mine(2);
  assert.is(h.eventsOf(a, 'ChannelReady').length, 0, 'not ready before 3 confirmations');
  h.mine(1);
  assert.is(h.eventsOf(a, 'ChannelReady').length, 1);
  assert.is(h.eventsOf(b, 'ChannelReady').length, 1);
  const ca = a.cm.listChannels()[0]!;
  const cb = b.cm.listChannels()[0]!;
  assert.ok(ca.isUsable && cb.isUsable);
  assert.is(ca.balanceMsat, 1_000_000_000n - 100_000_000n);
  assert.is(cb.balanceMsat, 100_000_000n);
  assert.ok(ca.shortChannelId !== undefined && ca.shortChannelId === cb.shortChannelId);
  assert.is(h.gossip.length, 0, 'a private channel is not announced');
});

test('public channel: announcement_signatures at 6 confirmations, channel_announcement and channel_update broadcast', () => {
  const { h, a, b } = two();
  h.openChannel(a, b, 500_000n, 0n, { announce: true });
  const anns = h.gossip.filter((g) => g.type === 'channel_announcement');
  const upds = h.gossip.filter((g) => g.type === 'channel_update');
  assert.is(anns.length, 2, 'both sides build the same announcement');
  assert.ok(equalBytes(encode(anns[0]!), encode(anns[1]!)));
  assert.is(upds.length, 2);
  const dirs = upds.map((u) => (u as { channelFlags: number }).channelFlags & 1).sort();
  assert.equal(dirs, [0, 1]);
});

function encode(m: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(m, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? bytesToHex(v) : v)));
}

test('cooperative close with option_simple_close: closing_complete/closing_sig both ways, a closing tx confirms', () => {
  const { h, a, b } = two({});
  const id = h.openChannel(a, b, 1_000_000n, 300_000_000n);
  a.cm.closeChannel(id, b.nodeId);
  h.pump();
  const ca = h.eventsOf(a, 'ChannelClosed');
  const cb = h.eventsOf(b, 'ChannelClosed');
  assert.is(ca.length, 1);
  assert.is(cb.length, 1);
  assert.is((ca[0] as { reason: { type: string } }).reason.type, 'CooperativeClosure');
  const closing = h.chain.broadcaster.broadcasts.at(-1)!;
  const tx = parseTx(closing);
  assert.is(tx.inputs.length, 1);
  const total = tx.outputs.reduce((x, o) => x + o.valueSat, 0n);
  assert.ok(total < 1_000_000n && total > 990_000n);
  assert.ok(tx.outputs.some((o) => o.valueSat === 300_000n), 'the fundee gets its balance in full');
  h.mine(1);
  assert.is(a.cm.listChannels().length, 0);
  assert.is(b.cm.listChannels().length, 0);
  assert.ok(h.chain.confirmations(txidOf(tx)) === 1 || h.chain.broadcaster.broadcasts.slice(-2).some((r) => h.chain.confirmations(txidOf(parseTx(r))) === 1));
});

test.run();
