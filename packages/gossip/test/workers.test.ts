/** Bulk validation on worker threads gives the graph inline checking gives, in the same order. */
import { suite } from 'uvu';
import fc from 'fast-check';
import { packChecks, unpackChecks } from '../src/node/pack.js';
import * as assert from 'uvu/assert';
import { InlineVerifier, NetworkGraph, P2PGossipSync, saveGraphSnapshot, type SignatureVerifier } from '../src/index.js';
import { WorkerVerifier } from '../src/node.js';
import { streamUtxoLookup } from '../../../tooling/gossip-gen/index.js';
import { feed, graphDigest } from './helpers.js';
import { bytesEqual as bytesEq } from '../src/bytes.js';
import { fast, stream } from './stream.js';

const t = suite('workers');

/** The stream with every 7th message's signature corrupted, and some updates replayed. */
function tampered(): Uint8Array[] {
  const s = stream(400);
  const out: Uint8Array[] = [];
  s.messages.forEach((m, i) => {
    const c = m.slice();
    if (i % 7 === 3) c[10] ^= 1;
    out.push(c);
    if (i % 11 === 5) out.push(m); // a replay right after
  });
  return out;
}

async function ingest(verifier: SignatureVerifier, messages: Uint8Array[], asyncUtxo: boolean) {
  const s = stream(400);
  const sync = new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: streamUtxoLookup(s, { async: asyncUtxo }), verifier, now: () => s.latestTimestamp });
  for (const m of messages) {
    feed(sync, m);
    if (sync.processingQueueHigh()) await sync.waitForQueueBelow(1000);
  }
  await sync.drain();
  return sync;
}

t('worker-thread checks (native, wasm and noble backends) and async lookups give the inline graph, byte for byte', async () => {
  const msgs = tampered();
  const inline = await ingest(new InlineVerifier(fast), msgs, false);
  const want = saveGraphSnapshot(inline.graph);
  assert.ok(inline.stats.rejected.bad_signature! > 50);
  for (const backend of ['native', 'wasm', 'noble'] as const) {
    const v = await WorkerVerifier.create({ threads: 2, backend, batchSize: 64 });
    assert.equal(v.skipped, [], `${backend} did not load in the workers`);
    assert.match(v.name, backend);
    try {
      const viaWorkers = await ingest(v, backend !== 'native' ? msgs.slice(0, 300) : msgs, true);
      const ref = backend !== 'native' ? await ingest(new InlineVerifier(fast), msgs.slice(0, 300), false) : inline;
      const da = graphDigest(viaWorkers.graph);
      const db = graphDigest(ref.graph);
      const diff = da.findIndex((x, i) => x !== db[i]);
      assert.is(diff, -1, `first difference: ${da[diff]} vs ${db[diff]}`);
      assert.ok(bytesEq(saveGraphSnapshot(viaWorkers.graph), backend !== 'native' ? saveGraphSnapshot(ref.graph) : want));
      assert.equal(viaWorkers.stats.accepted, ref.stats.accepted);
    } finally {
      await v.close();
    }
  }
});

t('worker results: -1 for valid, index of the first bad signature otherwise', async () => {
  const v = await WorkerVerifier.create({ threads: 1, backend: 'native' });
  try {
    const s = stream(5);
    const ca = s.messages[0]!;
    const signed = ca.subarray(258);
    const sigs = [0, 1, 2, 3].map((i) => ca.subarray(2 + 64 * i, 66 + 64 * i));
    const keys = [0, 1, 2, 3].map((i) => signed.subarray(2 + 32 + 8 + 33 * i, 2 + 32 + 8 + 33 * (i + 1)));
    const bad = sigs.slice();
    bad[2] = sigs[3]!;
    const r = await v.verify([{ message: signed, signatures: sigs, publicKeys: keys }, { message: signed, signatures: bad, publicKeys: keys }]);
    assert.equal(r, [-1, 2]);
    assert.match(v.name, /workers-1x-native/);
    assert.is(v.checksDone, 2);
    assert.ok(v.busyMs > 0);
  } finally {
    await v.close();
  }
});

t('property: checks packed for the workers unpack to the same checks', () => {
  const check = fc.record({
    message: fc.uint8Array({ maxLength: 600 }),
    pairs: fc.array(fc.tuple(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ minLength: 33, maxLength: 33 })), { minLength: 1, maxLength: 4 }),
  }).map((r) => ({ message: r.message, signatures: r.pairs.map((p) => p[0]), publicKeys: r.pairs.map((p) => p[1]) }));
  fc.assert(
    fc.property(fc.array(check, { maxLength: 20 }), (checks) => {
      const back = unpackChecks(packChecks(checks));
      assert.equal(back.map((c) => [Array.from(c.message), c.signatures.map((x) => Array.from(x)), c.publicKeys.map((x) => Array.from(x))]), checks.map((c) => [Array.from(c.message), c.signatures.map((x) => Array.from(x)), c.publicKeys.map((x) => Array.from(x))]));
    }),
    { numRuns: 300 },
  );
});

t('a worker that dies mid-batch does not hang the pipeline: its batches are checked inline, it is replaced, the graph is the inline one', async () => {
  const msgs = tampered().slice(0, 400);
  const want = saveGraphSnapshot((await ingest(new InlineVerifier(fast), msgs, false)).graph);
  const v = await WorkerVerifier.create({ threads: 1, backend: 'noble', batchSize: 32 });
  try {
    const s = stream(400);
    const sync = new P2PGossipSync({ graph: new NetworkGraph(), utxoLookup: streamUtxoLookup(s, { async: true }), verifier: v, now: () => s.latestTimestamp });
    let killed = false;
    for (const [i, m] of msgs.entries()) {
      feed(sync, m);
      if (i === 150 && !killed) {
        sync.getAndClearPendingMsgEvents(); // flushes the batch, so the worker has work in hand
        await v.workers[0]!.terminate();
        killed = true;
      }
    }
    await sync.drain();
    assert.ok(killed);
    assert.is(v.crashes, 1);
    assert.match(v.lastCrash!, /exited/);
    assert.is(sync.pendingCount, 0);
    assert.ok(bytesEq(saveGraphSnapshot(sync.graph), want));
    // The replacement answers later batches.
    assert.is(v.workers.length, 1);
    const again = await v.verify([{ message: new Uint8Array(1), signatures: [new Uint8Array(64)], publicKeys: [msgs[0]!.subarray(0, 33)] }]);
    assert.equal(again, [0]);
  } finally {
    await v.close();
  }
});

t.run();
