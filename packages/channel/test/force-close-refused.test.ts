/**
 * A force-close the `Watch` refuses (bugs-channel.md, monitor owner 2026-12-01): the channel is
 * closed on our side all the same (ChannelClosed + error to the peer), the refusal is surfaced
 * (`ForceCloseRefused` event + error log), nothing throws out of the API or message handling,
 * and a restart does not bring the channel back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex, equalBytes } from '@ln/crypto';
import type { ChannelMonitorUpdate } from '@ln/chain-interfaces';
import { Harness, type TestNode } from './support/harness.js';
import { eventsOf, pay, settle } from './support/pay.js';

/** Refuse like `@ln/monitor`'s ChainMonitor: every id but the monitor's latest + 1 (a stale force-close too). */
function refuseStaleIds(n: TestNode): void {
  n.watch.refuse = (u: ChannelMonitorUpdate) => {
    const list = n.watch.updates.get(bytesToHex(u.channelId)) ?? [];
    const last = list.length ? list[list.length - 1]!.updateId : 0n;
    return u.updateId !== last + 1n;
  };
}

const isForceClose = (u: ChannelMonitorUpdate) => u.steps.some((s) => s.type === 'ChannelForceClosed');

function closedReasons(h: Harness, n: TestNode): string[] {
  return eventsOf(h, n, 'ChannelClosed').map((e) => e.reason.type);
}

test('forceCloseChannel: a refused ChannelForceClosed does not throw; the channel is closed, the peer told, the refusal surfaced', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  const id = h.openChannel(a, b, 1_000_000n);
  a.watch.refuse = isForceClose;
  const before = a.cm.allChannels()[0]!.s.latestMonitorUpdateId;
  a.cm.forceCloseChannel(id, b.nodeId); // must not throw
  assert.equal(a.cm.listChannels(), []);
  assert.equal(closedReasons(h, a), ['HolderForceClosed']);
  const refused = eventsOf(h, a, 'ForceCloseRefused');
  assert.is(refused.length, 1);
  assert.ok(equalBytes(refused[0]!.channelId, id));
  assert.is(refused[0]!.monitorUpdateId, before + 1n, 'the refused update id');
  assert.is(refused[0]!.shouldBroadcast, true);
  assert.not.ok(a.watch.forceClosed.has(bytesToHex(id)), 'the monitor did not take it');
  // ChannelClosed comes before ForceCloseRefused.
  const types = a.events.map((e) => e.type);
  assert.ok(types.indexOf('ChannelClosed') < types.indexOf('ForceCloseRefused'));
  h.pump();
  assert.equal(closedReasons(h, b), ['CounterpartyForceClosed'], 'the peer got our error');
  // A restart does not resurrect it.
  h.restart(a);
  assert.equal(a.cm.listChannels(), []);
  assert.is(a.cm.allChannels().length, 0);
  h.connect(a, b);
  h.pump();
  assert.equal(a.cm.listChannels(), []);
});

test('react: a monitor refusing every update, the force-close included, fails the channel without throwing out of message handling', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  const id = h.openChannel(a, b, 1_000_000n, 400_000_000n);
  b.watch.refuse = () => true;
  pay(h, [a, b], 10_000_000n, 1);
  settle(h); // bob's commitment_signed handling: LatestHolderCommitment refused → fail the channel → ChannelForceClosed refused
  assert.equal(b.cm.listChannels(), []);
  assert.equal(closedReasons(h, b), ['ProcessingError']);
  const refused = eventsOf(h, b, 'ForceCloseRefused');
  assert.is(refused.length, 1);
  assert.ok(equalBytes(refused[0]!.channelId, id));
  assert.equal(closedReasons(h, a), ['CounterpartyForceClosed'], 'alice got bob\'s error');
  assert.is(a.watch.forceClosed.get(bytesToHex(id)), true, 'alice\'s monitor broadcasts');
  h.restart(b);
  assert.equal(b.cm.listChannels(), []);
});

test('a stale manager restored without RestoreOptions.monitors: its force-close (old id) is refused, the channel still closes and stays closed', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  const id = h.openChannel(a, b, 1_000_000n, 400_000_000n);
  refuseStaleIds(a);
  const stale = a.cm.serialize();
  const storedAt = a.cm.allChannels()[0]!.s.latestMonitorUpdateId;
  pay(h, [b, a], 5_000_000n, 1);
  settle(h);
  const monitorAt = a.watch.updates.get(bytesToHex(id))!.at(-1)!.updateId;
  assert.ok(monitorAt > storedAt, 'the monitor moved on');
  h.restart(a, stale); // no monitors given: the manager does not know it is behind
  assert.ok(a.cm.allChannels()[0]!.s.latestMonitorUpdateId < monitorAt);
  a.cm.forceCloseChannel(id, b.nodeId); // must not throw
  assert.equal(a.cm.listChannels(), []);
  assert.ok(closedReasons(h, a).includes('HolderForceClosed'));
  assert.is(eventsOf(h, a, 'ForceCloseRefused').length, 1);
  assert.not.ok(a.watch.forceClosed.has(bytesToHex(id)));
  h.restart(a);
  assert.equal(a.cm.listChannels(), [], 'not resurrected as Funded');
});

test('a channel closed before its funding was broadcast (funder monitor still in progress) discards the funding', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  a.watch.async = true;
  h.connect(a, b);
  a.cm.createChannel(b.nodeId, 500_000n, 0n, 1n);
  h.pump();
  const ev = eventsOf(h, a, 'FundingGenerationReady')[0]!;
  const fundingTx = h.fundingTx(a, ev.outputScript, 500_000n);
  a.cm.fundingTransactionGenerated(ev.temporaryChannelId, b.nodeId, fundingTx);
  h.pump();
  const ch = a.cm.allChannels()[0]!;
  assert.is(ch.s.phase, 'Funded');
  assert.ok(ch.monitorPending, 'alice\'s monitor is not durable yet');
  a.cm.forceCloseChannel(ch.channelId, b.nodeId);
  a.watch.completeAll();
  h.pump();
  assert.is(h.chain.mempoolTxids().length, 0, 'the funding is never broadcast');
  const discard = eventsOf(h, a, 'DiscardFunding');
  assert.is(discard.length, 1);
  assert.ok(equalBytes(discard[0]!.fundingTx, fundingTx));
  assert.equal(closedReasons(h, a), ['HolderForceClosed']);
});

test.run();
