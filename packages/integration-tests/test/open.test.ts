/** Opening with real ChainMonitors: as funder and fundee, private and public (the announcement reaches the other nodes' gossip). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex } from '@ln/crypto';
import { MONITOR_NAMESPACE } from '@ln/monitor';
import { Network } from '../src/index.js';

test('alice opens a private channel to bob (alice funder, bob fundee): both monitors persisted, balances as pushed', async () => {
  const net = await Network.create(['alice', 'bob']);
  const [a, b] = net.nodes as [typeof net.nodes[0], typeof net.nodes[0]];
  const ch = await net.openChannel(a, b, 1_000_000n, 250_000_000n);
  const ca = a.cm.listChannels()[0]!;
  const cb = b.cm.listChannels()[0]!;
  assert.is(ca.isOutbound, true);
  assert.is(cb.isOutbound, false);
  assert.is(ca.isUsable && cb.isUsable, true);
  assert.is(cb.balanceMsat, 250_000_000n);
  assert.is(ca.balanceMsat, 750_000_000n);
  for (const n of [a, b]) {
    const ms = n.chainMonitor.listMonitors();
    assert.is(ms.length, 1);
    assert.is(bytesToHex(ms[0]!.channelId), bytesToHex(ch.channelId));
    assert.equal(await n.store.list(MONITOR_NAMESPACE, ''), [ms[0]!.persistenceKey], 'the monitor is in the store');
    assert.is(n.chainMonitor.pendingUpdates(ch.channelId).length, 0);
  }
  // Private: no announcement anywhere, but each side has the other's channel_update (for route hints).
  assert.is(b.graph.hasChannel(ch.shortChannelId!), false);
  assert.is(net.log.filter((l) => l[2] === 'channel_announcement').length, 0);
  assert.is(net.log.filter((l) => l[2] === 'channel_update').length, 2);
  assert.is(net.log.some((l) => l[2] === 'funding_signed'), true);
  await net.teardown();
});

test('bob opens to alice (alice is the fundee): the funding transaction is broadcast only after funding_signed and the monitor', async () => {
  const net = await Network.create(['alice', 'bob']);
  const [a, b] = net.nodes as [typeof net.nodes[0], typeof net.nodes[0]];
  net.connect(a, b);
  b.cm.createChannel(a.nodeId, 600_000n, 0n, 9n);
  await net.settle();
  const ready = net.expectEvent(b, 'FundingGenerationReady');
  const before = net.chain.broadcaster.broadcasts.length;
  b.cm.fundingTransactionGenerated(ready.temporaryChannelId, a.nodeId, net.fundingTx(b, ready.outputScript, 600_000n));
  assert.is(net.chain.broadcaster.broadcasts.length, before, 'not broadcast before funding_signed');
  await net.settle();
  assert.is(net.chain.broadcaster.broadcasts.length, before + 1, 'broadcast once the monitor is persisted');
  assert.is(a.chainMonitor.listMonitors().length, 1, 'the fundee persisted its monitor before funding_signed');
  const pending = net.expectEvent(b, 'ChannelPending');
  net.takeEvents(a, 'ChannelPending');
  await net.mine(3);
  net.expectEvent(a, 'ChannelReady');
  net.expectEvent(b, 'ChannelReady');
  assert.is(a.cm.listChannels()[0]!.isOutbound, false);
  assert.is(bytesToHex(a.cm.listChannels()[0]!.channelId), bytesToHex(pending.channelId));
  await net.teardown();
});

test('public channel: announcement_signatures at 6 confirmations; the channel_announcement and both channel_updates reach both graphs and a third node through relay', async () => {
  const net = await Network.create(['alice', 'bob', 'carol']);
  const [a, b, c] = net.nodes as [typeof net.nodes[0], typeof net.nodes[0], typeof net.nodes[0]];
  net.connect(b, c);
  const ch = await net.openChannel(a, b, 2_000_000n, 0n, { announce: true });
  const scid = ch.shortChannelId!;
  assert.is(net.log.filter((l) => l[2] === 'announcement_signatures').length, 2);
  for (const n of [a, b, c]) {
    assert.ok(n.graph.hasChannel(scid), `${n.name} has the channel in its graph`);
    const info = n.graph.channel(scid)!;
    assert.is(info.capacitySat, 2_000_000n, `${n.name}: capacity from the funding output (UTXO lookup)`);
    // A PeerManager hands our own broadcasts to peers only, so a node's graph has the peer's direction of its own channel.
    const dirs = [n.graph.direction(scid, 0), n.graph.direction(scid, 1)].filter(Boolean).length;
    assert.is(dirs, n === c ? 2 : 1, `${n.name}: channel_updates in the graph`);
  }
  assert.ok(net.log.some((l) => l[0] === 'bob' && l[1] === 'carol' && l[2] === 'channel_announcement'), 'relayed to carol');
  // A policy change sends fresh channel_updates that the graphs accept.
  a.cm.updateChannelConfig({ forwardingFeeBaseMsat: 1234 });
  await net.settle();
  for (const n of [b, c]) {
    const dir = [n.graph.direction(scid, 0), n.graph.direction(scid, 1)].find((d) => d?.feeBaseMsat === 1234);
    assert.ok(dir, `${n.name} sees alice's new fee`);
  }
  await net.teardown();
});

test.run();
