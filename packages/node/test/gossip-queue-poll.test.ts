/**
 * The event loop while the gossip queue is high: the PeerManager stops reading peers then and
 * resumes them only in `processEvents()`, so the node runs its loop every ~50 ms until
 * `P2PGossipSync.processingQueueHigh()` is false again, with no other event to kick it.
 * The queue's state is forced here (filling 20,000 asynchronous checks in a node test would
 * take the whole CI budget); the loop, timers and PeerManager are the node's own.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settle, testNet } from './support/net.js';

test('gossip queue high: the loop runs processEvents every ~50 ms until the queue is no longer high, then stops', async () => {
  const net = testNet();
  try {
    // Quiet timers: nothing else kicks the loop during the test.
    const quiet = { managerTickMs: 60_000, peerTickMs: 60_000, gossipTickMs: 60_000, monitorTickMs: 60_000, snapshotMs: 60_000, forwardDelayMs: 5 };
    const node = await net.add('poll', { timers: quiet });
    const pm = node.pm;
    let calls = 0;
    const real = pm.processEvents.bind(pm);
    pm.processEvents = () => {
      calls++;
      real();
    };
    let high = true;
    node.gossip.processingQueueHigh = () => high;
    await settle(50);
    calls = 0;
    node.kick();
    await settle(420);
    const whileHigh = calls;
    assert.ok(whileHigh >= 5, `processEvents ran ${whileHigh} times in 420 ms while the queue was high`);
    high = false;
    await settle(120); // at most one more scheduled run, which sees the queue drained
    calls = 0;
    await settle(400);
    assert.is(calls, 0, 'no polling once the queue is no longer high');
  } finally {
    await net.close();
  }
});

test.run();
