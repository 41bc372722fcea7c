/**
 * PeerManager, in memory: what happens to gossip under backpressure. Relayed (broadcast)
 * gossip is the only droppable kind, and each drop is counted and logged; the routing
 * handler's answers to a peer's queries are held and never dropped, in order; the handler
 * is asked for more lazily; reads pause while it reports processingQueueHigh().
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogRecord } from '@ln/chain-interfaces';
import { IgnoringMessageHandler, chainHashOf, encodeMessage, makeMessage, type ChannelUpdate, type MessageSendEvent, type QueryShortChannelIds } from '@ln/wire';
import type { GossipRoomCheck, PeerEvent, SocketDescriptor } from '@ln/noise-peer';
import { count, joinQueued, pair } from './helpers/memory.js';

const chainHash = chainHashOf('regtest');
const update = (scid: bigint, timestamp = 1): ChannelUpdate =>
  makeMessage('channel_update', { signature: new Uint8Array(64), chainHash, shortChannelId: scid, timestamp, messageFlags: 1, channelFlags: 0, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, feeBaseMsat: 1, feeProportionalMillionths: 1, htlcMaximumMsat: 1000n });
const UPDATE_SIZE = encodeMessage(update(1n)).length; // 136 B, 170 B encrypted
const FRAME = UPDATE_SIZE + 34;
const recorder = () => {
  const logs: LogRecord[] = [];
  return { logs, logger: { log: (r: LogRecord) => logs.push(r) } };
};

/** Replaces a descriptor's sendData with one that takes at most `budget.left` bytes (and records resume flags). */
function budgeted(d: SocketDescriptor, budget: { left: number; resumes: number }): void {
  const inner = d.sendData.bind(d);
  (d as { sendData: SocketDescriptor['sendData'] }).sendData = (data, resume) => {
    if (resume) budget.resumes++;
    const n = Math.min(budget.left, data.length);
    budget.left -= n;
    return n > 0 ? inner(data.subarray(0, n), resume) : 0;
  };
}

/** Messages `a` received, by type, in order, with their short channel ids. */
const received = (evs: PeerEvent[]) => evs.filter((e) => e.type === 'message' && e.direction === 'in').map((e) => (e as { msg: { type: string; shortChannelId?: bigint } }).msg);

/**
 * A routing handler answering query_short_channel_ids with `perId` channel_updates per id and
 * then reply_short_channel_ids_end. `lazy`: it releases at most `perDrain` messages per call,
 * only while the manager's room check says yes (as a handler with a per-peer backlog should);
 * otherwise it hands over all of them at once.
 */
class Answering extends IgnoringMessageHandler {
  backlog: MessageSendEvent[] = [];
  calls = 0;
  refusedRoom = 0;
  maxReleased = 0;
  constructor(
    private readonly perId: number,
    private readonly lazy: boolean,
    private readonly perDrain = 500,
  ) {
    super();
  }
  override handleQueryShortChannelIds(nodeId?: Uint8Array, _msg?: QueryShortChannelIds): void {
    const id = nodeId!;
    for (let i = 0; i < this.perId; i++) this.backlog.push({ type: 'SendMessage', nodeId: id, msg: update(BigInt(i + 1)) });
    this.backlog.push({ type: 'SendMessage', nodeId: id, msg: makeMessage('reply_short_channel_ids_end', { chainHash, fullInformation: 1 }) });
  }
  override getAndClearPendingMsgEvents(hasRoom?: GossipRoomCheck): MessageSendEvent[] {
    this.calls++;
    if (!this.lazy) return this.backlog.splice(0);
    const first = this.backlog[0];
    if (!first || first.type !== 'SendMessage') return [];
    if (!hasRoom!(first.nodeId)) return void this.refusedRoom++, [];
    const out = this.backlog.splice(0, this.perDrain);
    this.maxReleased = Math.max(this.maxReleased, out.length);
    return out;
  }
}

const query = makeMessage('query_short_channel_ids', { chainHash, encodedShortIds: Uint8Array.of(0), tlvs: {} });

for (const lazy of [false, true]) {
  test(`query replies over a slow socket are never dropped and keep the BOLT 7 order (${lazy ? 'a handler that honours the room check' : 'a handler that releases everything at once'})`, () => {
    const { logs, logger } = recorder();
    const handler = new Answering(4000, lazy);
    const { a, b, wire, db, events } = pair({ bRouting: handler, bLogger: logger });
    const budget = { left: 0, resumes: 0 };
    budgeted(db, budget);
    a.sendToPeer(b.nodeId, query);
    let peakQueue = 0;
    let peakHeld = 0;
    for (let round = 0; round < 2000 && count(events.a, 'in', 'reply_short_channel_ids_end') === 0; round++) {
      budget.left = 16 * 1024; // the socket takes 16 KiB per round
      b.writeBufferSpaceAvail(db);
      wire.pump(a, b);
      const st = b.peerStats(a.nodeId)!;
      peakQueue = Math.max(peakQueue, st.queuedOutboundBytes);
      peakHeld = Math.max(peakHeld, st.heldRoutingMessages);
    }
    const got = received(events.a).filter((m) => m.type === 'channel_update' || m.type === 'reply_short_channel_ids_end');
    assert.is(got.length, 4001, 'every reply and the end marker arrived');
    assert.equal(got.slice(0, 4000).map((m) => m.shortChannelId), Array.from({ length: 4000 }, (_, i) => BigInt(i + 1)), 'in the order the handler gave them');
    assert.is(got[4000]!.type, 'reply_short_channel_ids_end', 'the end marker comes last (BOLT 7)');
    assert.is(b.gossipDropped, 0);
    assert.is(b.peerStats(a.nodeId)!.gossipDropped, 0);
    assert.ok(!logs.some((r) => /dropping/.test(r.message)), 'nothing dropped, nothing logged as dropped');
    assert.ok(peakQueue <= 256 * 1024 + FRAME, `the encrypted queue stayed at gossipDropBytes (peak ${peakQueue})`);
    if (lazy) {
      assert.ok(handler.refusedRoom > 0, 'the handler was told the peer had no room');
      assert.ok(peakHeld <= 500, `the manager held at most one release (${peakHeld})`);
    } else {
      assert.ok(peakHeld > 2000, `the manager held the replies the socket could not take yet (${peakHeld})`);
    }
  });
}

test('a handler ignoring the room check is not asked for more while a peer has more than gossipDropBytes of its messages waiting', () => {
  const handler = new Answering(4000, false);
  const { a, b, wire, db } = pair({ bRouting: handler });
  const budget = { left: 0, resumes: 0 };
  budgeted(db, budget);
  a.sendToPeer(b.nodeId, query);
  wire.pump(a, b); // b handled the query and holds ~4000 replies (≈ 550 kB > 256 KiB)
  assert.ok(b.peerStats(a.nodeId)!.heldRoutingBytes > 256 * 1024);
  const calls = handler.calls;
  for (let i = 0; i < 5; i++) b.processEvents();
  assert.is(handler.calls, calls, 'not asked while the backlog is over the limit');
  budget.left = Infinity;
  b.writeBufferSpaceAvail(db);
  assert.is(b.peerStats(a.nodeId)!.heldRoutingMessages, 0);
  b.processEvents();
  assert.is(handler.calls, calls + 1, 'asked again once it drained');
});

test('broadcast gossip IS dropped above gossipDropBytes (counted, logged once per run), while channel messages queued after it still arrive', () => {
  const { logs, logger } = recorder();
  const { a, b, ha, wire, da, events } = pair({ aLogger: logger });
  wire.acceptFrom.set(da, 0); // a's socket to b takes nothing for now
  for (let i = 0; i < 3000; i++) ha.pending.push({ type: 'BroadcastGossip', msg: update(BigInt(i + 1)) }); // our own gossip: to every peer
  a.processEvents();
  const queued = a.queuedOutboundBytes(b.nodeId)!;
  assert.ok(queued > 256 * 1024 && queued <= 256 * 1024 + FRAME, `the queue stopped at gossipDropBytes (${queued} B)`);
  const sent = Math.ceil((256 * 1024 + 1) / FRAME);
  const st = a.peerStats(b.nodeId)!;
  assert.is(st.gossipDropped, 3000 - sent, `${st.gossipDropped} dropped`);
  assert.ok(st.gossipDropped > 0);
  assert.is(a.gossipDropped, st.gossipDropped);
  assert.equal(logs.filter((r) => /dropping relayed gossip/.test(r.message)).length, 1, 'one log line when the drops start');
  // Channel messages are never dropped, not even the channel handler's own gossip sent to one peer.
  ha.pending.push({ type: 'SendMessage', nodeId: b.nodeId, msg: makeMessage('update_fee', { channelId: new Uint8Array(32), feeratePerKw: 253 }) });
  ha.pending.push({ type: 'SendMessage', nodeId: b.nodeId, msg: update(99_999n) });
  a.processEvents();
  assert.is(a.peerStats(b.nodeId)!.gossipDropped, 3000 - sent, 'nothing more dropped');
  wire.acceptFrom.delete(da);
  a.writeBufferSpaceAvail(da);
  while (wire.queue.length) wire.pump(a, b);
  const inB = received(events.b);
  assert.is(inB.filter((m) => m.type === 'channel_update').length, sent + 1);
  assert.is(inB.filter((m) => m.type === 'update_fee').length, 1, 'the channel message arrived');
  assert.is(inB.at(-1)!.shortChannelId, 99_999n, "the channel handler's direct channel_update arrived too");
  assert.ok(logs.some((r) => r.level === 'info' && r.message === `stopped dropping relayed gossip to this peer: ${3000 - sent} messages dropped`), 'the end of the run is logged with its count');
  ha.pending.push({ type: 'BroadcastGossip', msg: update(5n, 2) });
  wire.pump(a, b);
  assert.is(received(events.b).filter((m) => m.type === 'channel_update').length, sent + 2, 'with room again, gossip flows');
});

test('a relay in the same drain as query replies is not dropped while there is room', () => {
  class Mixed extends IgnoringMessageHandler {
    out: MessageSendEvent[] = [];
    override getAndClearPendingMsgEvents(): MessageSendEvent[] {
      return this.out.splice(0);
    }
  }
  const mixed = new Mixed();
  const { a, b, wire, events } = pair({ bRouting: mixed });
  a.sendToPeer(b.nodeId, makeMessage('gossip_timestamp_filter', { chainHash, firstTimestamp: 0, timestampRange: 0xffffffff }));
  wire.pump(a, b);
  mixed.out.push({ type: 'SendMessage', nodeId: a.nodeId, msg: update(1n) }, { type: 'SendMessage', nodeId: a.nodeId, msg: update(2n) }, { type: 'BroadcastGossip', msg: update(3n) });
  wire.pump(a, b);
  assert.equal(received(events.a).filter((m) => m.type === 'channel_update').map((m) => m.shortChannelId).sort(), [1n, 2n, 3n]);
  assert.is(b.gossipDropped, 0);
});

test('a peer that does not read is disconnected once queued plus held bytes pass maxOutboundBytes', () => {
  const handler = new Answering(20_000, false);
  const { a, b, wire, db } = pair({ bRouting: handler, bLimits: { maxOutboundBytes: 2 * 1024 * 1024 } });
  (db as { sendData: SocketDescriptor['sendData'] }).sendData = () => 0;
  a.sendToPeer(b.nodeId, query);
  wire.pump(a, b); // 20,000 replies ≈ 2.7 MB held
  assert.is(b.getPeerNodeIds().length, 0);
  assert.match(b.lastDisconnectReason!, /^peer is not reading \(\d+ bytes queued, \d+ more held\)$/);
});

test("reads pause while the routing handler reports processingQueueHigh() after a peer's gossip, and resume once it clears (LDK)", () => {
  class Busy extends IgnoringMessageHandler {
    high = false;
    seen: bigint[] = [];
    override handleChannelUpdate(_id?: Uint8Array, m?: ChannelUpdate): boolean {
      this.seen.push(m!.shortChannelId);
      return false;
    }
    override processingQueueHigh(): boolean {
      return this.high;
    }
  }
  const busy = new Busy();
  const { a, b, hb, wire, db, events } = pair({ bRouting: busy });
  const budget = { left: Infinity, resumes: 0 };
  budgeted(db, budget);
  busy.high = true;
  a.sendToPeer(b.nodeId, makeMessage('update_fee', { channelId: new Uint8Array(32), feeratePerKw: 300 }));
  assert.is(b.readEvent(db, joinQueued(wire, b)), false, 'channel messages do not pause reading');
  assert.is(hb.calls.filter((c) => c[0] === 'handleUpdateFee').length, 1);
  for (let i = 1n; i <= 5n; i++) a.sendToPeer(b.nodeId, update(i));
  a.sendToPeer(b.nodeId, makeMessage('ping', { numPongBytes: 4, ignored: new Uint8Array(0) }));
  assert.is(b.readEvent(db, joinQueued(wire, b)), true, 'gossip while the queue is high: pause reading');
  assert.equal(busy.seen, [1n], 'handling stopped after that message');
  assert.ok(b.peerStats(a.nodeId)!.gossipBacklogPaused && b.bufferedInboundBytes(a.nodeId)! > 0);
  b.processEvents();
  b.timerTickOccurred();
  assert.equal(busy.seen, [1n], 'still high: still paused');
  assert.is(b.getPeerNodeIds().length, 1, 'the ping timer does not count our own pause against the peer');
  const resumesBefore = budget.resumes;
  busy.high = false;
  b.processEvents();
  assert.equal(busy.seen, [1n, 2n, 3n, 4n, 5n], 'handled once the queue cleared');
  assert.ok(budget.resumes > resumesBefore, 'the socket was told to resume reading');
  assert.is(b.peerStats(a.nodeId)!.readPaused, false);
  wire.pump(a, b);
  assert.is(count(events.a, 'in', 'pong'), 1, 'the ping held meanwhile is answered');
});

test.run();
