/**
 * Query sync above 65k channels, where a JavaScript implementation once failed on recursion and
 * promise chains: the initiator's state machine, the responder's paced replies and the
 * validation pipeline (inline, and with async funding lookups and async batched signature
 * checks) must all run flat.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '@ln/crypto';
import type { UtxoLookup } from '@ln/chain-interfaces';
import { NetworkGraph, P2PGossipSync, TrustingVerifier, compareBytes, fundingScriptPubkey, saveGraphSnapshot, type SignatureVerifier } from '../src/index.js';
import { bytesEqual } from '../src/bytes.js';
import { graphDigest, node } from './helpers.js';
import { connectAndSync } from './pair.js';

const N = Number(process.env.LARGE_N ?? 70_000);
const now = () => 1_700_000_100;

/** A graph of N channels among 3,000 nodes with one update each; signatures are placeholders (checked by no one). */
function bigGraph(): NetworkGraph {
  const g = new NetworkGraph({ expectedChannels: N });
  const ids = Array.from({ length: 3000 }, (_, i) => {
    const id = new Uint8Array(33);
    id[0] = 2 + (i & 1);
    id.set(sha256(new TextEncoder().encode(`large ${i}`)), 1);
    return id;
  });
  const sig = new Uint8Array(64).fill(7);
  for (let i = 0; i < N; i++) {
    let a = ids[i % 3000]!;
    let b = ids[(i * 7 + 1) % 3000]!;
    if (a === b) b = ids[(i + 1) % 3000]!;
    if (compareBytes(a, b) > 0) [a, b] = [b, a];
    const scid = (BigInt(500_000 + (i >> 4)) << 40n) | (BigInt(i & 15) << 16n);
    g.addChannel({ scid, node1: a, node2: b, proof: { nodeSignature1: sig, nodeSignature2: sig, bitcoinSignature1: sig, bitcoinSignature2: sig, bitcoinKey1: a, bitcoinKey2: b } }, now());
    g.updateDirection(scid, { timestamp: 1_700_000_000, messageFlags: 1, channelFlags: i & 1, cltvExpiryDelta: 40, htlcMinimumMsat: 1n, feeBaseMsat: i, feeProportionalMillionths: 1, htlcMaximumMsat: 1_000_000n, signature: sig });
  }
  return g;
}

const g = bigGraph();

/** Compares two graphs: snapshot bytes (channels were added in the same order at the same time), else digests to name the first difference, without handing uvu a 70,000-line diff. */
function sameGraphs(a: NetworkGraph, b: NetworkGraph): void {
  if (bytesEqual(saveGraphSnapshot(a), saveGraphSnapshot(b))) return;
  const da = graphDigest(a);
  const db = graphDigest(b);
  assert.is(da.length, db.length);
  const i = da.findIndex((x, k) => x !== db[k]);
  assert.is(i, -1, i < 0 ? 'same content, different layout' : `first difference at ${i}: ${da[i]} vs ${db[i]}`);
  assert.unreachable('snapshots differ although the content is the same');
}

test('70,000 channels sync through gossip queries without recursion (inline checks)', async () => {
  const full = new P2PGossipSync({ graph: g, verifier: new TrustingVerifier(), now });
  const empty = new P2PGossipSync({ graph: new NetworkGraph(), verifier: new TrustingVerifier(), now, limits: { maxMessagesPerDrain: 5000, queryBatchSize: 5000 } });
  const traffic = await connectAndSync(empty, node('large-b').nodeId, full, node('large-a').nodeId);
  assert.is(empty.graph.channelCount, N);
  assert.is(traffic.query_short_channel_ids, Math.ceil(N / 5000));
  assert.ok(traffic.reply_channel_range! >= Math.floor(N / 2000));
  assert.is(traffic.channel_announcement, N);
  assert.is(traffic.channel_update, N);
  sameGraphs(empty.graph, g);
});

test('70,000 channels with async funding lookups and async batched signature checks: same graph, flat', async () => {
  // Every lookup is its own promise, every 256 checks one promise: nothing waits on a chain of earlier ones.
  const lookup: UtxoLookup = {
    getUtxo: async (_c, scid) => {
      const c = g.channel(scid)!; // bitcoin keys are the node ids in this graph
      return { ok: true, output: { valueSat: 1_000_000n, scriptPubkey: fundingScriptPubkey(c.node1, c.node2) } };
    },
  };
  let batches = 0;
  const asyncVerifier: SignatureVerifier = {
    name: 'async-trusting',
    batchSize: 256,
    verify: (checks) => new Promise((resolve) => setImmediate(() => (batches++, resolve(checks.map(() => -1))))),
  };
  const full = new P2PGossipSync({ graph: g, verifier: new TrustingVerifier(), now });
  const empty = new P2PGossipSync({ graph: new NetworkGraph(), verifier: asyncVerifier, utxoLookup: lookup, now, limits: { maxMessagesPerDrain: 10_000, queryBatchSize: 8000 } });
  await connectAndSync(empty, node('large-b').nodeId, full, node('large-a').nodeId);
  assert.is(empty.graph.channelCount, N);
  assert.ok(batches >= (2 * N) / 256, `${batches} batches`);
  assert.equal(empty.stats.rejected, {});
  // The lookup gave every channel its capacity; apart from that, the same graph.
  let withCapacity = 0;
  for (const scid of empty.graph.sortedScids()) {
    if (empty.graph.channel(scid)!.capacitySat === 1_000_000n) withCapacity++;
    empty.graph.setCapacity(scid, undefined);
  }
  assert.is(withCapacity, N);
  sameGraphs(empty.graph, g);
});

test.run();
