/**
 * `npm run bench` in @ln/gossip:
 * - full ingest of the generated mainnet-sized signed gossip stream (tooling/gossip-gen, from
 *   the Core Lightning 2026-02-03 topology) through `P2PGossipSync` with funding lookups, on
 *   each secp256k1 backend (native libsecp256k1, WASM, noble), inline and on worker threads:
 *   messages/s and total seconds, next to the bare verify rate of the same backend measured
 *   in the same run, as a ratio (ingest rate / the rate signature checks alone would allow);
 * - graph memory in bytes per channel at mainnet size (signed graph, and without signatures);
 * - snapshot save and load times of the mainnet-sized graph.
 *
 * noble is slow (~500-800 verifies/s), so by default it ingests only the messages of the
 * first 3,000 channels: `BENCH_LIMIT=noble=all` runs it whole, `BENCH_LIMIT=wasm=10000,noble=2000`
 * limits others. `BENCH_BACKENDS=native,wasm` picks backends. The pipeline alone (signatures
 * trusted) is measured too: the cost of everything but signature checks.
 */
import { availableParallelism } from 'node:os';
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { nobleSecp256k1, type Secp256k1 } from '@ln/crypto';
import { loadNativeSecp256k1, loadWasmSecp256k1 } from '@ln/crypto/node';
import { loadClnGossmap2026 } from '@ln/graph-snapshots/node';
import { decodeMessage, type ChannelAnnouncement, type ChannelUpdate, type NodeAnnouncement } from '@ln/wire';
import { cachedGossipStream, streamUtxoLookup, type GossipStream } from '../../../tooling/gossip-gen/index.js';
import { InlineVerifier, NetworkGraph, TrustingVerifier, P2PGossipSync, graphFromModel, loadGraphSnapshot, saveGraphSnapshot, type SignatureCheck, type SignatureVerifier } from '../src/index.js';
import { WorkerVerifier } from '../src/node.js';

const sha256d = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(createHash('sha256').update(b).digest()).digest());
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const threads = Math.max(1, availableParallelism());
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// ---- the stream ----
let t0 = performance.now();
const topology = loadClnGossmap2026();
const native = tryLoad(() => loadNativeSecp256k1());
const stream = cachedGossipStream(topology, { secp: native ?? nobleSecp256k1, name: 'cln-2026-02-03' });
const msgs = stream.messages;
const sigCount = stream.counts.channelAnnouncements * 4 + stream.counts.channelUpdates + stream.counts.nodeAnnouncements;
console.log(`stream: ${fmt(msgs.length)} messages (${fmt(stream.counts.channelAnnouncements)} channel_announcement, ${fmt(stream.counts.channelUpdates)} channel_update, ${fmt(stream.counts.nodeAnnouncements)} node_announcement), ${fmt(sigCount)} signatures, ${(sigCount / msgs.length).toFixed(2)} a message; ${stream.fromCache ? 'from cache' : 'generated'} in ${sec(performance.now() - t0)}`);

/** The signature checks of the stream, as the sync builds them. */
function checksOf(raws: readonly Uint8Array[]): SignatureCheck[] {
  const nodeOf = new Map<bigint, [Uint8Array, Uint8Array]>();
  const out: SignatureCheck[] = [];
  for (const raw of raws) {
    const m = decodeMessage(raw);
    if (m.type === 'channel_announcement') {
      nodeOf.set(m.shortChannelId, [m.nodeId1, m.nodeId2]);
      out.push({ message: raw.subarray(2 + 256), signatures: [m.nodeSignature1, m.nodeSignature2, m.bitcoinSignature1, m.bitcoinSignature2], publicKeys: [m.nodeId1, m.nodeId2, m.bitcoinKey1, m.bitcoinKey2] });
    } else if (m.type === 'channel_update') {
      out.push({ message: raw.subarray(2 + 64), signatures: [m.signature], publicKeys: [nodeOf.get(m.shortChannelId)![m.channelFlags & 1]!] });
    } else if (m.type === 'node_announcement') {
      out.push({ message: raw.subarray(2 + 64), signatures: [m.signature], publicKeys: [m.nodeId] });
    }
  }
  return out;
}

/** CPU milliseconds of this process (all threads) so far. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Bare verify cost of a backend: `secp.verify` over pre-hashed messages for at least `ms`: verifies per wall second and CPU µs per verify. */
function verifyCost(secp: Secp256k1, checks: readonly SignatureCheck[], ms = 1500): { rate: number; cpuUs: number } {
  const items: [Uint8Array, Uint8Array, Uint8Array][] = [];
  for (const c of checks.slice(0, 4000)) {
    const h = sha256d(c.message);
    c.signatures.forEach((s, i) => items.push([s, h, c.publicKeys[i]!]));
  }
  for (let i = 0; i < 50; i++) secp.verify(...items[i % items.length]!);
  let n = 0;
  const start = performance.now();
  const cpu0 = cpuMs();
  while (performance.now() - start < ms) {
    for (let k = 0; k < 50; k++) if (!secp.verify(...items[n++ % items.length]!)) throw new Error('bench data does not verify');
  }
  return { rate: n / ((performance.now() - start) / 1000), cpuUs: ((cpuMs() - cpu0) * 1000) / n };
}

/** A backend whose `verify` counts its calls and the time spent in them. */
function timedVerify(secp: Secp256k1): { secp: Secp256k1; ms: () => number; calls: () => number } {
  let ms = 0;
  let calls = 0;
  const wrapped: Secp256k1 = Object.create(secp);
  wrapped.verify = (sig, hash, pub) => {
    const a = performance.now();
    const r = secp.verify(sig, hash, pub);
    ms += performance.now() - a;
    calls++;
    return r;
  };
  return { secp: wrapped, ms: () => ms, calls: () => calls };
}

/** Feeds raw messages to a sync, with back-pressure; returns wall and CPU (all threads) milliseconds until everything is applied. */
async function ingest(sync: P2PGossipSync, raws: readonly Uint8Array[]): Promise<{ wall: number; cpu: number }> {
  const start = performance.now();
  const cpu0 = cpuMs();
  for (let i = 0; i < raws.length; i++) {
    const m = decodeMessage(raws[i]!);
    try {
      if (m.type === 'channel_announcement') sync.handleChannelAnnouncement(undefined, m as ChannelAnnouncement);
      else if (m.type === 'channel_update') sync.handleChannelUpdate(undefined, m as ChannelUpdate);
      else sync.handleNodeAnnouncement(undefined, m as NodeAnnouncement);
    } catch (e) {
      throw new Error(`message ${i} rejected: ${(e as Error).message}`);
    }
    if ((i & 1023) === 0 && sync.processingQueueHigh()) await sync.waitForQueueBelow(5000);
  }
  await sync.drain();
  return { wall: performance.now() - start, cpu: cpuMs() - cpu0 };
}

function newSync(s: GossipStream, verifier: SignatureVerifier): P2PGossipSync {
  return new P2PGossipSync({ graph: new NetworkGraph({ expectedChannels: s.counts.channelAnnouncements, expectedNodes: s.counts.nodeAnnouncements }), utxoLookup: streamUtxoLookup(s), verifier, now: () => s.latestTimestamp + 60 });
}

function checkComplete(sync: P2PGossipSync, raws: readonly Uint8Array[]): void {
  const a = sync.stats.accepted;
  const got = a.channelAnnouncements + a.channelUpdates + a.nodeAnnouncements;
  if (got !== raws.length || Object.keys(sync.stats.rejected).length) throw new Error(`accepted ${got} of ${raws.length}: ${JSON.stringify(sync.stats.rejected)}`);
}

function tryLoad(f: () => Secp256k1): Secp256k1 | undefined {
  try {
    return f();
  } catch (e) {
    console.log(`(backend not available: ${(e as Error).message})`);
    return undefined;
  }
}

// ---- ingest per backend ----
const allChecks = checksOf(msgs);
const wanted = (process.env.BENCH_BACKENDS ?? 'native,wasm,noble').split(',');
const limits = new Map((process.env.BENCH_LIMIT ?? 'noble=3000').split(',').map((kv) => kv.split('=') as [string, string]));
const backends: { name: 'native' | 'wasm' | 'noble'; secp: Secp256k1 | undefined }[] = [
  { name: 'native', secp: native },
  { name: 'wasm', secp: wanted.includes('wasm') ? tryLoad(() => loadWasmSecp256k1()) : undefined },
  { name: 'noble', secp: nobleSecp256k1 },
];
let fullGraph: NetworkGraph | undefined;
const rows: string[] = [];

// The pipeline alone: decoding, funding lookups, graph updates, no signature checks.
{
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const sync = newSync(stream, new TrustingVerifier());
    best = Math.min(best, (await ingest(sync, msgs)).wall);
    checkComplete(sync, msgs);
    fullGraph = sync.graph; // the same graph every verifier builds (the tests check it byte for byte)
  }
  const r = msgs.length / (best / 1000);
  console.log(`\npipeline without signature checks (TrustingVerifier): ${fmt(r)} messages/s, ${sec(best)} for the stream (${fmt((best * 1000) / msgs.length, 1)} µs a message; best of 3)`);
  rows.push(`| (none: signatures trusted) | inline | ${fmt(r)} | ${sec(best)} | | | | 0% | ${fmt((best * 1000) / msgs.length, 1)} µs | |`);
}
console.log(`\ningest (funding lookups on; ceiling = bare verify rate / ${(sigCount / msgs.length).toFixed(2)} signatures a message; ${threads} cores):`);
for (const b of backends) {
  if (!wanted.includes(b.name) || !b.secp) continue;
  let raws: readonly Uint8Array[] = msgs;
  const limit = limits.get(b.name);
  if (limit && limit !== 'all') raws = prefixOfChannels(stream, Number(limit));
  const sigs = checksOf(raws).reduce((n, c) => n + c.signatures.length, 0);
  const perMsg = sigs / raws.length;
  const partial = raws.length < msgs.length ? ` (first ${fmt(raws.length)} messages)` : '';
  // The ceiling: the bare verify cost measured just before and after each ingest (the machine's
  // load drifts). Two ratios: wall (messages/s over what verifying alone allows per wall second)
  // and CPU (CPU time verifying alone needs over the CPU time the ingest took, all threads):
  // the second is the overhead beyond signature checking whatever else runs on the machine.
  const v0 = verifyCost(b.secp, allChecks);
  console.log(`  ${b.name}${partial}: bare verify ${fmt(v0.rate)}/s, ${fmt(v0.cpuUs, 1)} µs CPU each → ${fmt(1e6 / (v0.cpuUs * perMsg))} messages/s per core`);
  const runs: { mode: string; sync: P2PGossipSync; verifier: SignatureVerifier; cores: number }[] = [];
  const timed = timedVerify(b.secp);
  runs.push({ mode: 'inline', sync: newSync(stream, new InlineVerifier(timed.secp, sha256d)), verifier: new InlineVerifier(timed.secp, sha256d), cores: 1 });
  for (const n of [...new Set([1, threads])]) {
    const wv = await WorkerVerifier.create({ threads: n, backend: b.name });
    if (wv.skipped.length) console.log(`    (workers: ${wv.skipped.join('; ')})`);
    runs.push({ mode: `${n} worker${n > 1 ? 's' : ''}`, sync: newSync(stream, wv), verifier: wv, cores: Math.min(n, threads) });
  }
  let prev = v0;
  let inlineGraph: NetworkGraph | undefined;
  for (const r of runs) {
    const t = await ingest(r.sync, raws);
    checkComplete(r.sync, raws);
    await r.verifier.close?.();
    const v1 = verifyCost(b.secp, allChecks, 750);
    const rate = (prev.rate + v1.rate) / 2;
    const cpuUs = (prev.cpuUs + v1.cpuUs) / 2;
    prev = v1;
    const wallCeiling = (r.cores * rate) / perMsg;
    const got = raws.length / (t.wall / 1000);
    const cpuPerMsg = (t.cpu * 1000) / raws.length;
    const cpuRatio = (perMsg * cpuUs) / cpuPerMsg;
    // In-run: the share of the ingest's wall time spent checking signatures (inline: inside secp.verify; workers: their busy time over n × wall).
    const checking = r.verifier instanceof WorkerVerifier ? r.verifier.busyMs / (r.cores * t.wall) : timed.ms() / t.wall;
    const inVerify = r.verifier instanceof WorkerVerifier ? ` workers busy checking ${(checking * 100).toFixed(0)}% of ${r.cores}× the wall time;` : ` ${(checking * 100).toFixed(0)}% of the wall time inside secp.verify;`;
    console.log(`    ${r.mode.padEnd(9)}: ${fmt(got)} messages/s, ${sec(t.wall)}; wall ratio ${(got / wallCeiling).toFixed(2)} (to ${r.cores}× ${fmt(rate / perMsg)}/s);${inVerify} ${fmt(cpuPerMsg, 1)} µs CPU a message, CPU ratio ${cpuRatio.toFixed(2)}`);
    rows.push(`| ${b.name} | ${r.mode} | ${fmt(got)} | ${sec(t.wall)}${partial} | ${fmt(rate)} | ${fmt(wallCeiling)} | ${(got / wallCeiling).toFixed(2)} | ${(checking * 100).toFixed(0)}% | ${fmt(cpuPerMsg, 1)} µs | ${cpuRatio.toFixed(2)} |`);
    if (!inlineGraph) inlineGraph = r.sync.graph;
    else if (r.sync.graph.channelCount !== inlineGraph.channelCount || r.sync.graph.nodeCount !== inlineGraph.nodeCount) throw new Error(`${r.mode} graph differs`);
  }
}

// ---- memory ----
console.log('\ngraph memory at mainnet size:');
if (fullGraph) {
  const g = fullGraph;
  console.log(`  signed graph (keeps signatures, can serve queries): ${fmt(g.channelCount)} channels, ${fmt(g.nodeCount)} nodes, ${fmt(g.memoryBytes() / 1e6, 1)} MB allocated, ${fmt(g.memoryBytes() / g.channelCount)} bytes per channel (nodes included)`);
}
const model = graphFromModel(topology);
console.log(`  2026 snapshot without signatures: ${fmt(model.channelCount)} channels, ${fmt(model.memoryBytes() / 1e6, 1)} MB, ${fmt(model.memoryBytes() / model.channelCount)} bytes per channel`);
const heapBefore = heapUsed();
const heapGraph = graphFromModel(topology);
const heapAfter = heapUsed();
console.log(`  (heap growth building it again: ${fmt((heapAfter - heapBefore) / heapGraph.channelCount)} bytes per channel, typed arrays included)`);

// ---- snapshots ----
const snapRows: string[] = [];
console.log('\nsnapshots:');
for (const [label, g] of [['signed graph', fullGraph], ['2026 snapshot, no signatures', model]] as const) {
  if (!g) continue;
  let bytes = saveGraphSnapshot(g);
  const save = best(() => (bytes = saveGraphSnapshot(g)));
  let loaded = loadGraphSnapshot(bytes);
  const load = best(() => (loaded = loadGraphSnapshot(bytes)));
  if (loaded.channelCount !== g.channelCount) throw new Error('snapshot lost channels');
  snapRows.push(`| ${label} | ${fmt(bytes.length / 1e6, 1)} MB | ${fmt(save, 1)} ms | ${fmt(load, 1)} ms |`);
  console.log(`  ${label}: ${fmt(bytes.length / 1e6, 1)} MB (${fmt(bytes.length / g.channelCount)} bytes per channel), save ${fmt(save, 1)} ms, load ${fmt(load, 1)} ms (best of 5)`);
}

console.log('\nmarkdown:\n| backend | mode | messages/s | total | bare verifies/s | wall ceiling messages/s | wall ratio | time checking signatures | CPU a message | CPU ratio |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log('\n| snapshot | size | save | load |\n|---|---:|---:|---:|');
for (const r of snapRows) console.log(r);

function best(f: () => void): number {
  let m = Infinity;
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    f();
    m = Math.min(m, performance.now() - s);
  }
  return m;
}

function heapUsed(): number {
  gc();
  gc();
  const u = process.memoryUsage();
  return u.heapUsed + u.arrayBuffers;
}

/** The messages of the first `n` channels (announcement, updates and the node announcements that follow them). */
function prefixOfChannels(s: GossipStream, n: number): Uint8Array[] {
  let seen = 0;
  for (let i = 0; i < s.messages.length; i++) {
    if (s.messages[i]![1] === 0 && s.messages[i]![0] === 1) {
      if (seen === n) return s.messages.slice(0, i);
      seen++;
    }
  }
  return s.messages;
}
