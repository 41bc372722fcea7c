/** The README's 10-line scenario, as written there. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Network, channelLedger, ownedBy } from '../src/index.js';

test('README example', async () => {
  const net = await Network.create(['alice', 'bob']);
  const alice = net.nodes[0]!, bob = net.nodes[1]!;
  const ch = await net.openChannel(alice, bob, 1_000_000n, 300_000_000n);
  alice.cm.closeChannel(ch.channelId, bob.nodeId);
  await net.settle();
  assert.equal([net.closedReason(alice), net.closedReason(bob)], ['CooperativeClosure', 'CooperativeClosure']);
  await net.mine(1);
  const bobs = ownedBy(channelLedger(net.chain, ch.funding, 1_000_000n), bob);
  assert.ok(bobs <= 300_000n && bobs > 290_000n);
  await net.teardown();
});

test('teardown fails on an event the test did not consume, and on undelivered messages', async () => {
  const net = await Network.create(['alice', 'bob']);
  const alice = net.nodes[0]!, bob = net.nodes[1]!;
  const ch = await net.openChannel(alice, bob, 500_000n);
  alice.cm.closeChannel(ch.channelId, bob.nodeId);
  await net.settle();
  await net.teardown().then(() => assert.unreachable('leftover ChannelClosed events'), (e: Error) => assert.match(e.message, /unconsumed events: ChannelClosed/));
  net.takeEvents(alice, 'ChannelClosed');
  net.takeEvents(bob, 'ChannelClosed');
  await net.teardown();
  const net2 = await Network.create(['carol', 'dave']);
  const [c, d] = [net2.nodes[0]!, net2.nodes[1]!];
  net2.connect(c, d);
  c.cm.createChannel(d.nodeId, 500_000n, 0n, 1n); // open_channel queued, never settled
  await net2.teardown().then(() => assert.unreachable('undelivered open_channel'), (e: Error) => assert.match(e.message, /undelivered message event\(s\): open_channel/));
});

test.run();
