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

test.run();
