/** The responder under query floods: one outstanding query of each kind, lazy bounded replies, a capped outbox. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { LightningError, encodeShortChannelIds, makeMessage, type Init, type KnownMessage } from '@ln/wire';
import type { P2PGossipSync } from '../src/index.js';
import { MAINNET } from './helpers.js';
import { syntheticSync } from './synthetic.js';

const PEER = Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 3 : i));
const init = (s: P2PGossipSync): Init => makeMessage('init', { globalfeatures: new Uint8Array(0), features: s.providedInitFeatures(PEER).toBytes() });
const N = 600;
const base = syntheticSync(N);

function fresh(limits = {}): P2PGossipSync {
  // A new sync over the same graph: cheap.
  const s = new (base.constructor as typeof import('../src/index.js').P2PGossipSync)({ graph: base.graph, now: () => 1_700_000_100, initialSync: 'none', limits });
  s.peerConnected(PEER, init(s), true);
  s.getAndClearPendingMsgEvents();
  return s;
}
const idsQuery = (ids: bigint[]) => makeMessage('query_short_channel_ids', { chainHash: MAINNET, encodedShortIds: encodeShortChannelIds(ids), tlvs: {} });
const rangeQuery = () => makeMessage('query_channel_range', { chainHash: MAINNET, firstBlocknum: 0, numberOfBlocks: 0xffffffff, tlvs: { queryOption: 3n } });
const drainAll = (s: P2PGossipSync, max = 1e6): KnownMessage[] => {
  const out: KnownMessage[] = [];
  for (let k = 0; k < max; k++) {
    const ev = s.getAndClearPendingMsgEvents();
    if (!ev.length) return out;
    for (const e of ev) if (e.type === 'SendMessage') out.push(e.msg);
  }
  return out;
};

test('a second query_short_channel_ids before our reply ended is refused with a warning and a disconnect; after the end, accepted', () => {
  const s = fresh();
  const all = [...base.graph.sortedScids()];
  s.handleQueryShortChannelIds(PEER, idsQuery(all));
  let err: unknown;
  try {
    s.handleQueryShortChannelIds(PEER, idsQuery(all));
  } catch (e) {
    err = e;
  }
  assert.instance(err, LightningError);
  assert.is((err as LightningError).action.type, 'DisconnectPeerWithWarning');
  const first = s.getAndClearPendingMsgEvents();
  assert.ok(first.length <= 500 + 4, `one drain released ${first.length}`);
  const rest = drainAll(s);
  const msgs = [...first.map((e) => (e as { msg: KnownMessage }).msg), ...rest];
  assert.is(msgs.filter((m) => m.type === 'reply_short_channel_ids_end').length, 1);
  assert.is(msgs[msgs.length - 1]!.type, 'reply_short_channel_ids_end');
  assert.is(msgs.filter((m) => m.type === 'channel_announcement').length, N);
  s.handleQueryShortChannelIds(PEER, idsQuery(all.slice(0, 3)));
  assert.is(drainAll(s).length, 3 * 3 + 1); // no node_announcements in the synthetic graph
});

test('a second query_channel_range before our last reply_channel_range is refused', () => {
  const s = fresh();
  s.handleQueryChannelRange(PEER, rangeQuery());
  assert.throws(() => s.handleQueryChannelRange(PEER, rangeQuery()), (e: unknown) => e instanceof LightningError && e.action.type === 'DisconnectPeerWithWarning');
  const replies = drainAll(s);
  assert.is(replies.at(-1)!.type, 'reply_channel_range');
  s.handleQueryChannelRange(PEER, rangeQuery());
  assert.is(drainAll(s).length, replies.length);
});

test('replies are made only while the PeerManager says the peer has room', () => {
  const s = fresh();
  s.handleQueryShortChannelIds(PEER, idsQuery([...base.graph.sortedScids()]));
  assert.is(s.getAndClearPendingMsgEvents(() => false).length, 0);
  assert.is(s.getAndClearPendingMsgEvents(() => false).length, 0);
  assert.ok(s.getAndClearPendingMsgEvents(() => true).length > 0);
});

test('backfill: a fast peer gets all of it while a slow peer (no room) gets nothing more and stalls nobody', () => {
  const big = syntheticSync(2_100);
  const FAST = Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 2 : 7));
  const SLOW = Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 2 : 9));
  const s = new (big.constructor as typeof import('../src/index.js').P2PGossipSync)({ graph: big.graph, now: () => 1_700_000_100, initialSync: 'none' });
  const filter = makeMessage('gossip_timestamp_filter', { chainHash: MAINNET, firstTimestamp: 0, timestampRange: 0xffffffff });
  for (const p of [FAST, SLOW]) {
    s.peerConnected(p, makeMessage('init', { globalfeatures: new Uint8Array(0), features: s.providedInitFeatures(p).toBytes() }), true);
  }
  s.getAndClearPendingMsgEvents();
  for (const p of [FAST, SLOW]) s.handleGossipTimestampFilter(p, filter);
  const key = (b: Uint8Array) => b.join(',');
  const got = new Map<string, number>([[key(FAST), 0], [key(SLOW), 0]]);
  const slowHasRoom = { v: true };
  const hasRoom = (id: Uint8Array) => key(id) === key(FAST) || slowHasRoom.v;
  for (let k = 0; k < 1_000; k++) {
    const ev = s.getAndClearPendingMsgEvents(hasRoom);
    slowHasRoom.v = false; // the slow peer's socket took one release, then nothing
    if (!ev.length) break;
    for (const e of ev) if (e.type === 'SendMessage') got.set(key(e.nodeId), got.get(key(e.nodeId))! + 1);
  }
  // 2,100 announcements and 4,200 updates (no node_announcements in the synthetic graph).
  assert.is(got.get(key(FAST)), 3 * 2_100);
  assert.ok(got.get(key(SLOW))! > 0 && got.get(key(SLOW))! <= 500 + 4, `slow peer got ${got.get(key(SLOW))}`);
  // Once it has room again, the rest follows, lazily, without anything lost.
  for (let k = 0; k < 1_000; k++) {
    const ev = s.getAndClearPendingMsgEvents(() => true);
    if (!ev.length) break;
    for (const e of ev) if (e.type === 'SendMessage') got.set(key(e.nodeId), got.get(key(e.nodeId))! + 1);
  }
  assert.is(got.get(key(SLOW)), 3 * 2_100);
  assert.is(got.get(key(FAST)), 3 * 2_100);
});

test('the outbox is capped: past maxOutbox the peer is disconnected', () => {
  const s = fresh({ maxOutbox: 3 });
  const p = (s as unknown as { peers: Map<string, { send(m: KnownMessage): void }> }).peers.values().next().value!;
  for (let i = 0; i < 3; i++) p.send(rangeQuery());
  assert.throws(() => p.send(rangeQuery()), (e: unknown) => e instanceof LightningError && e.action.type === 'DisconnectPeerWithWarning');
});

test('property: any interleaving of queries, drains and room answers keeps every release bounded and answers each accepted query completely', () => {
  const all = [...base.graph.sortedScids()];
  fc.assert(
    fc.property(
      fc.array(fc.oneof(
        fc.record({ k: fc.constant('ids' as const), from: fc.nat(N - 1), len: fc.integer({ min: 0, max: N }) }),
        fc.record({ k: fc.constant('range' as const), first: fc.nat(700_000), blocks: fc.integer({ min: 1, max: 0xffffffff }) }),
        fc.record({ k: fc.constant('drain' as const), room: fc.boolean() }),
      ), { maxLength: 40 }),
      (ops) => {
        const s = fresh({ maxMessagesPerDrain: 50 });
        let accepted = { ids: 0, range: 0 };
        const got = { ids: 0, range: 0 };
        const take = (room: boolean) => {
          const ev = s.getAndClearPendingMsgEvents(() => room);
          assert.ok(ev.length <= 50 + 4);
          for (const e of ev) {
            if (e.type !== 'SendMessage') continue;
            if (e.msg.type === 'reply_short_channel_ids_end') got.ids++;
            if (e.msg.type === 'reply_channel_range' && e.msg.syncComplete) got.range++;
          }
        };
        for (const op of ops) {
          try {
            if (op.k === 'ids') {
              s.handleQueryShortChannelIds(PEER, idsQuery(all.slice(op.from, op.from + op.len)));
              accepted.ids++;
            } else if (op.k === 'range') {
              s.handleQueryChannelRange(PEER, makeMessage('query_channel_range', { chainHash: MAINNET, firstBlocknum: op.first, numberOfBlocks: op.blocks, tlvs: {} }));
              accepted.range++;
            } else take(op.room);
          } catch (e) {
            assert.instance(e, LightningError);
          }
          assert.ok(accepted.ids - got.ids <= 1 && accepted.range - got.range <= 1);
        }
        for (let k = 0; k < 1000 && (got.ids < accepted.ids || got.range < accepted.range); k++) take(true);
        assert.equal(got, accepted);
        accepted = { ids: 0, range: 0 };
      },
    ),
    { numRuns: 60 },
  );
});

test('the audit flood (300 copies of a full query, drained every 10) keeps memory bounded', () => {
  const s = fresh();
  const q = idsQuery([...base.graph.sortedScids()]);
  let refused = 0;
  let maxWaiting = 0;
  for (let i = 0; i < 300; i++) {
    try {
      s.handleQueryShortChannelIds(PEER, q);
    } catch {
      refused++;
    }
    if (i % 10 === 0) s.getAndClearPendingMsgEvents();
    const p = (s as unknown as { peers: Map<string, { outboxLength: number }> }).peers.values().next().value!;
    maxWaiting = Math.max(maxWaiting, p.outboxLength);
  }
  assert.ok(refused >= 290, `refused ${refused}`);
  assert.is(maxWaiting, 0);
});

test.run();
