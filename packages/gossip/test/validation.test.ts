/** Each BOLT 7 receiver rule of P2PGossipSync, one test each. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryChain, buildLegacyTx } from '@ln/test-kit';
import { chainHashOf, decodeShortChannelIds, encodeAddresses, encodeShortChannelIds, makeMessage, type MessageSendEvent } from '@ln/wire';
import type { UtxoLookup, UtxoResult } from '@ln/chain-interfaces';
import { GossipRejection, NetworkGraph, P2PGossipSync, type P2PGossipSyncConfig } from '../src/index.js';
import { announcement, announcementRaw, decoded, feed, fundingOf, node, nodeAnnouncement, testChannel, update, updateRaw } from './helpers.js';

const A = node('a');
const B = node('b');
const C = node('c');
const ch = testChannel(A, B, (700_000n << 40n) | (5n << 16n) | 1n);
const NOW = 1_700_000_100;

function mk(cfg: Partial<P2PGossipSyncConfig> = {}) {
  const lookup: UtxoLookup = { getUtxo: (_c, scid) => (scid === ch.scid ? { ok: true, output: fundingOf(ch) } : { ok: false, error: 'UnknownTx' }) };
  return new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: lookup, now: () => NOW, ...cfg });
}

function rejection(f: () => unknown): GossipRejection {
  try {
    f();
  } catch (e) {
    assert.instance(e, GossipRejection);
    return e as GossipRejection;
  }
  assert.unreachable('expected a rejection');
  throw new Error();
}

const t = suite('validation');

t('a valid announcement, updates and node announcement are accepted and relayed', () => {
  const s = mk();
  assert.is(s.handleChannelAnnouncement(undefined, announcement(ch)), true);
  assert.is(s.handleChannelUpdate(undefined, update(ch, 0)), true);
  assert.is(s.handleChannelUpdate(undefined, update(ch, 1, { feeBaseMsat: 7 })), true);
  assert.is(s.handleNodeAnnouncement(undefined, nodeAnnouncement(A)), true);
  const c = s.graph.channel(ch.scid)!;
  assert.is(c.capacitySat, ch.capacitySat);
  assert.is(c.directions[1]!.feeBaseMsat, 7);
  assert.is(s.graph.node(A.nodeId)!.alias, 'test');
});

for (const [i, name] of ['node_signature_1', 'node_signature_2', 'bitcoin_signature_1', 'bitcoin_signature_2'].entries()) {
  t(`bad ${name} is rejected with a warning`, () => {
    const signers = [ch.n1.secretKey, ch.n2.secretKey, ch.b1.secretKey, ch.b2.secretKey];
    signers[i] = C.secretKey;
    const e = rejection(() => mk().handleChannelAnnouncement(A.nodeId, announcement(ch, { signers })));
    assert.is(e.code, 'bad_signature');
    assert.match(e.message, name);
    assert.is(e.action.type, 'SendWarningMessage');
  });
}

t('a signature over other bytes (message tampered after signing) is rejected', () => {
  const raw = announcementRaw(ch);
  raw[raw.length - 1] ^= 1; // flips a bit of bitcoin_key_2: still a valid point prefix
  const e = rejection(() => mk().handleChannelAnnouncement(undefined, decoded(raw)));
  assert.is(e.code, 'bad_signature');
});

t('wrong chain is ignored', () => {
  const e = rejection(() => mk().handleChannelAnnouncement(undefined, announcement(ch, { chainHash: chainHashOf('testnet') })));
  assert.is(e.code, 'wrong_chain');
  const s = mk();
  s.handleChannelAnnouncement(undefined, announcement(ch));
  assert.is(rejection(() => s.handleChannelUpdate(undefined, update(ch, 0, { chainHash: chainHashOf('regtest') }))).code, 'wrong_chain');
});

t('wrong node id order is rejected', () => {
  const e = rejection(() => mk().handleChannelAnnouncement(undefined, announcement(ch, { swapNodes: true })));
  assert.is(e.code, 'node_order');
});

t('missing funding output is rejected', () => {
  const s = mk({ utxoLookup: { getUtxo: () => ({ ok: false, error: 'UnknownTx' }) } });
  assert.is(rejection(() => s.handleChannelAnnouncement(undefined, announcement(ch))).code, 'funding_missing');
  assert.is(s.graph.channelCount, 0);
});

t('spent funding output (real chain: funded, then spent) is rejected', () => {
  const chain = new MemoryChain();
  const script = fundingOf(ch).scriptPubkey;
  const fund = chain.fund(script, ch.capacitySat);
  chain.mine(6);
  const scid = chain.shortChannelIdOf(fund.outpoint)!;
  const c2 = { ...ch, scid };
  const lookup = { getUtxo: (h: Uint8Array, s: bigint) => chain.getUtxo(h, s) };
  const before = new P2PGossipSync({ graph: new NetworkGraph({ chainHash: chain.chainHash }), utxoLookup: lookup, now: () => NOW });
  assert.is(before.handleChannelAnnouncement(undefined, announcement(c2, { chainHash: chain.chainHash })), true);
  chain.mine(1, { txs: [buildLegacyTx([{ outpoint: fund.outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: ch.capacitySat - 500n, scriptPubkey: Uint8Array.of(0x51) }])] });
  const after = new P2PGossipSync({ graph: new NetworkGraph({ chainHash: chain.chainHash }), utxoLookup: lookup, now: () => NOW });
  assert.is(rejection(() => after.handleChannelAnnouncement(undefined, announcement(c2, { chainHash: chain.chainHash }))).code, 'funding_missing');
});

t('funding output that is not the 2-of-2 of the bitcoin keys is rejected', () => {
  const other = testChannel(A, C, 1n);
  const s = mk({ utxoLookup: { getUtxo: () => ({ ok: true, output: fundingOf(other) }) } });
  assert.is(rejection(() => s.handleChannelAnnouncement(undefined, announcement(ch))).code, 'funding_mismatch');
});

t('async UTXO lookups: accepted later, relayed through a BroadcastGossip event, order kept', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const lookup: UtxoLookup = { getUtxo: async (): Promise<UtxoResult> => (await gate, { ok: true, output: fundingOf(ch) }) };
  const s = mk({ utxoLookup: lookup });
  assert.is(s.handleChannelAnnouncement(B.nodeId, announcement(ch)), false);
  assert.is(s.handleChannelUpdate(B.nodeId, update(ch, 0)), false);
  assert.is(s.graph.channelCount, 0);
  release();
  await s.drain();
  assert.is(s.graph.channel(ch.scid)!.directions[0]!.lastUpdate, 1_700_000_000);
  const ev = s.getAndClearPendingMsgEvents().filter((e) => e.type === 'BroadcastGossip');
  assert.equal(ev.map((e) => e.type === 'BroadcastGossip' && e.msg.type), ['channel_announcement', 'channel_update']);
});

t('async lookup failure rejects later with no relay', async () => {
  const s = mk({ utxoLookup: { getUtxo: async () => ({ ok: false, error: 'UnknownTx' }) } });
  assert.is(s.handleChannelAnnouncement(B.nodeId, announcement(ch)), false);
  await s.drain();
  assert.is(s.graph.channelCount, 0);
  assert.is(s.stats.rejected.funding_missing, 1);
  assert.is(s.getAndClearPendingMsgEvents().filter((e) => e.type === 'BroadcastGossip').length, 0);
});

t('a replayed channel_update (same message again) is ignored as duplicate', () => {
  const s = mk();
  s.handleChannelAnnouncement(undefined, announcement(ch));
  const u = updateRaw(ch, 0);
  assert.is(feed(s, u), true);
  const e = feed(s, u) as GossipRejection;
  assert.is(e.code, 'duplicate');
  assert.is(e.action.type, 'IgnoreError');
});

t('an older channel_update is ignored as stale; an equal timestamp with other content too', () => {
  const s = mk();
  s.handleChannelAnnouncement(undefined, announcement(ch));
  s.handleChannelUpdate(undefined, update(ch, 1, { timestamp: 1_700_000_050 }));
  assert.is(rejection(() => s.handleChannelUpdate(undefined, update(ch, 1, { timestamp: 1_700_000_049 }))).code, 'stale');
  assert.is(rejection(() => s.handleChannelUpdate(undefined, update(ch, 1, { timestamp: 1_700_000_050, feeBaseMsat: 1 }))).code, 'stale');
  assert.is(s.graph.channel(ch.scid)!.directions[1]!.feeBaseMsat, 1000);
  assert.is(s.handleChannelUpdate(undefined, update(ch, 1, { timestamp: 1_700_000_051, feeBaseMsat: 1 })), true);
});

t('a channel_update signed by the other end of the channel is rejected', () => {
  const s = mk();
  s.handleChannelAnnouncement(undefined, announcement(ch));
  const e = rejection(() => s.handleChannelUpdate(A.nodeId, update(ch, 0, { signer: ch.n2.secretKey })));
  assert.is(e.code, 'wrong_signer');
  // BOLT 7 channel_update: an invalid signature "SHOULD send a `warning` and close the connection".
  assert.is(e.action.type, 'DisconnectPeerWithWarning');
  const bad = rejection(() => s.handleChannelUpdate(A.nodeId, update(ch, 1, { signer: C.secretKey })));
  assert.is(bad.code, 'bad_signature');
  assert.is(bad.action.type, 'DisconnectPeerWithWarning');
  assert.is(bad.action.type === 'DisconnectPeerWithWarning' && bad.action.msg.type, 'warning');
});

t('insane values: htlc_maximum below minimum or above capacity, timestamps far in the future', () => {
  const s = mk();
  s.handleChannelAnnouncement(undefined, announcement(ch));
  assert.is(rejection(() => s.handleChannelUpdate(undefined, update(ch, 0, { htlcMinimumMsat: 5000n, htlcMaximumMsat: 4000n }))).code, 'bad_values');
  assert.is(rejection(() => s.handleChannelUpdate(undefined, update(ch, 0, { htlcMaximumMsat: ch.capacitySat * 1000n + 1n }))).code, 'bad_values');
  assert.is(rejection(() => s.handleChannelUpdate(undefined, update(ch, 0, { timestamp: NOW + 2 * 86_400 }))).code, 'bad_values');
});

t('updates for an unknown channel are held, then applied when the announcement arrives', () => {
  const s = mk();
  assert.is(s.handleChannelUpdate(B.nodeId, update(ch, 0)), false);
  assert.is(s.heldUpdates, 1);
  s.handleChannelAnnouncement(B.nodeId, announcement(ch));
  assert.is(s.heldUpdates, 0);
  assert.ok(s.graph.channel(ch.scid)!.directions[0]);
});

t('held updates are dropped after the hold time', () => {
  const s = mk();
  s.handleChannelUpdate(B.nodeId, update(ch, 0));
  s.timerTickOccurred();
  s.timerTickOccurred();
  assert.is(s.heldUpdates, 0);
  s.handleChannelAnnouncement(B.nodeId, announcement(ch));
  assert.is(s.graph.channel(ch.scid)!.directions[0], undefined);
});

t('node_announcement: bad signature, unknown node, stale', () => {
  const s = mk();
  assert.is(rejection(() => s.handleNodeAnnouncement(undefined, nodeAnnouncement(A))).code, 'unknown_node');
  s.handleChannelAnnouncement(undefined, announcement(ch));
  assert.is(rejection(() => s.handleNodeAnnouncement(undefined, nodeAnnouncement(A, 1_700_000_000, 'x', B.secretKey))).code, 'bad_signature');
  assert.is(s.handleNodeAnnouncement(undefined, nodeAnnouncement(A, 1_700_000_010)), true);
  assert.is(rejection(() => s.handleNodeAnnouncement(undefined, nodeAnnouncement(A, 1_700_000_010))).code, 'duplicate');
  assert.is(rejection(() => s.handleNodeAnnouncement(undefined, nodeAnnouncement(A, 1_700_000_009))).code, 'stale');
  assert.is(rejection(() => s.handleNodeAnnouncement(undefined, nodeAnnouncement(A, 1_700_000_010, 'other'))).code, 'stale');
});

t('node_announcement with a truncated address list is rejected with a warning', () => {
  const s = mk();
  s.handleChannelAnnouncement(undefined, announcement(ch));
  const e = rejection(() => s.handleNodeAnnouncement(undefined, nodeAnnouncement(A, 1_700_000_000, 'x', undefined, Uint8Array.of(1, 127, 0))));
  assert.is(e.code, 'bad_values');
  assert.is(e.action.type, 'SendWarningMessage');
});

t('the same announcement twice is a duplicate', () => {
  const s = mk();
  s.handleChannelAnnouncement(undefined, announcement(ch));
  assert.is(rejection(() => s.handleChannelAnnouncement(undefined, announcement(ch))).code, 'duplicate');
});

t('dont_forward updates are stored but not relayed; channels with unknown even features are not routable', () => {
  const s = mk();
  s.handleChannelAnnouncement(undefined, announcement(ch));
  assert.is(s.handleChannelUpdate(undefined, update(ch, 0, { messageFlags: 3 })), false);
  assert.ok(s.graph.channel(ch.scid)!.directions[0]);
  const ch2 = testChannel(A, C, 42n);
  const s2 = new P2PGossipSync({ graph: new NetworkGraph(), now: () => NOW });
  s2.handleChannelAnnouncement(undefined, announcement(ch2, { features: Uint8Array.of(0x10, 0x00, 0x00) }));
  assert.is(s2.graph.channelCount, 1);
  let seen = 0;
  s2.graph.forEachChannel(() => seen++);
  assert.is(seen, 0);
});

t('per-peer rate limit: gossip beyond the allowance is dropped until the timer refills it', () => {
  const s = mk({ limits: { gossipBurst: 2, gossipPerTick: 1 } });
  const init = { type: 'init', globalfeatures: new Uint8Array(0), features: new Uint8Array(0), tlvs: {} } as const;
  s.peerConnected(C.nodeId, init as never, true);
  s.handleChannelAnnouncement(C.nodeId, announcement(ch));
  s.handleChannelUpdate(C.nodeId, update(ch, 0));
  assert.is(rejection(() => s.handleChannelUpdate(C.nodeId, update(ch, 1))).code, 'rate_limited');
  assert.is(s.handleChannelUpdate(B.nodeId, update(ch, 1)), true); // another peer is unaffected
  s.timerTickOccurred();
  assert.is(s.handleChannelUpdate(C.nodeId, update(ch, 1, { timestamp: 1_700_000_001 })), true);
});

const relays = (s: P2PGossipSync) =>
  s.getAndClearPendingMsgEvents().flatMap((e: MessageSendEvent) => (e.type === 'BroadcastGossip' ? [`${e.msg.type}<-${e.exceptNodeId ? (e.exceptNodeId === B.nodeId ? 'B' : e.exceptNodeId === C.nodeId ? 'C' : '?') : 'none'}`] : []));

t('relay: handlers return true for new gossip (the PeerManager relays it); repeats and private updates false; an announcement goes out with its first update, before it', () => {
  const s = mk();
  const ann = announcement(ch);
  assert.is(s.handleChannelAnnouncement(B.nodeId, ann), true);
  const peer = { type: 'init', globalfeatures: new Uint8Array(0), features: new Uint8Array(0), tlvs: {} } as const;
  s.peerConnected(C.nodeId, peer as never, true);
  s.handleGossipTimestampFilter(C.nodeId, makeMessage('gossip_timestamp_filter', { chainHash: s.graph.chainHash, firstTimestamp: 0, timestampRange: 0xffffffff }));
  s.getAndClearPendingMsgEvents();
  // BOLT 7: no channel_announcement without a channel_update: the PeerManager's relay of it is refused.
  assert.not.ok(s.shouldRelayTo(C.nodeId, ann));
  const u0 = update(ch, 0);
  assert.is(s.handleChannelUpdate(B.nodeId, u0), true);
  assert.not.ok(s.shouldRelayTo(C.nodeId, u0)); // it goes out as an event, after the announcement
  assert.equal(relays(s), ['channel_announcement<-B', 'channel_update<-B']);
  assert.is(rejection(() => s.handleChannelUpdate(C.nodeId, update(ch, 0))).code, 'duplicate');
  assert.is(s.handleChannelUpdate(B.nodeId, update(ch, 1, { messageFlags: 3 })), false); // dont_forward
  assert.is(s.handleNodeAnnouncement(B.nodeId, nodeAnnouncement(A, 1_700_000_001)), true);
  // BOLT 7: a node_announcement with more than one DNS hostname is not forwarded.
  const twoDns = encodeAddresses([{ type: 'dns', hostname: 'a.example', port: 9735 }, { type: 'dns', hostname: 'b.example', port: 9735 }]);
  assert.is(s.handleNodeAnnouncement(B.nodeId, nodeAnnouncement(B, 1_700_000_001, 'b', undefined, twoDns)), false);
  assert.is(s.graph.nodeAnnouncementTimestamp(B.nodeId), 1_700_000_001);
  assert.equal(relays(s), []);
});

t('relay through events: each new message once, naming the peer it came from, never repeats or private updates', () => {
  const s = mk({ relayViaEvents: true });
  assert.is(s.handleChannelAnnouncement(B.nodeId, announcement(ch)), false);
  assert.is(s.handleChannelUpdate(C.nodeId, update(ch, 0)), false);
  assert.equal(relays(s), ['channel_announcement<-B', 'channel_update<-C']);
  rejection(() => s.handleChannelUpdate(B.nodeId, update(ch, 0)));
  s.handleChannelUpdate(B.nodeId, update(ch, 1, { messageFlags: 3 }));
  assert.ok(s.graph.channel(ch.scid)!.directions[1]);
  s.handleNodeAnnouncement(undefined, nodeAnnouncement(A, 1_700_000_001));
  assert.equal(relays(s), ['node_announcement<-none']);
});

t('relay: an update held for its channel is relayed once the announcement makes it valid', () => {
  for (const viaEvents of [false, true]) {
    const s = mk({ relayViaEvents: viaEvents });
    assert.is(s.handleChannelUpdate(C.nodeId, update(ch, 1)), false);
    assert.equal(relays(s), []);
    assert.is(s.handleChannelAnnouncement(B.nodeId, announcement(ch)), !viaEvents);
    assert.equal(relays(s), ['channel_announcement<-B', 'channel_update<-C']);
    // A held update that turns out forged is dropped, not relayed, and so is the announcement (no update yet).
    const s2 = mk({ relayViaEvents: viaEvents });
    s2.handleChannelUpdate(C.nodeId, update(ch, 1, { signer: C.secretKey }));
    s2.handleChannelAnnouncement(B.nodeId, announcement(ch));
    assert.equal(relays(s2), []);
    assert.is(s2.stats.rejected.bad_signature, 1);
  }
});

t('relay honours each peer\'s gossip_timestamp_filter (shouldRelayTo): nothing before a filter, whatever the features; spent channels never', () => {
  const s = mk();
  const plain = { type: 'init', globalfeatures: new Uint8Array(0), features: new Uint8Array(0), tlvs: {} } as const;
  const queries = { ...plain, features: s.providedInitFeatures(C.nodeId).toBytes() };
  s.peerConnected(B.nodeId, plain as never, true);
  s.peerConnected(C.nodeId, queries as never, true);
  assert.ok(s.handleChannelAnnouncement(undefined, announcement(ch)));
  assert.ok(s.handleChannelUpdate(undefined, update(ch, 1, { timestamp: NOW - 60 })));
  const u = update(ch, 0, { timestamp: NOW - 100 });
  const ann = announcement(ch);
  // BOLT 7 "MUST not send gossip it did not generate itself, until it receives gossip_timestamp_filter".
  assert.not.ok(s.shouldRelayTo(B.nodeId, u) || s.shouldRelayTo(B.nodeId, ann)); // no gossip_queries, no filter
  assert.not.ok(s.shouldRelayTo(C.nodeId, u)); // gossip_queries and no filter yet
  assert.not.ok(s.shouldRelayTo(A.nodeId, u)); // not connected
  s.handleGossipTimestampFilter(B.nodeId, makeMessage('gossip_timestamp_filter', { chainHash: s.graph.chainHash, firstTimestamp: 0, timestampRange: 0xffffffff }));
  assert.ok(s.shouldRelayTo(B.nodeId, u) && s.shouldRelayTo(B.nodeId, ann));
  s.handleGossipTimestampFilter(C.nodeId, makeMessage('gossip_timestamp_filter', { chainHash: s.graph.chainHash, firstTimestamp: NOW - 50, timestampRange: 0xffffffff }));
  assert.not.ok(s.shouldRelayTo(C.nodeId, u)); // older than first_timestamp
  assert.ok(s.shouldRelayTo(C.nodeId, update(ch, 0, { timestamp: NOW - 50 })));
  assert.not.ok(s.shouldRelayTo(C.nodeId, ann)); // takes its latest update's timestamp: NOW - 60
  assert.ok(s.shouldRelayTo(C.nodeId, nodeAnnouncement(A, NOW)));
  s.handleGossipTimestampFilter(C.nodeId, makeMessage('gossip_timestamp_filter', { chainHash: s.graph.chainHash, firstTimestamp: NOW - 200, timestampRange: 100 }));
  assert.not.ok(s.shouldRelayTo(C.nodeId, u)); // first + range is exclusive
  assert.ok(s.shouldRelayTo(C.nodeId, update(ch, 0, { timestamp: NOW - 101 })));
  assert.not.ok(s.shouldRelayTo(C.nodeId, ann)); // NOW - 60 is past the range
  // A filter with first_timestamp 0xFFFFFFFF and range 0 (BOLT 7's "no gossip" filter): nothing.
  s.handleGossipTimestampFilter(B.nodeId, makeMessage('gossip_timestamp_filter', { chainHash: s.graph.chainHash, firstTimestamp: 0xffffffff, timestampRange: 0 }));
  assert.not.ok(s.shouldRelayTo(B.nodeId, u) || s.shouldRelayTo(B.nodeId, ann));
  s.peerDisconnected(C.nodeId);
  assert.not.ok(s.shouldRelayTo(C.nodeId, u));
});

t('a channel whose funding output is spent is not relayed, backfilled or listed in replies', () => {
  const chain = new MemoryChain();
  const fund = chain.fund(fundingOf(ch).scriptPubkey, ch.capacitySat);
  chain.mine(6);
  const c2 = { ...ch, scid: chain.shortChannelIdOf(fund.outpoint)! };
  const lookup: UtxoLookup = { getUtxo: (h, scid) => {
    const r = chain.getUtxo(h, scid);
    return r.ok ? { ...r, outpoint: fund.outpoint } : r;
  } };
  const s = new P2PGossipSync({ graph: new NetworkGraph({ chainHash: chain.chainHash }), utxoLookup: lookup, chainFilter: chain.filter, now: () => NOW });
  chain.subscribe(s.chainWatcher);
  const ann = announcement(c2, { chainHash: chain.chainHash });
  assert.ok(s.handleChannelAnnouncement(undefined, ann));
  assert.ok(s.handleChannelUpdate(undefined, update(c2, 0, { chainHash: chain.chainHash })));
  const init = { type: 'init', globalfeatures: new Uint8Array(0), features: s.providedInitFeatures(B.nodeId).toBytes(), tlvs: {} } as const;
  s.peerConnected(B.nodeId, init as never, true);
  s.getAndClearPendingMsgEvents();
  s.handleGossipTimestampFilter(B.nodeId, makeMessage('gossip_timestamp_filter', { chainHash: chain.chainHash, firstTimestamp: 0, timestampRange: 0xffffffff }));
  const spend = buildLegacyTx([{ outpoint: fund.outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: ch.capacitySat - 500n, scriptPubkey: Uint8Array.of(0x51) }]);
  chain.mine(1, { txs: [spend] });
  assert.ok(s.graph.hasChannel(c2.scid) && s.chainWatcher.isSpent(c2.scid));
  assert.not.ok(s.shouldRelayTo(B.nodeId, ann));
  const sent = s.getAndClearPendingMsgEvents().flatMap((e) => (e.type === 'SendMessage' ? [e.msg.type] : []));
  assert.equal(sent, []); // the backfill skips it
  s.handleQueryShortChannelIds(B.nodeId, makeMessage('query_short_channel_ids', { chainHash: chain.chainHash, encodedShortIds: encodeShortChannelIds([c2.scid]), tlvs: {} }));
  s.handleQueryChannelRange(B.nodeId, makeMessage('query_channel_range', { chainHash: chain.chainHash, firstBlocknum: 0, numberOfBlocks: 0xffffffff, tlvs: {} }));
  const replies = s.getAndClearPendingMsgEvents().flatMap((e) => (e.type === 'SendMessage' ? [e.msg] : []));
  assert.equal(replies.map((m) => m.type).sort(), ['reply_channel_range', 'reply_short_channel_ids_end']);
  const range = replies.find((m) => m.type === 'reply_channel_range') as { encodedShortIds: Uint8Array };
  assert.equal(decodeShortChannelIds(range.encodedShortIds), []);
});

t('NetGraphMsgHandler is the same class', async () => {
  const { NetGraphMsgHandler, P2PGossipSync: P } = await import('../src/index.js');
  assert.is(NetGraphMsgHandler, P);
});

t.run();
