/** Snapshot codec: round trips (generated signed graph, real mainnet model), property tests, fuzzed decoder. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { InlineVerifier, NetworkGraph, P2PGossipSync, SnapshotFormatError, graphFromModel, loadGraphSnapshot, saveGraphSnapshot, storedChannelAnnouncement, storedChannelUpdate } from '../src/index.js';
import { streamUtxoLookup } from '../../../tooling/gossip-gen/index.js';
import { feed, graphDigest, node, nodeAnnouncementRaw } from './helpers.js';
import { fast, stream, topology } from './stream.js';
import { compareBytes } from '../src/index.js';
import { encodeMessage as enc } from '@ln/wire';

const t = suite('snapshot');

function signedGraph(channels: number): NetworkGraph {
  const s = stream(channels);
  const sync = new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: streamUtxoLookup(s), verifier: new InlineVerifier(fast), now: () => s.latestTimestamp });
  for (const m of s.messages) feed(sync, m);
  return sync.graph;
}

t('round trip of a signed graph: identical content, identical bytes, stored messages re-created exactly', () => {
  const g = signedGraph(300);
  const bytes = saveGraphSnapshot(g);
  const h = loadGraphSnapshot(bytes);
  assert.equal(graphDigest(h), graphDigest(g));
  assert.equal(saveGraphSnapshot(h), bytes);
  const s = stream(300);
  const original = new Set(s.messages.map((m) => Buffer.from(m).toString('hex')));
  for (const scid of h.sortedScids()) {
    assert.ok(original.has(Buffer.from(enc(storedChannelAnnouncement(h, scid)!)).toString('hex')));
    for (const dir of [0, 1] as const) {
      const u = storedChannelUpdate(h, scid, dir);
      if (u) assert.ok(original.has(Buffer.from(enc(u)).toString('hex')));
    }
  }
  // Still a working graph: mutate after load.
  const first = h.sortedScids()[0]!;
  assert.ok(h.removeChannel(first));
  assert.is(h.channelCount, g.channelCount - 1);
});

t('round trip of the real 2026 mainnet model (no signatures)', () => {
  const g = graphFromModel(topology());
  const bytes = saveGraphSnapshot(g);
  const h = loadGraphSnapshot(bytes);
  assert.is(h.channelCount, 50_808);
  assert.is(h.nodeCount, 17_324);
  assert.equal(saveGraphSnapshot(h), bytes);
  const views: string[] = [];
  const views2: string[] = [];
  const key = (c: { scid: bigint; policies: readonly unknown[]; capacitySat?: bigint }) => `${c.scid}/${c.capacitySat}/${JSON.stringify(c.policies, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))}`;
  g.forEachChannel((c) => views.push(key(c)));
  h.forEachChannel((c) => views2.push(key(c)));
  assert.equal(views2, views);
});

const arbGraph = fc.record({
  channels: fc.array(
    fc.record({
      scid: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      a: fc.integer({ min: 0, max: 9 }),
      b: fc.integer({ min: 0, max: 9 }),
      cap: fc.option(fc.bigInt({ min: 0n, max: 21_000_000n * 100_000_000n }), { nil: undefined }),
      features: fc.uint8Array({ maxLength: 4 }),
      excess: fc.uint8Array({ maxLength: 3 }),
      proof: fc.boolean(),
      dirs: fc.array(fc.option(fc.record({ ts: fc.integer({ min: 1, max: 0xffffffff }), fee: fc.integer({ min: 0, max: 0xffffffff }), cltv: fc.integer({ min: 0, max: 0xffff }), min: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), max: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), flags: fc.integer({ min: 0, max: 255 }), excess: fc.uint8Array({ maxLength: 3 }) }), { nil: undefined }), { minLength: 2, maxLength: 2 }),
    }),
    { maxLength: 30 },
  ),
  announce: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 5 }),
  keep: fc.boolean(),
});
const keys = Array.from({ length: 10 }, (_, i) => node(`snap${i}`));

type Spec = typeof arbGraph extends fc.Arbitrary<infer T> ? T : never;
function build(spec: Spec): NetworkGraph {
  const g = new NetworkGraph({ keepSignatures: spec.keep });
  const rnd = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 255);
  spec.channels.forEach((c, i) => {
    if (c.a === c.b) return;
    const [x, y] = compareBytes(keys[c.a]!.nodeId, keys[c.b]!.nodeId) < 0 ? [keys[c.a]!, keys[c.b]!] : [keys[c.b]!, keys[c.a]!];
    const proof = c.proof ? { nodeSignature1: rnd(64, i), nodeSignature2: rnd(64, i + 1), bitcoinSignature1: rnd(64, i + 2), bitcoinSignature2: rnd(64, i + 3), bitcoinKey1: x.nodeId, bitcoinKey2: y.nodeId } : undefined;
    g.addChannel({ scid: c.scid, node1: x.nodeId, node2: y.nodeId, capacitySat: c.cap, features: c.features, excess: c.excess, proof }, i);
    c.dirs.forEach((d, dir) => {
      if (d) g.updateDirection(c.scid, { timestamp: d.ts, messageFlags: d.flags, channelFlags: (d.flags & ~1) | dir, cltvExpiryDelta: d.cltv, htlcMinimumMsat: d.min, feeBaseMsat: d.fee, feeProportionalMillionths: d.fee ^ 5, htlcMaximumMsat: d.max, signature: rnd(64, d.fee), excess: d.excess });
    });
  });
  for (const n of spec.announce) g.setNodeAnnouncement(keys[n]!.nodeId, 1_600_000_000 + n, nodeAnnouncementRaw(keys[n]!, 1_600_000_000 + n, `n${n}`));
  return g;
}

t('property: any graph round-trips to identical content and bytes', () => {
  fc.assert(
    fc.property(arbGraph, (spec) => {
      const g = build(spec);
      const bytes = saveGraphSnapshot(g);
      const h = loadGraphSnapshot(bytes);
      assert.equal(graphDigest(h), graphDigest(g));
      assert.equal(saveGraphSnapshot(h), bytes);
      for (const scid of g.sortedScids()) assert.equal(h.channel(scid), g.channel(scid));
    }),
    { numRuns: 200 },
  );
});

t('fuzz: mutated, truncated and random snapshots throw only SnapshotFormatError', () => {
  const base = saveGraphSnapshot(signedGraph(40));
  const only = (b: Uint8Array) => {
    try {
      loadGraphSnapshot(b);
    } catch (e) {
      if (!(e instanceof SnapshotFormatError)) throw new Error(`${(e as Error).name}: ${(e as Error).message}`);
    }
  };
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
      const b = base.slice();
      for (const [i, v] of edits) b[i] = v;
      only(b);
    }),
    { numRuns: 2000 },
  );
  fc.assert(fc.property(fc.nat(base.length), (n) => only(base.slice(0, n))), { numRuns: 500 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => only(b)), { numRuns: 500 });
  // Counts and section lengths are the likeliest to break a decoder: hit each u32 field.
  for (let i = 0; i + 4 <= Math.min(base.length, 4000); i += 1) {
    for (const v of [0, 1, 0xffffffff, 0x7fffffff]) {
      const b = base.slice();
      new DataView(b.buffer).setUint32(i, v, true);
      only(b);
    }
  }
});

t.run();
