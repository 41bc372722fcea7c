/** BOLT 7 receiver rules beyond validation: unknown even features, relay filters, addresses, cheap checks first. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { UtxoLookup } from '@ln/chain-interfaces';
import { Features, encodeAddresses, encodeMessage, makeMessage, type NodeAnnouncement } from '@ln/wire';
import { GossipRejection, InlineVerifier, NetworkGraph, P2PGossipSync, loadGraphSnapshot, saveGraphSnapshot, type ChannelView, type P2PGossipSyncConfig, type SignatureVerifier } from '../src/index.js';
import { announcement, decoded, fundingOf, node, sign, testChannel, update, type TestNode } from './helpers.js';

const A = node('sr-a');
const B = node('sr-b');
const C = node('sr-c');
const ab = testChannel(A, B, (700_000n << 40n) | 1n);
const bc = testChannel(B, C, (700_001n << 40n) | 1n);
const NOW = 1_700_000_100;

function mk(cfg: Partial<P2PGossipSyncConfig> = {}) {
  const lookup: UtxoLookup = { getUtxo: (_c, scid) => ({ ok: true, output: fundingOf(scid === ab.scid ? ab : bc) }) };
  const s = new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: lookup, now: () => NOW, ...cfg });
  for (const ch of [ab, bc]) {
    assert.ok(s.handleChannelAnnouncement(undefined, announcement(ch)));
    assert.ok(s.handleChannelUpdate(undefined, update(ch, 0)));
    assert.ok(s.handleChannelUpdate(undefined, update(ch, 1)));
  }
  return s;
}

function nodeAnn(n: TestNode, timestamp: number, features: Uint8Array, addresses: Uint8Array = new Uint8Array(0)): NodeAnnouncement {
  const raw = encodeMessage(makeMessage('node_announcement', {
    signature: new Uint8Array(64), features, timestamp, nodeId: n.nodeId, rgbColor: Uint8Array.of(1, 2, 3), alias: new Uint8Array(32), addresses,
  }));
  return decoded<NodeAnnouncement>(sign(raw, [n.secretKey]));
}

const routed = (g: NetworkGraph) => {
  const out: bigint[] = [];
  g.forEachChannel((c: ChannelView) => out.push(c.scid));
  return out.sort();
};

test('a node_announcement with an unknown even feature bit: channels stay in the router view, features exposed (BOLT 7: router must not route through, may pay it)', () => {
  const s = mk();
  assert.equal(routed(s.graph), [ab.scid, bc.scid]);
  assert.ok(s.handleNodeAnnouncement(undefined, nodeAnn(B, 1_700_000_001, Features.fromBits([100]).toBytes())));
  assert.not.ok(s.graph.isNodeRoutable(B.nodeId));
  assert.ok(s.graph.isNodeRoutable(A.nodeId));
  // Kept: the router needs B's channels to pay B with an invoice lacking bit 100, and reads the bit itself.
  assert.equal(routed(s.graph), [ab.scid, bc.scid]);
  assert.equal(Features.fromBytes(s.graph.nodeFeatures(B.nodeId)!).unknownRequiredBits(), [100]);
  // An unknown *odd* bit is fine; the flag and the features survive a snapshot.
  assert.ok(s.handleNodeAnnouncement(undefined, nodeAnn(C, 1_700_000_001, Features.fromBits([101]).toBytes())));
  const again = loadGraphSnapshot(saveGraphSnapshot(s.graph));
  assert.not.ok(again.isNodeRoutable(B.nodeId));
  assert.ok(again.isNodeRoutable(C.nodeId));
  assert.equal(routed(again), [ab.scid, bc.scid]);
  assert.equal(Features.fromBytes(again.nodeFeatures(B.nodeId)!).unknownRequiredBits(), [100]);
  // A newer announcement without the bit makes it routable again.
  assert.ok(s.handleNodeAnnouncement(undefined, nodeAnn(B, 1_700_000_002, Features.fromBits([101]).toBytes())));
  assert.ok(s.graph.isNodeRoutable(B.nodeId));
  assert.equal(Features.fromBytes(s.graph.nodeFeatures(B.nodeId)!).unknownRequiredBits(), []);
});

test('a channel_announcement with an unknown even feature bit is stored and relayed, but not routed through (BOLT 7 MUST NOT)', () => {
  const s = mk();
  const ac = testChannel(A, C, (700_002n << 40n) | 1n);
  const lookup: UtxoLookup = { getUtxo: () => ({ ok: true, output: fundingOf(ac) }) };
  const t = new P2PGossipSync({ graph: s.graph, utxoLookup: lookup, now: () => NOW });
  assert.ok(t.handleChannelAnnouncement(undefined, announcement(ac, { features: Features.fromBits([200]).toBytes() })));
  assert.ok(t.handleChannelUpdate(undefined, update(ac, 0)));
  assert.ok(s.graph.hasChannel(ac.scid));
  assert.not.ok(routed(s.graph).includes(ac.scid));
});

test('node(): addresses with port 0 and DNS names after the first are ignored (BOLT 7 SHOULD)', () => {
  const s = mk();
  const addrs = encodeAddresses([
    { type: 'ipv4', addr: Uint8Array.of(1, 2, 3, 4), port: 0 },
    { type: 'ipv4', addr: Uint8Array.of(1, 2, 3, 5), port: 9735 },
    { type: 'ipv6', addr: new Uint8Array(16).fill(1), port: 0 },
    { type: 'dns', hostname: 'a.example', port: 9735 },
    { type: 'dns', hostname: 'b.example', port: 9735 },
  ]);
  // More than one DNS name: stored, not relayed (BOLT 7 "MUST not forward").
  assert.is(s.handleNodeAnnouncement(undefined, nodeAnn(A, 1_700_000_001, new Uint8Array(0), addrs)), false);
  const got = s.graph.node(A.nodeId)!.addresses;
  assert.equal(got.map((a) => (a.type === 'dns' ? a.hostname : `${a.type}:${a.port}`)), ['ipv4:9735', 'a.example']);
});

test('replayed and stale channel_updates and node_announcements are refused before any signature check', () => {
  let checks = 0;
  const inline = new InlineVerifier();
  const counting: SignatureVerifier = { name: 'counting', batchSize: 1, verify: (c) => ((checks += c.length), inline.verify(c)) };
  const s = mk({ verifier: counting });
  checks = 0;
  const u = update(ab, 0, { timestamp: 1_700_000_050 });
  assert.ok(s.handleChannelUpdate(undefined, u));
  const na = nodeAnn(A, 1_700_000_050, new Uint8Array(0));
  assert.ok(s.handleNodeAnnouncement(undefined, na));
  assert.is(checks, 2);
  const codes: string[] = [];
  for (let i = 0; i < 50; i++) {
    for (const f of [() => s.handleChannelUpdate(undefined, u), () => s.handleChannelUpdate(undefined, update(ab, 0, { timestamp: 1_700_000_049 })), () => s.handleNodeAnnouncement(undefined, na), () => s.handleNodeAnnouncement(undefined, nodeAnn(A, 1_700_000_049, new Uint8Array(0)))]) {
      try {
        f();
      } catch (e) {
        codes.push((e as GossipRejection).code);
      }
    }
  }
  assert.is(checks, 2);
  assert.equal([...new Set(codes)].sort(), ['duplicate', 'stale']);
  assert.is(codes.length, 200);
});

const rejectionOf = (f: () => unknown): GossipRejection => {
  try {
    f();
  } catch (e) {
    if (e instanceof GossipRejection) return e;
    throw e;
  }
  throw new Error('not rejected');
};

test('a channel_announcement with fewer than 6 confirmations at the known height is ignored (BOLT 7 SHOULD); unknown height: accepted', () => {
  const lookup: UtxoLookup = { getUtxo: () => ({ ok: true, output: fundingOf(ab) }) };
  let height = 700_004; // ab's block 700,000 has 5 confirmations
  const s = new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: lookup, now: () => NOW, chainHeight: () => height });
  const e = rejectionOf(() => s.handleChannelAnnouncement(A.nodeId, announcement(ab)));
  assert.is(e.code, 'too_recent');
  assert.is(e.action.type, 'IgnoreAndLog');
  assert.not.ok(s.graph.hasChannel(ab.scid));
  height = 700_005; // 6 confirmations
  assert.ok(s.handleChannelAnnouncement(A.nodeId, announcement(ab)));
  // The height the chain watcher was fed counts when no chainHeight is given; lowering the limit accepts "close to 6".
  const w = new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: lookup, now: () => NOW });
  w.chainWatcher.bestBlockUpdated(undefined as never, 700_003);
  assert.is(rejectionOf(() => w.handleChannelAnnouncement(A.nodeId, announcement(ab))).code, 'too_recent');
  const lax = new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: lookup, now: () => NOW, limits: { minFundingConfirmations: 4 } });
  lax.chainWatcher.bestBlockUpdated(undefined as never, 700_003);
  assert.ok(lax.handleChannelAnnouncement(A.nodeId, announcement(ab)));
  // Height unknown (0): no rule.
  assert.ok(new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: lookup, now: () => NOW }).handleChannelAnnouncement(A.nodeId, announcement(ab)));
});

test('a valid conflicting channel_announcement (same funding output, other node ids) blacklists both pairs, forgets their channels, and the scid stays ignored (BOLT 7 SHOULD)', () => {
  const s = mk();
  const D = node('sr-d');
  const E = node('sr-e');
  const de = testChannel(D, E, (700_003n << 40n) | 1n);
  const t = new P2PGossipSync({
    graph: s.graph, now: () => NOW,
    utxoLookup: { getUtxo: (_c, scid) => ({ ok: true, output: fundingOf(scid === de.scid ? de : scid === bc.scid ? bc : ab) }) },
  });
  assert.ok(t.handleChannelAnnouncement(undefined, announcement(de)));
  // Same scid and bitcoin keys as A–B (so the same funding output), but between A and C.
  const conflicting = testChannel(A, C, ab.scid);
  const e = rejectionOf(() => t.handleChannelAnnouncement(D.nodeId, announcement(conflicting)));
  assert.is(e.code, 'conflicting');
  // A, B and C are blacklisted: every channel of theirs is forgotten; D–E stays.
  assert.not.ok(s.graph.hasChannel(ab.scid));
  assert.not.ok(s.graph.hasChannel(bc.scid));
  assert.ok(s.graph.hasChannel(de.scid));
  assert.equal(t.blacklist.size, { nodes: 3, scids: 1 });
  // The original announcement again, or any channel of a blacklisted node: ignored.
  assert.is(rejectionOf(() => t.handleChannelAnnouncement(undefined, announcement(ab))).code, 'blacklisted');
  assert.is(rejectionOf(() => t.handleChannelAnnouncement(undefined, announcement(bc))).code, 'blacklisted');
  assert.is(rejectionOf(() => t.handleChannelAnnouncement(undefined, announcement(testChannel(D, E, ab.scid)))).code, 'blacklisted');
  assert.equal(routed(s.graph), [de.scid]);
});

test('conflicts are only blacklisted once the funding output was checked; a forged second announcement is a plain duplicate', () => {
  // Without a UtxoLookup, "the same transaction" cannot be known: anyone could announce the scid with their own keys.
  const s = new P2PGossipSync({ graph: new NetworkGraph(), now: () => NOW });
  assert.ok(s.handleChannelAnnouncement(undefined, announcement(ab)));
  const forged = testChannel(A, C, ab.scid);
  assert.is(rejectionOf(() => s.handleChannelAnnouncement(undefined, announcement(forged))).code, 'duplicate');
  assert.ok(s.graph.hasChannel(ab.scid));
  assert.equal(s.blacklist.size, { nodes: 0, scids: 0 });
  // With a lookup, an announcement whose bitcoin keys do not make the funding output is not a conflict either.
  const t = mk();
  const other = { ...testChannel(A, C, ab.scid), b1: node('sr-x1'), b2: node('sr-x2') };
  assert.is(rejectionOf(() => t.handleChannelAnnouncement(undefined, announcement(other))).code, 'funding_mismatch');
  assert.ok(t.graph.hasChannel(ab.scid));
});

test('a channel_update with a bad signature: warning and disconnect (BOLT 7 SHOULD), also when checked later by an async verifier', async () => {
  const s = mk();
  const e = rejectionOf(() => s.handleChannelUpdate(C.nodeId, update(ab, 0, { timestamp: 1_700_000_060, signer: C.secretKey })));
  assert.is(e.code, 'bad_signature');
  assert.is(e.action.type, 'DisconnectPeerWithWarning');
  const inline = new InlineVerifier();
  const later: SignatureVerifier = { name: 'later', batchSize: 8, verify: (c) => new Promise((r) => setImmediate(() => r(inline.verify(c)))) };
  const t = mk();
  const u = new P2PGossipSync({ graph: t.graph, now: () => NOW, verifier: later });
  u.peerConnected(C.nodeId, makeMessage('init', { globalfeatures: new Uint8Array(0), features: u.providedInitFeatures(C.nodeId).toBytes() }), true);
  u.getAndClearPendingMsgEvents();
  assert.is(u.handleChannelUpdate(C.nodeId, update(ab, 0, { timestamp: 1_700_000_060, signer: C.secretKey })), false);
  await u.drain();
  const ev = u.getAndClearPendingMsgEvents().filter((x) => x.type === 'HandleError');
  assert.is(ev.length, 1);
  assert.is(ev[0]!.type === 'HandleError' && ev[0]!.action.type, 'DisconnectPeerWithWarning');
});

test.run();
