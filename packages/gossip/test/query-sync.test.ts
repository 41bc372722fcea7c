/** Gossip query sync (BOLT 7) between two P2PGossipSyncs: full, after partial overlap, timestamp-filtered. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Features, decodeMessage, decodeShortChannelIds, decodeTimestamps, encodeShortChannelIds, makeMessage, type ChannelUpdate, type KnownMessage } from '@ln/wire';
import { InlineVerifier, NetworkGraph, P2PGossipSync, QueryInitiator, STALE_CHANNEL_SECONDS, answerChannelRange, loadGraphSnapshot, saveGraphSnapshot, type P2PGossipSyncConfig } from '../src/index.js';
import { streamUtxoLookup, type GossipStream } from '../../../tooling/gossip-gen/index.js';
import { feed, graphDigest, node } from './helpers.js';
import { connectAndSync } from './pair.js';
import { fast, stream } from './stream.js';

const A = node('sync-a').nodeId;
const B = node('sync-b').nodeId;
let s: GossipStream;
/** The whole stream, validated once, as a snapshot: each test's source side starts from a copy. */
let fullSnapshot: Uint8Array;

function mk(now: number, cfg: Partial<P2PGossipSyncConfig> = {}) {
  return new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: streamUtxoLookup(s), verifier: new InlineVerifier(fast), now: () => now, ...cfg });
}
/** A sync over a copy of the fully validated graph. */
function mkFull(now: number): P2PGossipSync {
  return mk(now, { graph: loadGraphSnapshot(fullSnapshot) });
}
function scidOf(raw: Uint8Array): bigint | undefined {
  const m = decodeMessage(raw);
  return m.type === 'channel_announcement' || m.type === 'channel_update' ? m.shortChannelId : undefined;
}

const t = suite('query sync');
t.before(() => {
  s = stream(1500);
  const a = mk(s.latestTimestamp + 60);
  for (const m of s.messages) assert.is(feed(a, m), true);
  fullSnapshot = saveGraphSnapshot(a.graph);
});

t('full sync: an empty node gets the whole graph through query_channel_range / query_short_channel_ids', async () => {
  const now = s.latestTimestamp + 60;
  const a = mkFull(now);
  const b = mk(now, { limits: { maxMessagesPerDrain: 100, queryBatchSize: 400 } });
  const traffic = await connectAndSync(b, B, a, A);
  assert.equal(graphDigest(b.graph), graphDigest(a.graph));
  assert.is(b.graph.channelCount, 1500);
  assert.is(traffic.query_short_channel_ids, 4); // 1500 ids in batches of 400
  assert.ok(traffic.reply_channel_range >= 1);
  assert.ok(b.isSyncedWith(A) && a.isSyncedWith(B));
  // Only node announcements repeated across query batches (BOLT 7 dedupes within one reply) are rejected, as duplicates.
  assert.equal(Object.keys(b.stats.rejected).filter((k) => k !== 'duplicate'), [], JSON.stringify(b.stats.rejected));
});

t('sync after partial overlap: both sides end with the union, newer updates win', async () => {
  const now = s.latestTimestamp + 60;
  const a = mk(now);
  const b = mk(now);
  const ids = [...new Set(s.messages.map(scidOf).filter((x) => x !== undefined))];
  const aIds = new Set(ids.slice(0, 1000));
  const bIds = new Set(ids.slice(500));
  let skipped = 0;
  for (const m of s.messages) {
    const scid = scidOf(m);
    if (scid === undefined) {
      feed(a, m);
      feed(b, m);
      continue;
    }
    if (aIds.has(scid)) feed(a, m);
    // B misses the direction-1 updates of every third overlapping channel.
    const msg = decodeMessage(m);
    const miss = msg.type === 'channel_update' && aIds.has(scid) && (msg as ChannelUpdate).channelFlags & 1 && Number(scid % 3n) === 0;
    if (bIds.has(scid) && !miss) feed(b, m);
    else if (bIds.has(scid)) skipped++;
  }
  assert.ok(skipped > 10);
  assert.is.not(graphDigest(a.graph).join(), graphDigest(b.graph).join());
  const traffic = await connectAndSync(a, A, b, B);
  assert.equal(graphDigest(a.graph), graphDigest(b.graph));
  assert.is(a.graph.channelCount, 1500);
  // Only what was missing was asked for: far fewer announcements than channels.
  assert.ok(traffic.channel_announcement! <= 1000, `${traffic.channel_announcement} announcements sent`);
  assert.equal(graphDigest(a.graph), graphDigest(mkFull(now).graph));
});

t('sync when one side has every channel but lacks node_announcements: it asks for them (query flags 3/4) and ends identical', async () => {
  const now = s.latestTimestamp + 60;
  const a = mkFull(now);
  const b = mk(now);
  let dropped = 0;
  for (const m of s.messages) {
    if (decodeMessage(m).type === 'node_announcement' && dropped++ % 2 === 0) continue;
    feed(b, m);
  }
  assert.is(b.graph.channelCount, 1500);
  assert.is.not(graphDigest(a.graph).join(), graphDigest(b.graph).join());
  const traffic = await connectAndSync(b, B, a, A);
  assert.equal(graphDigest(b.graph), graphDigest(a.graph));
  assert.is(traffic.channel_announcement ?? 0, 0);
  assert.ok((traffic.node_announcement ?? 0) >= Math.floor(dropped / 2), `${traffic.node_announcement} node announcements for ${dropped / 2} missing`);
});

t('timestamp-filtered sync: the peer sends exactly the gossip in the filter range, then queries complete it', async () => {
  // With initialSync 'filter', B asks for everything from two weeks before its clock.
  const now = s.latestTimestamp - 3 * 86_400 + STALE_CHANNEL_SECONDS;
  const first = now - STALE_CHANNEL_SECONDS;
  const a = mkFull(now);
  const b = mk(now, { initialSync: 'filter', limits: { maxMessagesPerDrain: 64 } });
  const traffic = await connectAndSync(b, B, a, A);
  assert.is(traffic.query_channel_range ?? 0, 1); // only A's own (queries mode) range query to B
  // Expected: channels with an update at or after `first`, only those directions; nodes announced in range with a channel.
  let channels = 0;
  for (const scid of a.graph.sortedScids()) {
    const ca = a.graph.channel(scid)!;
    const fresh = ca.directions.map((d) => (d && d.lastUpdate >= first ? d : undefined));
    const cb = b.graph.channel(scid);
    if (!fresh[0] && !fresh[1]) {
      assert.is(cb, undefined);
      continue;
    }
    channels++;
    assert.ok(cb, `channel ${scid} missing`);
    assert.equal(cb!.directions, fresh);
  }
  assert.is(b.graph.channelCount, channels);
  assert.ok(channels > 100 && channels < 1500, `${channels} channels in range`);
  b.graph.forEachNode((id) => {
    const ts = a.graph.nodeAnnouncementTimestamp(id);
    assert.is(b.graph.nodeAnnouncementTimestamp(id), ts >= first ? ts : 0);
  });
  // A query sync afterwards brings B to A's graph.
  const b2 = new P2PGossipSync({ graph: b.graph, utxoLookup: streamUtxoLookup(s), verifier: new InlineVerifier(fast), now: () => now });
  await connectAndSync(b2, B, a, A);
  assert.equal(graphDigest(b.graph), graphDigest(a.graph));
});

t('on connect: gossip_timestamp_filter (and a range query) as BOLT 7 says, by peer features and initialSync mode', () => {
  const now = 1_800_000_000;
  const sent = (sync: P2PGossipSync, bits: number[]) => {
    sync.peerConnected(B, makeMessage('init', { globalfeatures: new Uint8Array(0), features: Features.fromBits(bits).toBytes() }), false);
    return sync.getAndClearPendingMsgEvents().flatMap((e) => (e.type === 'SendMessage' ? [e.msg as KnownMessage] : []));
  };
  // No gossip_queries: first_timestamp 0xFFFFFFFF, range 0 (no relays asked for), and no queries.
  let m = sent(mk(now), []);
  assert.equal(m.map((x) => x.type), ['gossip_timestamp_filter']);
  assert.equal([m[0]!.type === 'gossip_timestamp_filter' && m[0]!.firstTimestamp, m[0]!.type === 'gossip_timestamp_filter' && m[0]!.timestampRange], [0xffffffff, 0]);
  // gossip_queries (bit 7) and gossip_queries_ex (bit 11), default 'queries': new gossip from now, and the history by range query with timestamps and checksums.
  m = sent(mk(now), [7, 11]);
  assert.equal(m.map((x) => x.type), ['gossip_timestamp_filter', 'query_channel_range']);
  const f = m[0] as Extract<KnownMessage, { type: 'gossip_timestamp_filter' }>;
  assert.equal([f.firstTimestamp, f.timestampRange], [now, 0xffffffff]);
  const q = m[1] as Extract<KnownMessage, { type: 'query_channel_range' }>;
  assert.equal([q.firstBlocknum, q.numberOfBlocks, q.tlvs.queryOption], [0, 0xffffffff, 3n]);
  // Without gossip_queries_ex: no query_option.
  m = sent(mk(now), [7]);
  assert.is((m[1] as Extract<KnownMessage, { type: 'query_channel_range' }>).tlvs.queryOption, undefined);
  // 'filter': everything of the last two weeks through the filter, no queries; 'none': only the filter from now.
  m = sent(mk(now, { initialSync: 'filter' }), [7, 11]);
  assert.equal(m.map((x) => x.type), ['gossip_timestamp_filter']);
  assert.is((m[0] as typeof f).firstTimestamp, now - STALE_CHANNEL_SECONDS);
  m = sent(mk(now, { initialSync: 'none' }), [7, 11]);
  assert.equal(m.map((x) => x.type), ['gossip_timestamp_filter']);
  assert.is((m[0] as typeof f).firstTimestamp, now);
});

t('an initiator keeps at most maxWanted ids however many replies a peer sends', () => {
  const q = new QueryInitiator(false, 1000, 5000);
  const g = new NetworkGraph();
  q.start(s.chainHash);
  for (let k = 0; k < 20; k++) {
    const ids = Array.from({ length: 1000 }, (_, i) => (BigInt(k * 1000 + i + 1) << 40n));
    const done = q.onReplyChannelRange(g, makeMessage('reply_channel_range', { chainHash: s.chainHash, firstBlocknum: k * 1000, numberOfBlocks: 1000, syncComplete: 0, encodedShortIds: encodeShortChannelIds(ids), tlvs: {} }), 0);
    assert.not.ok(done);
  }
  assert.is(q.remaining, 5000);
  assert.is(q.droppedIds, 15_000);
  assert.is(q.repliedIds, 20_000);
});

t('reply_channel_range splits long ranges and follows BOLT 7 ordering rules', () => {
  const a = mkFull(s.latestTimestamp);
  const q = { type: 'query_channel_range', chainHash: s.chainHash, firstBlocknum: 0, numberOfBlocks: 0xffffffff, tlvs: { queryOption: 3n } } as const;
  // 1,500 channels at 400 ids a reply: really split (the default chunk is 2,000 with extras).
  const replies = answerChannelRange(a.graph, q as never, 400);
  assert.is(replies.length, Math.ceil(a.graph.channelCount / 400));
  const listed = replies.flatMap((r) => decodeShortChannelIds(r.encodedShortIds));
  assert.equal(listed, [...a.graph.sortedScids()]);
  assert.equal(replies.map((r) => decodeTimestamps(r.tlvs.timestampsTlv!.encodingType, r.tlvs.timestampsTlv!.encodedTimestamps).length), replies.map((r) => decodeShortChannelIds(r.encodedShortIds).length));
  // Each reply covers the blocks of the ids it lists, and the next starts no earlier.
  replies.forEach((r) => {
    for (const id of decodeShortChannelIds(r.encodedShortIds)) {
      const b = Number(id >> 40n);
      assert.ok(b >= r.firstBlocknum && b < r.firstBlocknum + r.numberOfBlocks);
    }
  });
  let prevFirst = -1;
  replies.forEach((r, i) => {
    assert.ok(r.firstBlocknum >= prevFirst);
    prevFirst = r.firstBlocknum;
    assert.is(r.syncComplete, i === replies.length - 1 ? 1 : 0);
  });
  assert.is(replies[0]!.firstBlocknum, 0);
  const last = replies[replies.length - 1]!;
  assert.ok(last.firstBlocknum + last.numberOfBlocks >= 0xffffffff);
});

t.run();
