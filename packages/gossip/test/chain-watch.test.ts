/** Closed channels: funding outputs watched through Filter, spends seen through Listen/Confirm, forgotten after 72 blocks, reorgs undone. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { MemoryChain, buildLegacyTx, parseTx } from '@ln/test-kit';
import type { Confirm, Listen, UtxoLookup } from '@ln/chain-interfaces';
import { NetworkGraph, P2PGossipSync, SnapshotFormatError, TxParseError, loadGraphSnapshot, parseTxInputs, saveGraphSnapshot } from '../src/index.js';
import { announcement, fundingOf, node, testChannel, update } from './helpers.js';

const t = suite('chain watch');

/** Subscribes only the Listen or only the Confirm side of the watcher (MemoryChain calls whatever a listener has). */
function only(w: Listen & Confirm, side: 'listen' | 'confirm') {
  return side === 'listen'
    ? { blockConnected: w.blockConnected.bind(w), blockDisconnected: w.blockDisconnected.bind(w) }
    : { transactionsConfirmed: w.transactionsConfirmed.bind(w), transactionUnconfirmed: w.transactionUnconfirmed.bind(w), bestBlockUpdated: w.bestBlockUpdated.bind(w), getRelevantTxids: w.getRelevantTxids.bind(w) };
}

/** The same transaction in BIP 144 form (marker, flag, one witness stack per input): same txid. */
function withWitness(legacy: Uint8Array, inputs: number): Uint8Array {
  const witness: number[] = [];
  for (let i = 0; i < inputs; i++) witness.push(2, 1, 0xaa, 3, 0xbb, 0xcc, i);
  return Uint8Array.from([...legacy.subarray(0, 4), 0, 1, ...legacy.subarray(4, legacy.length - 4), ...witness, ...legacy.subarray(legacy.length - 4)]);
}

function setup(side?: 'listen' | 'confirm') {
  const chain = new MemoryChain();
  const base = testChannel(node('cw-a'), node('cw-b'), 0n);
  const fund = chain.fund(fundingOf(base).scriptPubkey, base.capacitySat);
  chain.mine(6);
  const ch = { ...base, scid: chain.shortChannelIdOf(fund.outpoint)! };
  // A lookup that also reports the outpoint (UtxoResult.outpoint), so the funding output can be watched.
  const lookup: UtxoLookup = {
    getUtxo(h, scid) {
      const r = chain.getUtxo(h, scid);
      return r.ok ? { ...r, outpoint: fund.outpoint } : r;
    },
  };
  const sync = new P2PGossipSync({ graph: new NetworkGraph({ chainHash: chain.chainHash }), utxoLookup: lookup, chainFilter: chain.filter, now: () => 1_700_000_100 });
  const listener = side ? only(sync.chainWatcher, side) : sync.chainWatcher;
  chain.subscribe(listener);
  assert.ok(sync.handleChannelAnnouncement(undefined, announcement(ch, { chainHash: chain.chainHash })));
  const spend = buildLegacyTx([{ outpoint: fund.outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: ch.capacitySat - 500n, scriptPubkey: Uint8Array.of(0x51) }]);
  return { chain, ch, sync, spend, listener };
}

t('the funding output is registered with the Filter', () => {
  const { sync } = setup();
  assert.is(sync.chainWatcher.watchedCount, 1);
});

for (const side of ['listen', 'confirm'] as const) {
  t(`a spent funding output removes the channel after 72 confirmations; only disable updates meanwhile (${side})`, () => {
  const { chain, ch, sync, spend } = setup(side);
  chain.mine(1, { txs: [spend] });
  assert.ok(sync.chainWatcher.isSpent(ch.scid));
  assert.ok(sync.graph.hasChannel(ch.scid));
  assert.throws(() => sync.handleChannelUpdate(undefined, update(ch, 0, { chainHash: chain.chainHash })), /closed/);
  assert.ok(sync.handleChannelUpdate(undefined, update(ch, 0, { chainHash: chain.chainHash, disabled: true })));
  chain.mine(70);
  assert.ok(sync.graph.hasChannel(ch.scid));
  chain.mine(1);
  assert.not.ok(sync.graph.hasChannel(ch.scid));
  assert.is(sync.graph.nodeCount, 0);
  assert.is(sync.chainWatcher.watchedCount, 0);
  });
}

for (const side of ['listen', 'confirm'] as const) {
  t(`a reorg that drops the spend keeps the channel (${side})`, () => {
  const { chain, ch, sync, spend } = setup(side);
  chain.mine(1, { txs: [spend] });
  assert.ok(sync.chainWatcher.isSpent(ch.scid));
  chain.reorg(1, { newBlocks: 2, dropTxids: [parseTx(spend).txid], includeMempool: false });
  assert.not.ok(sync.chainWatcher.isSpent(ch.scid));
  chain.mine(80, {});
  assert.ok(sync.graph.hasChannel(ch.scid));
  // Spent again on the new chain: counted from the new spend's height.
  chain.mine(1, { txs: [spend] });
  chain.mine(70);
  assert.ok(sync.graph.hasChannel(ch.scid));
  chain.mine(1);
  assert.not.ok(sync.graph.hasChannel(ch.scid));
  });
}

for (const side of ['listen', 'confirm'] as const) {
  t(`restart: a graph reloaded from its snapshot still forgets the channel 72 blocks after its funding is spent (${side})`, () => {
    const { chain, ch, sync, spend, listener } = setup(side);
    const snap = saveGraphSnapshot(sync.graph);
    assert.equal(sync.graph.funding(ch.scid)!.scriptPubkey, fundingOf(ch).scriptPubkey);
    // A new process: the old sync is gone (unsubscribed), a new one is built over the reloaded graph.
    chain.unsubscribe(listener);
    const registered: unknown[] = [];
    const filter = { registerTx: chain.filter.registerTx.bind(chain.filter), registerOutput: (o: Parameters<typeof chain.filter.registerOutput>[0]) => (registered.push(o), chain.filter.registerOutput(o)) };
    const graph = loadGraphSnapshot(snap);
    assert.equal(saveGraphSnapshot(graph), snap);
    const sync2 = new P2PGossipSync({ graph, chainFilter: filter, now: () => 1_700_000_100 });
    assert.is(sync2.chainWatcher.watchedCount, 1);
    assert.is(registered.length, 1);
    chain.subscribe(only(sync2.chainWatcher, side));
    chain.mine(1, { txs: [spend] });
    assert.ok(sync2.chainWatcher.isSpent(ch.scid));
    chain.mine(70);
    assert.ok(graph.hasChannel(ch.scid));
    chain.mine(1);
    assert.not.ok(graph.hasChannel(ch.scid));
    assert.is(sync2.chainWatcher.watchedCount, 0);
  });
}

t('a channel removed by pruning or removeChannel drops its watch (no leak)', () => {
  const { ch, sync } = setup();
  assert.is(sync.chainWatcher.watchedCount, 1);
  assert.equal(sync.graph.removeStaleChannels(1_700_000_100 + 30 * 86_400), { channelsRemoved: 1 });
  assert.is(sync.chainWatcher.watchedCount, 0);
  assert.not.ok(sync.graph.hasChannel(ch.scid));
});

t('a version 1 snapshot (no funding section) still loads', () => {
  const { sync } = setup();
  const v2 = saveGraphSnapshot(sync.graph);
  const graph = loadGraphSnapshot(v2);
  // A graph without funding writes the version 1 body: only the magic differs.
  const plain = new NetworkGraph({ chainHash: graph.chainHash });
  const c = graph.channel(graph.sortedScids()[0]!)!;
  plain.addChannel({ scid: c.scid, node1: c.node1, node2: c.node2, capacitySat: c.capacitySat });
  const body = saveGraphSnapshot(plain);
  const v1 = body.slice();
  v1.set(new TextEncoder().encode('LNGRAPH1'), 0);
  const loaded = loadGraphSnapshot(v1);
  assert.is(loaded.channelCount, 1);
  assert.is(loaded.funding(c.scid), undefined);
  assert.equal(saveGraphSnapshot(loaded), body);
  // A version 1 snapshot claiming the funding flag is refused.
  const bad = v1.slice();
  bad[8] = 2;
  assert.throws(() => loadGraphSnapshot(bad), (e: unknown) => e instanceof SnapshotFormatError);
});

t('a spend by a segwit transaction is seen too', () => {
  const { chain, ch, sync, spend } = setup('confirm');
  chain.mine(1, { txs: [withWitness(spend, 1)] });
  assert.ok(sync.chainWatcher.isSpent(ch.scid));
});

t('spends of other outputs leave the channel alone', () => {
  const { chain, ch, sync } = setup();
  const other = chain.fund(Uint8Array.of(0x51), 10_000n);
  chain.mine(1);
  chain.mine(1, { txs: [buildLegacyTx([{ outpoint: other.outpoint, scriptSig: Uint8Array.of(0x51) }], [{ valueSat: 9_000n, scriptPubkey: Uint8Array.of(0x51) }])] });
  chain.mine(100);
  assert.not.ok(sync.chainWatcher.isSpent(ch.scid));
  assert.ok(sync.graph.hasChannel(ch.scid));
});

t('txids and prevouts parse for legacy and segwit transactions', () => {
  const { spend } = setup();
  const two = buildLegacyTx(
    [
      { outpoint: { txid: parseTx(spend).txid, vout: 0 }, scriptSig: new Uint8Array(0) },
      { outpoint: { txid: parseTx(spend).txid, vout: 7 }, scriptSig: Uint8Array.of(1, 2, 3) },
    ],
    [{ valueSat: 1n, scriptPubkey: Uint8Array.of(0x51) }, { valueSat: 2n, scriptPubkey: new Uint8Array(34) }],
    500_000,
  );
  for (const [raw, n] of [[spend, 1], [two, 2], [withWitness(spend, 1), 1], [withWitness(two, 2), 2]] as const) {
    const p = parseTxInputs(raw);
    const ref = parseTx(raw);
    assert.equal(p.txid, ref.txid);
    assert.is(p.inputs.length, n);
    assert.equal(p.inputs.map((i) => [Array.from(i.txid), i.vout]), ref.inputs.map((i) => [Array.from(i.txid), i.vout]));
  }
  assert.equal(parseTxInputs(withWitness(two, 2)).txid, parseTxInputs(two).txid);
});

t('fuzz: malformed transactions throw only TxParseError and are skipped by the watcher', () => {
  const { spend, sync, ch } = setup();
  const base = withWitness(spend, 1);
  const check = (b: Uint8Array) => {
    try {
      parseTxInputs(b);
    } catch (e) {
      if (!(e instanceof TxParseError)) throw e;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { numRuns: 1000 });
  fc.assert(fc.property(fc.nat(base.length), (n) => check(base.subarray(0, n))), { numRuns: 300 });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
      const b = base.slice();
      for (const [i, v] of edits) b[i] = v;
      check(b);
    }),
    { numRuns: 2000 },
  );
  // Huge counts must not allocate or loop: every varint position set to 0xff…
  for (let i = 0; i < base.length; i++) {
    const b = base.slice();
    b[i] = 0xff;
    check(b);
  }
  const header = { version: 2, prevBlockHash: new Uint8Array(32), merkleRoot: new Uint8Array(32), time: 0, bits: 0, nonce: 0 } as never;
  sync.chainWatcher.transactionsConfirmed(header, [{ index: 1, tx: Uint8Array.of(1, 2, 3) }], 10);
  assert.not.ok(sync.chainWatcher.isSpent(ch.scid));
});

t.run();
