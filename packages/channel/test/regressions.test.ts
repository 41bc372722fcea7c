/** Regressions reported in /work/coord/bugs-channel.md, one test each. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex, equalBytes } from '@ln/crypto';
import { Harness } from './support/harness.js';
import { claimAll, eventsOf, pay, settle, take } from './support/pay.js';

test('bug 1: the fundee gets ChannelPending once its asynchronously persisted monitor completes', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  b.watch.async = true;
  h.connect(a, b);
  a.cm.createChannel(b.nodeId, 500_000n, 0n, 1n);
  h.pump();
  const ev = h.eventsOf(a, 'FundingGenerationReady')[0] as { temporaryChannelId: Uint8Array; outputScript: Uint8Array };
  a.cm.fundingTransactionGenerated(ev.temporaryChannelId, b.nodeId, h.fundingTx(a, ev.outputScript, 500_000n));
  h.pump();
  assert.is(h.eventsOf(b, 'ChannelPending').length, 0, 'not before the monitor is durable');
  assert.is(h.log.filter((l) => l[2] === 'funding_signed').length, 0, 'funding_signed held back');
  b.watch.completeAll();
  h.pump();
  assert.is(h.eventsOf(b, 'ChannelPending').length, 1);
  assert.is(h.eventsOf(a, 'ChannelPending').length, 1);
});

test('bug 2: monitor updates in flight when the manager was persisted are replayed to a monitor that lacks them, or marked durable', () => {
  for (const monitorHasIt of [false, true]) {
    const h = new Harness();
    const a = h.addNode('alice');
    const b = h.addNode('bob');
    const id = h.openChannel(a, b, 1_000_000n);
    a.watch.async = true;
    pay(h, [a, b], 1_000_000n, 1);
    h.pump();
    const ch = a.cm.allChannels()[0]!;
    assert.ok((ch.s.inFlightUpdates?.length ?? 0) > 0, 'an update is in flight');
    const stored = a.cm.serialize();
    const inFlight = ch.s.inFlightUpdates!.map((u) => u.updateId);
    // The crash: the in-flight write is lost (or made it) — the monitor is at the first in-flight id - 1 (or the last).
    const list = a.watch.updates.get(bytesToHex(id))!;
    const keep = monitorHasIt ? inFlight[inFlight.length - 1]! : inFlight[0]! - 1n;
    a.watch.updates.set(bytesToHex(id), list.filter((u) => u.updateId <= keep));
    a.watch.async = false;
    a.watch.releasePendingMonitorEvents();
    (a.watch as unknown as { inProgress: unknown[] }).inProgress = [];
    h.restart(a, stored, { monitors: [{ channelId: id, latestUpdateId: keep }] });
    const after = a.watch.updates.get(bytesToHex(id))!.map((u) => u.updateId);
    assert.equal(after.slice(-inFlight.length), inFlight, monitorHasIt ? 'nothing handed twice' : 'the lost updates were handed again, in order');
    assert.is(a.cm.allChannels()[0]!.monitorPending, false);
    h.connect(a, b);
    settle(h);
    const cl = take(h, b, 'PaymentClaimable');
    assert.is(cl.length, 1, `monitorHasIt=${monitorHasIt}: the payment went through after the restart`);
  }
});

test('a manager restored from an older state than its monitor force-closes that channel from the monitor\'s state', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  const id = h.openChannel(a, b, 1_000_000n);
  const old = a.cm.serialize();
  pay(h, [a, b], 1_000_000n, 1);
  settle(h);
  const latest = a.watch.updates.get(bytesToHex(id))!.at(-1)!.updateId;
  h.restart(a, old, { monitors: [{ channelId: id, latestUpdateId: latest }] });
  assert.is(eventsOf(h, a, 'ChannelClosed')[0]?.reason.type, 'ProcessingError');
  assert.is(a.watch.forceClosed.get(bytesToHex(id)), true, 'the monitor broadcasts its latest commitment');
  assert.is(a.watch.updates.get(bytesToHex(id))!.at(-1)!.updateId, latest + 1n, 'the close continues the monitor\'s update ids');
});

test('bug 2b: restored right after the first monitor write was handed over, the funder broadcasts once the monitor is listed', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  a.watch.async = true;
  h.connect(a, b);
  a.cm.createChannel(b.nodeId, 500_000n, 0n, 1n);
  h.pump();
  const ev = h.eventsOf(a, 'FundingGenerationReady')[0] as { temporaryChannelId: Uint8Array; outputScript: Uint8Array };
  a.cm.fundingTransactionGenerated(ev.temporaryChannelId, b.nodeId, h.fundingTx(a, ev.outputScript, 500_000n));
  h.pump();
  assert.is(h.chain.mempoolTxids().length, 0, 'not broadcast while the monitor write is in progress');
  const id = a.cm.allChannels()[0]!.channelId;
  const stored = a.cm.serialize();
  a.watch.async = false;
  (a.watch as unknown as { inProgress: unknown[] }).inProgress = [];
  h.restart(a, stored, { monitors: [{ channelId: id, latestUpdateId: 0n }] });
  assert.is(h.chain.mempoolTxids().length, 1, 'the funding transaction goes out');
  assert.is(eventsOf(h, a, 'ChannelPending').length, 1);
});

test('bug 7: restored with the lock-in monitor update in flight (the monitor has it), the forwarder still forwards', () => {
  const h = new Harness();
  const [a, b, c] = ['alice', 'bob', 'carol'].map((n) => h.addNode(n));
  h.openChannel(a!, b!, 1_000_000n);
  h.openChannel(b!, c!, 1_000_000n);
  const ab = b!.cm.allChannels().find((x) => equalBytes(x.peer, a!.nodeId))!.channelId;
  let stored: Uint8Array | undefined;
  let latest = 0n;
  b!.watch.async = true;
  pay(h, [a!, b!, c!], 3_000_000n, 1);
  // Deliver by hand; bob's monitor completes every update except the one alice's revoke_and_ack causes.
  const chAB = () => b!.cm.allChannels().find((x) => equalBytes(x.channelId, ab))!;
  for (let i = 0; i < 30 && !stored; i++) {
    for (const [from, to] of [[a!, b!], [b!, a!]] as const) {
      for (const ev of from.cm.getAndClearPendingMsgEvents()) {
        if (ev.type !== 'SendMessage' || stored) continue;
        h.deliver(from, to, ev.msg);
        const hh = chAB().s.htlcs[0];
        if (from === a && ev.msg.type === 'revoke_and_ack' && hh && hh.addRemote !== undefined && hh.addRemote <= chAB().s.counterpartyOldestCtn) {
          stored = b!.cm.serialize();
          latest = chAB().s.latestMonitorUpdateId;
        }
      }
    }
    if (!stored) b!.watch.completeAll();
  }
  assert.ok(stored, 'bob was persisted with the lock-in update in flight');
  assert.is(eventsOf(h, b!, 'PendingHTLCsForwardable').length, 0, 'not forwarded before the restart');
  b!.watch.async = false;
  b!.watch.releasePendingMonitorEvents();
  (b!.watch as unknown as { inProgress: unknown[] }).inProgress = [];
  h.restart(b!, stored, { monitors: b!.cm.allChannels().map((x) => ({ channelId: x.channelId, latestUpdateId: equalBytes(x.channelId, ab) ? latest : x.s.latestMonitorUpdateId })) });
  assert.ok(eventsOf(h, b!, 'PendingHTLCsForwardable').length >= 1, 'the forward is announced after the restart');
  h.connect(a!, b!);
  h.connect(b!, c!);
  settle(h);
  assert.is(claimAll(h, c!), 1);
  settle(h);
  assert.is(eventsOf(h, a!, 'PaymentSent').length, 1);
});

test('bug 3: a ChannelClosed not yet handled survives a restart', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  const id = h.openChannel(a, b, 1_000_000n);
  a.cm.closeChannel(id, b.nodeId);
  h.pump();
  const stored = a.cm.serialize(); // persisted before the user drained its events
  a.events = [];
  h.restart(a, stored);
  assert.is(eventsOf(h, a, 'ChannelClosed')[0]?.reason.type, 'CooperativeClosure');
});

test('bug 4: the fundee does not retransmit funding_signed on channel_reestablish', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n, 0n, { confirm: false });
  h.disconnect(a, b);
  h.connect(a, b);
  h.pump();
  assert.is(h.log.filter((l) => l[2] === 'funding_signed').length, 1);
  h.mine(3);
  assert.is(eventsOf(h, a, 'ChannelReady').length, 1);
});

test('bug 5: max_htlc_value_in_flight_msat is at least min(channel, 100,000 sat)', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.openChannel(a, b, 500_000n);
  assert.is(a.cm.allChannels()[0]!.s.ourParams.maxHtlcValueInFlightMsat, 100_000_000n);
  assert.is(b.cm.allChannels()[0]!.s.ourParams.maxHtlcValueInFlightMsat, 100_000_000n);
  const h2 = new Harness();
  const c = h2.addNode('carol');
  const d = h2.addNode('dave');
  h2.openChannel(c, d, 50_000n);
  assert.is(c.cm.allChannels()[0]!.s.ourParams.maxHtlcValueInFlightMsat, 50_000_000n, 'capped at the channel value');
});

for (const how of ['fail', 'claim'] as const) {
  test(`bug 4b: after shutdown with an HTLC pending, closing starts once it is ${how === 'fail' ? 'failed' : 'fulfilled'}`, () => {
    for (const legacy of [true, false]) {
      const cfg = legacy ? { channelHandshakeConfig: { negotiateSimpleClose: false } } : {};
      const h = new Harness();
      const a = h.addNode('alice', cfg);
      const b = h.addNode('bob', cfg);
      const id = h.openChannel(a, b, 1_000_000n, 300_000_000n);
      const p = pay(h, [a, b], 30_000_000n, 40);
      settle(h);
      const cl = take(h, b, 'PaymentClaimable');
      a.cm.closeChannel(id, b.nodeId);
      settle(h);
      assert.is(eventsOf(h, a, 'ChannelClosed').length, 0, 'waits for the HTLC');
      if (how === 'fail') b.cm.failHtlcBackwards(p.paymentHash);
      else b.cm.claimFunds(cl[0]!.purpose.paymentPreimage!);
      settle(h);
      assert.equal(eventsOf(h, a, 'ChannelClosed').map((e) => e.reason.type), ['CooperativeClosure'], `legacy=${legacy}`);
      assert.equal(eventsOf(h, b, 'ChannelClosed').map((e) => e.reason.type), ['CooperativeClosure']);
    }
  });
}

test.run();
