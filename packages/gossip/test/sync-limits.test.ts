/** Rate limits while we sync with a peer, the sync timeout, and the initiator's query size and node_announcement asks. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QUERY_FLAG, decodeQueryFlags, decodeShortChannelIds, encodeMessage, encodeShortChannelIds, encodeTimestamps, makeMessage, type Init, type KnownMessage, type QueryShortChannelIds } from '@ln/wire';
import { GossipRejection, NetworkGraph, P2PGossipSync, QueryInitiator, TrustingVerifier, maxQueryBatch } from '../src/index.js';
import { MAINNET } from './helpers.js';
import { announce, scidOf, upd } from './synthetic.js';

const PEER = Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 2 : 7));
const mk = (limits = {}) => new P2PGossipSync({ graph: new NetworkGraph(), verifier: new TrustingVerifier(), now: () => 1_700_000_100, limits: { maxHeldUpdates: 1_000_000, ...limits } });
const init = (s: P2PGossipSync, queries: boolean): Init => makeMessage('init', { globalfeatures: new Uint8Array(0), features: queries ? s.providedInitFeatures(PEER).toBytes() : new Uint8Array(0) });
const sent = (s: P2PGossipSync): KnownMessage[] => s.getAndClearPendingMsgEvents().flatMap((e) => (e.type === 'SendMessage' ? [e.msg] : []));
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof GossipRejection ? e.code : String(e);
  }
  return undefined;
};

test('a gossip_queries peer that never ends its range replies is rate-limited like any other (audit rate.mts)', () => {
  for (const queries of [false, true]) {
    const s = mk({ gossipBurst: 2, gossipPerTick: 1 });
    s.peerConnected(PEER, init(s, queries), true);
    assert.is(s.syncPhase(PEER), queries ? 'range' : 'idle');
    let limited = 0;
    for (let i = 0; i < 2000; i++) if (code(() => s.handleChannelUpdate(PEER, upd(i))) === 'rate_limited') limited++;
    assert.is(limited, 1998, queries ? 'queries peer' : 'plain peer');
  }
});

test('only the answer to our query in flight is free: its ids, three channel messages and two node announcements an id', () => {
  const s = mk({ gossipBurst: 0, gossipPerTick: 0 });
  s.peerConnected(PEER, init(s, true), true);
  const range = sent(s).find((m) => m.type === 'query_channel_range')!;
  assert.ok(range);
  const ids = [0, 1, 2].map(scidOf);
  s.handleReplyChannelRange(PEER, makeMessage('reply_channel_range', { chainHash: MAINNET, firstBlocknum: 0, numberOfBlocks: 0xffffffff, syncComplete: 1, encodedShortIds: encodeShortChannelIds(ids), tlvs: {} }));
  const q = sent(s).find((m) => m.type === 'query_short_channel_ids') as QueryShortChannelIds;
  assert.equal(decodeShortChannelIds(q.encodedShortIds), ids);
  for (let i = 0; i < 3; i++) {
    assert.is(code(() => s.handleChannelAnnouncement(PEER, announce(i))), undefined);
    assert.is(code(() => s.handleChannelUpdate(PEER, upd(i, 0))), undefined);
    assert.is(code(() => s.handleChannelUpdate(PEER, upd(i, 1))), undefined);
  }
  // A fourth message about a queried id, and anything about another id, spend the (empty) allowance.
  assert.is(code(() => s.handleChannelUpdate(PEER, upd(0, 0, 1_700_000_001))), 'rate_limited');
  assert.is(code(() => s.handleChannelUpdate(PEER, upd(9))), 'rate_limited');
  assert.is(s.graph.channelCount, 3);
  s.handleReplyShortChannelIdsEnd(PEER, makeMessage('reply_short_channel_ids_end', { chainHash: MAINNET, fullInformation: 1 }));
  assert.ok(s.isSyncedWith(PEER));
  assert.is(code(() => s.handleChannelUpdate(PEER, upd(1, 0, 1_700_000_001))), 'rate_limited');
});

test('a sync that never finishes times out after syncTimeoutTicks ticks without a reply; replies reset the count', () => {
  const s = mk({ syncTimeoutTicks: 3 });
  s.peerConnected(PEER, init(s, true), true);
  sent(s);
  s.timerTickOccurred();
  s.timerTickOccurred();
  // A range reply (not the last) is progress.
  s.handleReplyChannelRange(PEER, makeMessage('reply_channel_range', { chainHash: MAINNET, firstBlocknum: 0, numberOfBlocks: 10, syncComplete: 0, encodedShortIds: encodeShortChannelIds([]), tlvs: {} }));
  s.timerTickOccurred();
  s.timerTickOccurred();
  assert.is(s.syncPhase(PEER), 'range');
  assert.not.ok(s.isSyncedWith(PEER));
  s.timerTickOccurred();
  assert.is(s.syncPhase(PEER), 'timed_out');
  assert.not.ok(s.isSyncedWith(PEER));
  // Late replies are ignored.
  s.handleReplyChannelRange(PEER, makeMessage('reply_channel_range', { chainHash: MAINNET, firstBlocknum: 10, numberOfBlocks: 0xffffffff, syncComplete: 1, encodedShortIds: encodeShortChannelIds([scidOf(1)]), tlvs: {} }));
  assert.equal(sent(s), []);
});

test('a stalled query_short_channel_ids times out too', () => {
  const q = new QueryInitiator(false, 10, undefined, 2);
  const g = new NetworkGraph();
  q.start(MAINNET);
  q.onReplyChannelRange(g, makeMessage('reply_channel_range', { chainHash: MAINNET, firstBlocknum: 0, numberOfBlocks: 0xffffffff, syncComplete: 1, encodedShortIds: encodeShortChannelIds([scidOf(1)]), tlvs: {} }), 0);
  assert.ok(q.nextQuery(MAINNET));
  assert.not.ok(q.onTick());
  assert.ok(q.onTick());
  assert.is(q.phase, 'timed_out');
});

test('queryBatchSize is clamped so that an encoded query_short_channel_ids fits 65,535 bytes', () => {
  for (const extended of [false, true]) {
    const q = new QueryInitiator(extended, 100_000);
    assert.is(q.batchSize, maxQueryBatch(extended));
    const g = new NetworkGraph();
    q.start(MAINNET);
    const ids = Array.from({ length: 20_000 }, (_, i) => (BigInt(500_000 + i) << 40n) | 0xffffn);
    q.onReplyChannelRange(g, makeMessage('reply_channel_range', { chainHash: MAINNET, firstBlocknum: 0, numberOfBlocks: 0xffffffff, syncComplete: 1, encodedShortIds: encodeShortChannelIds(ids), tlvs: {} }), 0);
    const m = q.nextQuery(MAINNET)!;
    const bytes = encodeMessage(m).length;
    assert.ok(bytes <= 65_535, `${bytes} bytes`);
    assert.ok(bytes > 65_535 - 16, `the clamp wastes room: ${bytes} bytes`);
  }
  assert.is(maxQueryBatch(false), 8187);
  assert.is(maxQueryBatch(true), 7277);
});

test('for known channels, the initiator asks for the node_announcements it lacks (query flags 3 and 4)', () => {
  const g = mk();
  g.handleChannelAnnouncement(undefined, announce(0));
  g.handleChannelUpdate(undefined, upd(0, 0));
  g.handleChannelUpdate(undefined, upd(0, 1));
  const q = new QueryInitiator(true, 100);
  q.start(MAINNET);
  const ts = encodeTimestamps([{ timestamp1: 1_700_000_000, timestamp2: 1_700_000_000 }]);
  q.onReplyChannelRange(g.graph, makeMessage('reply_channel_range', { chainHash: MAINNET, firstBlocknum: 0, numberOfBlocks: 0xffffffff, syncComplete: 1, encodedShortIds: encodeShortChannelIds([scidOf(0)]), tlvs: { timestampsTlv: ts } }), 0);
  const m = q.nextQuery(MAINNET)!;
  assert.equal(decodeShortChannelIds(m.encodedShortIds), [scidOf(0)]);
  const flags = decodeQueryFlags(m.tlvs.queryFlags!.encodingType, m.tlvs.queryFlags!.encodedQueryFlags);
  assert.equal(flags, [QUERY_FLAG.NODE_ANNOUNCEMENT_NODE_1 | QUERY_FLAG.NODE_ANNOUNCEMENT_NODE_2]);
});

test.run();
