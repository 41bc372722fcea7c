/**
 * The gossip graph across a restart: the close watcher's funding outpoints are persisted (so a
 * channel restored from the graph snapshot still leaves the graph 72 blocks after its funding
 * is spent, BOLT 7 "Pruning the Network View", even when the spend happened while the node was
 * down), and the node re-syncs gossip from its peers when it reconnects (BOLT 7
 * `gossip_timestamp_filter` + `query_channel_range`/`query_short_channel_ids`), so a channel
 * announced while it was down reaches its graph.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex } from '@ln/crypto';
import type { LightningNode } from '../src/index.js';
import { ReplayPoint } from '../src/close-watch.js';
import { graphComplete, portOf, testNet, until, type TestNet } from './support/net.js';

async function channel(net: TestNet, a: LightningNode, b: LightningNode, sat: bigint): Promise<string> {
  if (!a.listPeers().includes(b.nodeId)) await a.connect(b.nodeId, '127.0.0.1', portOf(b));
  const { channelId } = await a.openChannel(b.nodeId, sat, { announce: true });
  return channelId;
}

const scidOf = (n: LightningNode, channelId: string) => n.cm.listChannels().find((c) => bytesToHex(c.channelId) === channelId)!.shortChannelId!;

test('restart: a channel closed while the node was down leaves its graph at 72 confirmations; a channel announced meanwhile arrives by re-sync', async () => {
  const net = testNet();
  try {
    let a = await net.add('ga');
    const b = await net.add('gb');
    const c = await net.add('gc');
    const d = await net.add('gd');
    for (const n of [a, b, c]) net.chain.fund(n.walletScript(), 5_000_000n);
    await net.mine(1);
    const ab = await channel(net, a, b, 1_000_000n);
    const bc = await channel(net, b, c, 1_000_000n);
    await net.mine(1);
    await until(() => [ab, bc].every((id) => net.nodes.filter((n) => n.listChannels().some((ch) => ch.channelId === id && ch.isUsable)).length === 2), 'channels usable');
    await net.mine(6);
    await until(() => graphComplete(a, 2, 3), 'a knows both channels');
    const bcScid = scidOf(b, bc);
    assert.ok(a.graph.channel(bcScid), 'b-c in a\'s graph');
    assert.is(a.gossip.chainWatcher.watchedCount, 2, 'a watches both funding outputs');

    await a.stop();
    // While a is down: b and c close b-c (the funding spend confirms at height `spent`)...
    const closed = b.waitFor('ChannelClosed', (e) => e.channelId === bc);
    await b.closeChannel(bc);
    await closed;
    await net.mine(1);
    const spent = net.chain.tipHeight;
    // ...and c opens c-d, announced (6 confirmations) before a comes back.
    const cd = await channel(net, c, d, 1_000_000n);
    await net.mine(1);
    await until(() => net.nodes.filter((n) => n !== a && n.listChannels().some((ch) => ch.channelId === cd && ch.isUsable)).length === 2, 'c-d usable');
    await net.mine(6);
    const cdScid = scidOf(c, cd);
    await until(() => !!b.graph.direction(cdScid, 0) && !!b.graph.direction(cdScid, 1), 'b knows c-d');

    a = await net.restart(a);
    assert.ok(a.graph.channel(bcScid), 'b-c restored from the snapshot');
    assert.ok(!a.graph.channel(cdScid), 'c-d was announced after the snapshot');
    assert.is(a.gossip.chainWatcher.watchedCount, 2, 'the registrations came back (from the graph snapshot)');
    assert.ok(a.closeWatch.stored && a.closeWatch.stored.height < spent, `the watcher replays from before the spend (${a.closeWatch.stored?.height})`);
    // Re-sync on reconnect: the announcement and both updates of c-d, and d's node announcement.
    await until(() => !!a.graph.direction(cdScid, 0) && !!a.graph.direction(cdScid, 1), 'a learns c-d from its peer after the restart', 15_000);
    await until(() => a.graph.node(d.keys.getNodeId())?.lastAnnouncement !== undefined, 'a learns d\'s node_announcement');

    // BOLT 7: forgotten once the spend has 72 confirmations, not before.
    while (net.chain.tipHeight < spent + 70) await net.mine(1);
    await until(() => a.gossip.chainWatcher.height === net.chain.tipHeight, 'a caught up');
    assert.ok(a.graph.channel(bcScid), '71 confirmations: still there');
    await net.mine(1);
    await until(() => !a.graph.channel(bcScid), 'b-c leaves a\'s graph at 72 confirmations');
    assert.ok(a.graph.channel(cdScid), 'c-d stays');
  } finally {
    await net.close();
  }
});

test('the stored replay point round-trips and malformed records are refused with a NodeError', () => {
  const p = new ReplayPoint({ height: 123, blockHash: new Uint8Array(32).fill(7) as never });
  const bytes = p.serialize()!;
  const back = ReplayPoint.deserialize(bytes);
  assert.is(back.stored!.height, 123);
  assert.equal(back.stored!.blockHash, new Uint8Array(32).fill(7));
  assert.is(new ReplayPoint().serialize(), undefined, 'nothing seen, nothing stored');
  for (const bad of [bytes.subarray(0, bytes.length - 1), Uint8Array.of(...bytes, 0), new Uint8Array(10), bytes.slice().fill(0, 0, 8)]) {
    assert.throws(() => ReplayPoint.deserialize(bad), (e: Error) => e.name === 'NodeError');
  }
});

test.run();
