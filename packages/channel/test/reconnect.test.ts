/** Disconnect and reconnect, and restart from serialized state, at every step of opening and closing; replayed reestablish. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeMessage } from '@ln/wire';
import { sendUpdateFee } from '../src/index.js';
import { Harness, type TestNode } from './support/harness.js';

type Step = 'disconnect' | 'restartFunder' | 'restartFundee';

/**
 * Runs open → ready → coop close, interrupting once after the `k`-th delivered message with
 * `how`, then reconnecting; returns the harness for assertions. Simple close is off so the
 * legacy exchange is exercised too when `legacy`.
 */
function runInterrupted(k: number, how: Step, legacy: boolean): { h: Harness; a: TestNode; b: TestNode; interrupted: boolean } {
  const h = new Harness();
  const cfg = legacy ? { channelHandshakeConfig: { negotiateSimpleClose: false } } : {};
  const a = h.addNode('alice', cfg);
  const b = h.addNode('bob', cfg);
  h.connect(a, b);
  let count = 0;
  let interrupted = false;
  let pendingInterrupt = false;
  h.filter = () => {
    count++;
    if (count === k + 1 && !interrupted) pendingInterrupt = true;
    return !pendingInterrupt; // this message and the rest of the connection are lost
  };
  const interrupt = () => {
    if (!pendingInterrupt || interrupted) return;
    interrupted = true;
    pendingInterrupt = false;
    if (how === 'disconnect') h.disconnect(a, b);
    else h.restart(how === 'restartFunder' ? a : b);
    h.connect(a, b);
    h.pump();
  };
  const pump = () => {
    h.pump();
    interrupt();
    h.pump();
  };
  a.cm.createChannel(b.nodeId, 1_000_000n, 100_000_000n, 7n);
  pump();
  const ready = h.eventsOf(a, 'FundingGenerationReady').pop() as { temporaryChannelId: Uint8Array; outputScript: Uint8Array } | undefined;
  if (!ready) {
    // Interrupted before accept_channel: BOLT 2 says forget the channel; open again.
    assert.is(a.cm.listChannels().length, 0);
    a.cm.createChannel(b.nodeId, 1_000_000n, 100_000_000n, 7n);
    h.pump();
  }
  const r = (ready ?? h.eventsOf(a, 'FundingGenerationReady').pop()) as { temporaryChannelId: Uint8Array; outputScript: Uint8Array };
  a.events = [];
  a.cm.fundingTransactionGenerated(r.temporaryChannelId, b.nodeId, h.fundingTx(a, r.outputScript, 1_000_000n));
  pump();
  h.mine(3);
  interrupt();
  h.pump();
  const id = a.cm.listChannels()[0]?.channelId;
  if (id) {
    a.cm.closeChannel(id, b.nodeId);
    pump();
  }
  return { h, a, b, interrupted };
}

for (const how of ['disconnect', 'restartFunder', 'restartFundee'] as Step[]) {
  for (const legacy of [true, false]) {
    test(`${how} at every step of opening and ${legacy ? 'legacy' : 'simple'} closing: the channel opens and closes cooperatively`, () => {
      let k = 0;
      for (; k < 30; k++) {
        const { h, a, b, interrupted } = runInterrupted(k, how, legacy);
        if (!interrupted) break; // past the last message: every step covered
        let ca = h.eventsOf(a, 'ChannelClosed').map((e) => (e as { reason: { type: string } }).reason.type);
        let cb = h.eventsOf(b, 'ChannelClosed').map((e) => (e as { reason: { type: string } }).reason.type);
        const aborted = ca.includes('FundingAborted');
        if (aborted) {
          // Lost before funding_signed reached the funder: BOLT 2 has the funder forget it (no funding_signed
          // retransmission); the fundee's reestablish then meets an unknown channel and an error: it fails the
          // channel, its commitment spending a funding output that never existed.
          assert.is(h.eventsOf(a, 'DiscardFunding').length, 1, `step ${k}: the funder may reuse its inputs`);
          assert.is(a.watch.forceClosed.size, 0, 'the funder never broadcast anything');
          assert.is(h.chain.broadcaster.broadcasts.length, 0, 'no funding transaction went out');
          const again = h.openChannel(a, b, 500_000n, 0n);
          a.cm.closeChannel(again, b.nodeId);
          h.pump();
          ca = h.eventsOf(a, 'ChannelClosed').map((e) => (e as { reason: { type: string } }).reason.type);
          cb = h.eventsOf(b, 'ChannelClosed').map((e) => (e as { reason: { type: string } }).reason.type);
        }
        assert.ok(ca.includes('CooperativeClosure'), `step ${k}: alice ${ca}`);
        assert.ok(cb.includes('CooperativeClosure'), `step ${k}: bob ${cb}`);
        assert.ok(!ca.includes('ProcessingError') && !cb.includes('ProcessingError'), `step ${k}: no failure`);
        assert.is(a.watch.forceClosed.size + b.watch.forceClosed.size, aborted ? b.watch.forceClosed.size : 0, `step ${k}: nothing force-closed (but the fundee's never-funded channel)`);
        assert.ok(b.watch.forceClosed.size <= (aborted ? 1 : 0), `step ${k}`);
      }
      assert.ok(k >= 8, `covered ${k} steps`);
    });
  }
}

test('update_fee dance across a disconnect: commitments advance and both sides agree', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  const id = h.openChannel(a, b, 1_000_000n, 0n);
  for (const rate of [3000, 3500, 4000]) {
    sendUpdateFee(a.cm.channel(id)!, rate);
    h.pump();
  }
  assert.is(a.cm.channel(id)!.s.holderCtn, 3n);
  assert.is(b.cm.channel(id)!.s.holderCtn, 3n);
  // Lose bob's revoke_and_ack in flight, then reconnect: it is retransmitted.
  let dropped = false;
  h.filter = (f, _t, m) => {
    if (f === b && m.type === 'revoke_and_ack') dropped = true;
    return !dropped; // the connection is lost from there on
  };
  sendUpdateFee(a.cm.channel(id)!, 4500);
  h.pump();
  h.filter = undefined;
  h.disconnect(a, b);
  h.connect(a, b);
  h.pump();
  assert.is(a.cm.channel(id)!.s.holderCtn, 4n);
  assert.is(b.cm.channel(id)!.s.counterpartyOldestCtn, 4n);
  assert.is(a.cm.channel(id)!.s.counterpartyOldestCtn, 4n);
  assert.is(a.watch.forceClosed.size + b.watch.forceClosed.size, 0);
});

test('a counterparty replaying an old channel_reestablish (restored from a stale backup): it detects data loss and never broadcasts; we fail the channel with our latest state', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  const id = h.openChannel(a, b, 1_000_000n, 0n);
  const staleBob = b.cm.serialize();
  for (const rate of [3000, 3500]) {
    sendUpdateFee(a.cm.channel(id)!, rate);
    h.pump();
  }
  // The stale backup holds the monitor as it was then, too.
  for (const list of b.watch.updates.values()) list.length = 0;
  h.restart(b, staleBob);
  h.connect(a, b);
  h.pump();
  const ra = h.eventsOf(a, 'ChannelClosed').map((e) => (e as { reason: { type: string } }).reason.type);
  const rb = h.eventsOf(b, 'ChannelClosed').map((e) => (e as { reason: { type: string } }).reason.type);
  assert.ok(rb.includes('DataLossDetected'), `bob: ${rb}`);
  assert.is([...b.watch.forceClosed.values()].includes(true), false, 'the stale node never broadcasts');
  assert.ok(ra.length === 1, `alice: ${ra}`);
  assert.is([...a.watch.forceClosed.values()][0], true, 'we broadcast our latest (unrevoked) commitment');
});

test('an unknown channel_reestablish is answered with an error and changes nothing', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  h.connect(a, b);
  a.cm.handleChannelReestablish(b.nodeId, makeMessage('channel_reestablish', {
    channelId: new Uint8Array(32).fill(9), nextCommitmentNumber: 1n, nextRevocationNumber: 0n, yourLastPerCommitmentSecret: new Uint8Array(32), myCurrentPerCommitmentPoint: b.nodeId, tlvs: {},
  }));
  const evs = a.cm.getAndClearPendingMsgEvents();
  assert.is(evs.length, 1);
  assert.is(evs[0]!.type, 'HandleError');
});

test.run();
