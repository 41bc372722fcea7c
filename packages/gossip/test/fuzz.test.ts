/**
 * Untrusted bytes into every gossip entry point: random and mutated gossip messages, gossip
 * queries and replies with garbage encodings, hostile gossip_store files. Each must end in a
 * typed error (a `LightningError` the PeerManager can act on, `DecodeError` from the wire
 * codec, `GossipStoreError`) or be handled; never another exception, a hang or a graph change
 * from a message whose signatures do not verify.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DecodeError, LightningError, decodeMessage, encodeMessage, makeMessage, type WireMessage } from '@ln/wire';
import { GossipStoreError, InlineVerifier, NetworkGraph, P2PGossipSync, readGossipStore } from '../src/index.js';
import { streamUtxoLookup, type GossipStream } from '../../../tooling/gossip-gen/index.js';
import { feed, graphDigest, MAINNET, node } from './helpers.js';
import { fast, stream } from './stream.js';

const t = suite('fuzz');
const PEER = node('fuzz-peer').nodeId;
let s: GossipStream;
let full: P2PGossipSync;

function mk(): P2PGossipSync {
  return new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: streamUtxoLookup(s), verifier: new InlineVerifier(fast), now: () => s.latestTimestamp + 60 });
}

/** Hands a decoded message to the handler that takes it; only typed errors may come out. */
function deliver(sync: P2PGossipSync, m: WireMessage): void {
  try {
    switch (m.type) {
      case 'channel_announcement':
        sync.handleChannelAnnouncement(PEER, m);
        break;
      case 'channel_update':
        sync.handleChannelUpdate(PEER, m);
        break;
      case 'node_announcement':
        sync.handleNodeAnnouncement(PEER, m);
        break;
      case 'query_channel_range':
        sync.handleQueryChannelRange(PEER, m);
        break;
      case 'reply_channel_range':
        sync.handleReplyChannelRange(PEER, m);
        break;
      case 'query_short_channel_ids':
        sync.handleQueryShortChannelIds(PEER, m);
        break;
      case 'reply_short_channel_ids_end':
        sync.handleReplyShortChannelIdsEnd(PEER, m);
        break;
      case 'gossip_timestamp_filter':
        sync.handleGossipTimestampFilter(PEER, m);
        break;
      default:
        break;
    }
  } catch (e) {
    if (!(e instanceof LightningError)) throw new Error(`${m.type}: untyped ${(e as Error).name}: ${(e as Error).message}`);
  }
}

/** Decodes raw bytes (a DecodeError is the wire codec's typed answer) and delivers them. */
function deliverRaw(sync: P2PGossipSync, raw: Uint8Array): void {
  let m: WireMessage;
  try {
    m = decodeMessage(raw);
  } catch (e) {
    if (e instanceof DecodeError) return;
    throw e;
  }
  deliver(sync, m);
}

t.before(() => {
  s = stream(300);
  full = mk();
  for (const m of s.messages) assert.is(feed(full, m), true);
});

t('mutated signed gossip is always rejected and never changes the graph', () => {
  const sync = mk();
  const before = graphDigest(sync.graph);
  const msgs = s.messages.filter((m) => m[1] === 0 || m[1] === 2); // channel_announcement, channel_update
  fc.assert(
    fc.property(fc.nat(msgs.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (k, edits) => {
      const raw = msgs[k]!.slice();
      for (const [i, x] of edits) raw[2 + (i % (raw.length - 2))] ^= x; // never the type
      deliverRaw(sync, raw);
    }),
    { numRuns: 1500 },
  );
  // Updates of unknown channels may be held; nothing may reach the graph.
  assert.equal(graphDigest(sync.graph), before);
  assert.is(sync.stats.accepted.channelAnnouncements + sync.stats.accepted.channelUpdates, 0);
});

t('random field values in gossip messages (invalid keys, features, addresses) give typed errors only', () => {
  const sync = mk();
  for (const m of s.messages.slice(0, 40)) feed(sync, m); // some known channels and nodes
  const b = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  const key = fc.oneof(b(33), b(33).map((k) => (k[0] = 2 + (k[0]! & 1), k)));
  const ann = fc.record({ sigs: fc.array(b(64), { minLength: 4, maxLength: 4 }), features: fc.uint8Array({ maxLength: 6 }), scid: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), keys: fc.array(key, { minLength: 4, maxLength: 4 }) }).map((r) =>
    makeMessage('channel_announcement', { nodeSignature1: r.sigs[0]!, nodeSignature2: r.sigs[1]!, bitcoinSignature1: r.sigs[2]!, bitcoinSignature2: r.sigs[3]!, features: r.features, chainHash: MAINNET, shortChannelId: r.scid, nodeId1: r.keys[0]!, nodeId2: r.keys[1]!, bitcoinKey1: r.keys[2]!, bitcoinKey2: r.keys[3]! }),
  );
  const knownScids = [...full.graph.sortedScids()].slice(0, 20);
  const upd = fc.record({ sig: b(64), scid: fc.oneof(fc.constantFrom(...knownScids), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })), ts: fc.nat(), mf: fc.integer({ min: 0, max: 255 }), cf: fc.integer({ min: 0, max: 255 }), cltv: fc.integer({ min: 0, max: 0xffff }), min: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), max: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fee: fc.nat() }).map((r) =>
    makeMessage('channel_update', { signature: r.sig, chainHash: MAINNET, shortChannelId: r.scid, timestamp: r.ts, messageFlags: r.mf, channelFlags: r.cf, cltvExpiryDelta: r.cltv, htlcMinimumMsat: r.min, feeBaseMsat: r.fee, feeProportionalMillionths: r.fee, htlcMaximumMsat: r.max }),
  );
  const knownNodes: Uint8Array[] = [];
  full.graph.forEachNode((id) => knownNodes.length < 20 && knownNodes.push(id));
  const na = fc.record({ sig: b(64), features: fc.uint8Array({ maxLength: 6 }), ts: fc.nat(), id: fc.oneof(fc.constantFrom(...knownNodes), key), alias: b(32), addresses: fc.uint8Array({ maxLength: 60 }) }).map((r) =>
    makeMessage('node_announcement', { signature: r.sig, features: r.features, timestamp: r.ts, nodeId: r.id, rgbColor: Uint8Array.of(1, 2, 3), alias: r.alias, addresses: r.addresses }),
  );
  const before = graphDigest(sync.graph);
  fc.assert(fc.property(fc.oneof(ann, upd, na), (m) => deliver(sync, m)), { numRuns: 1500 });
  // Through the wire codec too: encode, then decode what comes back.
  fc.assert(fc.property(fc.oneof(ann, upd, na), (m) => deliverRaw(sync, encodeMessage(m))), { numRuns: 300 });
  assert.equal(graphDigest(sync.graph), before);
});

t('gossip queries and replies with garbage encodings give typed errors only', async () => {
  // Responder: a full graph answering garbage queries.
  const responder = full;
  const anyBytes = fc.uint8Array({ maxLength: 120 });
  const encoded = fc.oneof(anyBytes, fc.tuple(fc.integer({ min: 0, max: 3 }), anyBytes).map(([e, b]) => Uint8Array.from([e, ...b])), fc.array(fc.constantFrom(...full.graph.sortedScids()), { maxLength: 12 }).map((ids) => {
    const out = new Uint8Array(1 + 8 * ids.length);
    const dv = new DataView(out.buffer);
    ids.forEach((id, i) => dv.setBigUint64(1 + 8 * i, id));
    return out;
  }));
  const qscid = fc.record({ ids: encoded, flags: fc.option(fc.record({ encodingType: fc.integer({ min: 0, max: 3 }), encodedQueryFlags: anyBytes }), { nil: undefined }) }).map((r) =>
    makeMessage('query_short_channel_ids', { chainHash: MAINNET, encodedShortIds: r.ids, tlvs: r.flags ? { queryFlags: r.flags } : {} }),
  );
  const qrange = fc.record({ first: fc.nat(), num: fc.nat(), opt: fc.option(fc.bigInt({ min: 0n, max: 1n << 62n }), { nil: undefined }) }).map((r) =>
    makeMessage('query_channel_range', { chainHash: MAINNET, firstBlocknum: r.first, numberOfBlocks: r.num, tlvs: r.opt === undefined ? {} : { queryOption: r.opt } }),
  );
  const filter = fc.record({ first: fc.nat(), range: fc.nat() }).map((r) => makeMessage('gossip_timestamp_filter', { chainHash: MAINNET, firstTimestamp: r.first, timestampRange: r.range }));
  fc.assert(
    fc.property(fc.oneof(qscid, qrange, filter), (m) => {
      deliver(responder, m);
      responder.getAndClearPendingMsgEvents(); // replies are built from the graph's own bytes
    }),
    { numRuns: 800 },
  );
  // Initiator: a sync that asked for a range, fed garbage replies.
  const reply = fc.record({ first: fc.nat(), num: fc.nat(), ids: encoded, ts: fc.option(fc.record({ encodingType: fc.integer({ min: 0, max: 3 }), encodedTimestamps: anyBytes }), { nil: undefined }), sums: fc.option(fc.array(fc.record({ checksumNodeId1: fc.nat(), checksumNodeId2: fc.nat() }), { maxLength: 6 }), { nil: undefined }) }).map((r) =>
    makeMessage('reply_channel_range', { chainHash: MAINNET, firstBlocknum: r.first, numberOfBlocks: r.num, syncComplete: 1, encodedShortIds: r.ids, tlvs: { ...(r.ts ? { timestampsTlv: r.ts } : {}), ...(r.sums ? { checksumsTlv: r.sums } : {}) } }),
  );
  const init = makeMessage('init', { globalfeatures: new Uint8Array(0), features: full.providedInitFeatures(PEER).toBytes() });
  fc.assert(
    fc.property(fc.array(fc.oneof(reply, fc.constant(makeMessage('reply_short_channel_ids_end', { chainHash: MAINNET, fullInformation: 1 }))), { minLength: 1, maxLength: 5 }), (replies) => {
      const initiator = mk();
      initiator.peerConnected(PEER, init, false);
      initiator.getAndClearPendingMsgEvents();
      for (const r of replies) deliver(initiator, r);
      initiator.getAndClearPendingMsgEvents();
    }),
    { numRuns: 500 },
  );
  // Raw bytes of query messages through the codec.
  fc.assert(fc.property(fc.constantFrom(261, 262, 263, 264, 265), anyBytes, (type, body) => deliverRaw(responder, Uint8Array.from([type >> 8, type & 255, ...body]))), { numRuns: 1000 });
});

t('property: gossip_store records written out read back (flags, timestamps, deleted and internal records)', () => {
  const rec = fc.record({ flags: fc.integer({ min: 0, max: 0xffff }), timestamp: fc.nat(), type: fc.oneof(fc.constantFrom(256, 257, 258), fc.integer({ min: 4096, max: 0xffff })), body: fc.uint8Array({ maxLength: 80 }) });
  fc.assert(
    fc.property(fc.array(rec, { maxLength: 15 }), fc.boolean(), (recs, includeDeleted) => {
      const parts: number[] = [12];
      for (const r of recs) {
        const len = 2 + r.body.length;
        parts.push(r.flags >> 8, r.flags & 255, len >> 8, len & 255, 0, 0, 0, 0, r.timestamp >>> 24, (r.timestamp >> 16) & 255, (r.timestamp >> 8) & 255, r.timestamp & 255, r.type >> 8, r.type & 255, ...r.body);
      }
      const got = readGossipStore(Uint8Array.from(parts), { includeDeleted });
      const want = recs.filter((r) => r.type < 4096 && (includeDeleted || !(r.flags & 0x8000)));
      assert.equal(got.map((g) => [g.flags, g.timestamp, Array.from(g.message)]), want.map((r) => [r.flags, r.timestamp, [r.type >> 8, r.type & 255, ...r.body]]));
    }),
    { numRuns: 300 },
  );
});

t('gossip_store reader: random, truncated and mutated files throw only GossipStoreError', () => {
  const records = s.messages.slice(0, 30);
  let size = 1;
  for (const m of records) size += 12 + m.length;
  const file = new Uint8Array(size);
  file[0] = 12;
  let o = 1;
  for (const m of records) {
    file[o + 2] = m.length >> 8;
    file[o + 3] = m.length & 255;
    file.set(m, o + 12);
    o += 12 + m.length;
  }
  assert.is(readGossipStore(file).length, 30);
  const only = (b: Uint8Array) => {
    try {
      for (const r of readGossipStore(b, { includeDeleted: true })) assert.ok(r.message.length >= 2);
    } catch (e) {
      if (!(e instanceof GossipStoreError)) throw e;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), only), { numRuns: 1000 });
  fc.assert(fc.property(fc.nat(file.length), (n) => only(file.subarray(0, n))), { numRuns: 500 });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (edits) => {
      const b = file.slice();
      for (const [i, v] of edits) b[i] = v;
      only(b);
    }),
    { numRuns: 1000 },
  );
});

t.run();
