/**
 * `npm run bench` in @ln/monitor:
 * - time for a `ChainMonitor` to process one block of 2,000 transactions with 1, 100 and
 *   1,000 channel monitors, when no transaction is ours (median of 15 blocks) and when one is
 *   (a revoked commitment with HTLCs: the monitor builds and signs its justice transaction in
 *   that block; median of 9 fresh monitors), next to ceilings measured in the same run: the
 *   scan of the spent outpoints of the block's transactions alone (the floor of the design:
 *   the monitors read nothing else of a transaction that is not theirs), a full parse and txid
 *   of every transaction (what hashing each one would cost), and the justice transaction's
 *   signatures alone;
 * - bytes written to the `KVStore` per payment and per monitor update with the default
 *   persister (deltas, consolidated every 100 updates), next to rewriting the whole monitor.
 */
import { INITIAL_COMMITMENT_INDEX, blockHashFromInternalBytes, txidFromInternalBytes, type Block, type BroadcasterInterface, type ChannelMonitorInit, type ChannelMonitorUpdate } from '@ln/chain-interfaces';
import { bytesToHex, sha256 } from '@ln/crypto';
import { loadBestSecp256k1 } from '@ln/crypto/node';
import { SIGHASH_ALL, bitcoinSignature, p2wpkh, parseTx, serializeTx, txidOf } from '@ln/transactions';
import { FixedFeeEstimator, MemoryChain, MemoryKVStore, buildHeader } from '@ln/test-kit';
import { spentOutpointKeys } from '../src/block-scan.js';
import { ChainMonitor, KVStoreMonitorPersister, type ChannelMonitor, type Persist } from '../src/index.js';
import { ChannelPair, type CommitState } from '../test/helpers/channel-pair.js';

const { backend: secp, name: backendName } = loadBestSecp256k1();
const fees = new FixedFeeEstimator(1000);
const noBroadcast: BroadcasterInterface = { broadcastTransactions() {} };
const nullPersist: Persist = { persistNewChannel: () => 'Completed', updatePersistedChannel: () => 'Completed' };

// One real channel: A's monitor, with B's revoked commitment 1 (two HTLCs) ready to cheat with.
const chain = new MemoryChain();
chain.mine(10);
const pair = new ChannelPair(secp, { label: 'bench' });
pair.fund(chain, 400_000_000n);
const H = chain.tipHeight;
const hA = pair.htlc('A', 50_000_000n, H + 100);
const hB = pair.htlc('B', 70_000_000n, H + 100);
const init: ChannelMonitorInit = pair.initFor('A', { blockHash: chain.tip.hash, height: chain.tipHeight });
const updates: ChannelMonitorUpdate[] = [];
updates.push(...pair.advance({ toAMsat: 550_000_000n, toBMsat: 330_000_000n, htlcs: [hA, hB], feeratePerKw: 2500 }).A);
updates.push(...pair.advance({ toAMsat: 600_000_000n, toBMsat: 400_000_000n, htlcs: [], feeratePerKw: 2500 }).A);
const cheat = pair.signedCommitment('B', 1n).raw;

let seed = 1;
const rand32 = () => sha256(Uint8Array.of(seed & 0xff, (seed >> 8) & 0xff, (seed >> 16) & 0xff, seed++ >> 24));

/** A 2-in 2-out P2WPKH-looking transaction spending random outpoints. */
function foreignTx(): Uint8Array {
  const sig = new Uint8Array(72).fill(0x30);
  const pk = Uint8Array.from([2, ...rand32()]);
  return serializeTx({
    version: 2, locktime: 0,
    inputs: [0, 1].map((i) => ({ prevout: { txid: txidFromInternalBytes(rand32()), vout: i }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [sig, pk] })),
    outputs: [0, 1].map(() => ({ valueSat: 100_000n, scriptPubkey: p2wpkh(pk) })),
  });
}
const TXS_PER_BLOCK = 2000;
const foreign = Array.from({ length: TXS_PER_BLOCK }, foreignTx);
let prev = blockHashFromInternalBytes(new Uint8Array(32));
function block(txs: Uint8Array[]): Block {
  const header = buildHeader(prev, rand32(), 1_700_000_000 + seed);
  prev = header.hash;
  return { header, transactions: txs };
}

function chainMonitorWith(n: number, broadcaster = noBroadcast): { cm: ChainMonitor; real: ChannelMonitor; setupMs: number } {
  const t = performance.now();
  const cm = new ChainMonitor({ secp, signerProvider: pair.a.km, broadcaster, feeEstimator: fees, persister: nullPersist });
  cm.watchChannel(init);
  for (const u of updates) cm.updateChannel(u);
  for (let i = 1; i < n; i++) {
    cm.watchChannel({ ...init, channelId: rand32(), fundingOutpoint: { txid: txidFromInternalBytes(rand32()), vout: i & 3 } });
  }
  return { cm, real: cm.getMonitor(pair.channelId)!, setupMs: performance.now() - t };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Median time (ms) of `f` over `runs` runs, after 3 warm-up runs. */
function timeIt(f: () => void, runs: number): number {
  for (let i = 0; i < 3; i++) f();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

const NONE_RUNS = 15;
const OURS_RUNS = 9;
console.log(`secp256k1 backend: ${backendName}; blocks of ${TXS_PER_BLOCK} transactions (2 inputs each); medians (none ours: ${NONE_RUNS} blocks, one ours: ${OURS_RUNS} fresh monitors)`);
console.log('monitors'.padStart(9) + 'setup ms'.padStart(11) + 'block, none ours (ms)'.padStart(24) + 'block, one ours (ms)'.padStart(23) + 'per tx (µs)'.padStart(14));
const rows: { n: number; none: number; ours: number }[] = [];
let justiceTx: Uint8Array | undefined;
for (const n of [1, 100, 1000]) {
  const { cm, setupMs } = chainMonitorWith(n);
  let height = init.bestBlock.height;
  const none: number[] = [];
  for (let i = 0; i < 3; i++) cm.blockConnected(block(foreign), ++height); // warm-up
  for (let i = 0; i < NONE_RUNS; i++) {
    const b = block(foreign);
    const t = performance.now();
    cm.blockConnected(b, ++height);
    none.push(performance.now() - t);
  }
  // "One ours": each sample on a fresh ChainMonitor (the first sample warms up and is dropped).
  const ours: number[] = [];
  for (let r = 0; r <= OURS_RUNS; r++) {
    const sent: Uint8Array[] = [];
    const f = chainMonitorWith(n, { broadcastTransactions: (txs: readonly Uint8Array[]) => void sent.push(...txs) });
    let h = init.bestBlock.height;
    f.cm.blockConnected(block(foreign), ++h);
    const withOurs = block([...foreign.slice(0, TXS_PER_BLOCK - 1), cheat]);
    const t = performance.now();
    f.cm.blockConnected(withOurs, ++h);
    const ms = performance.now() - t;
    if (!f.real.isClosedOnChain() || !sent.length) throw new Error('the revoked commitment was not seen, or no justice broadcast');
    justiceTx = sent[sent.length - 1];
    if (r > 0) ours.push(ms);
  }
  const m = median(none);
  rows.push({ n, none: m, ours: median(ours) });
  console.log(String(n).padStart(9) + setupMs.toFixed(0).padStart(11) + m.toFixed(2).padStart(24) + median(ours).toFixed(2).padStart(23) + ((m * 1000) / TXS_PER_BLOCK).toFixed(2).padStart(14));
}

// Ceilings, measured in this run on the same block.
const scanMs = timeIt(() => {
  for (const raw of foreign) if (!spentOutpointKeys(raw)) throw new Error('malformed');
}, 15);
const hashMs = timeIt(() => {
  for (const raw of foreign) txidOf(parseTx(raw));
}, 15);
const justice = parseTx(justiceTx!);
const cheatTx = parseTx(cheat);
const cheatTxid = txidOf(cheatTx);
if (!justice.inputs.every((i) => bytesToHex(i.prevout.txid) === bytesToHex(cheatTxid))) throw new Error('not the justice transaction');
const signer = pair.a.km.deriveChannelSigner(pair.channelValueSat, pair.a.keysId);
const secret = pair.b.signer.releaseCommitmentSecret(INITIAL_COMMITMENT_INDEX - 1n);
const signMs = timeIt(() => {
  justice.inputs.forEach((inp, i) => bitcoinSignature(signer.signJusticeInput(justice, i, inp.witness[inp.witness.length - 1]!, cheatTx.outputs[inp.prevout.vout]!.valueSat, secret), SIGHASH_ALL));
}, 15);
const deriveMs = timeIt(() => void pair.a.km.deriveChannelSigner(pair.channelValueSat, pair.a.keysId), 15);
console.log(`\nceilings (same run, same ${TXS_PER_BLOCK}-transaction block):`);
console.log(`  spent-outpoint scan alone (our floor)  ${scanMs.toFixed(2)} ms  (${((TXS_PER_BLOCK / scanMs) * 1000).toFixed(0)} tx/s)`);
console.log(`  full parse + txid of every tx          ${hashMs.toFixed(2)} ms  (${((TXS_PER_BLOCK / hashMs) * 1000).toFixed(0)} tx/s)`);
console.log(`  justice signatures alone (${justice.inputs.length} inputs)      ${signMs.toFixed(2)} ms`);
console.log(`  deriving the channel signer (a fresh monitor does it at its first claim)  ${deriveMs.toFixed(2)} ms`);
for (const r of rows) {
  console.log(`  ${String(r.n).padStart(4)} monitors: none ours = ${(r.none / scanMs).toFixed(2)}× the scan floor (${((TXS_PER_BLOCK / r.none) * 1000).toFixed(0)} tx/s); one ours − none ours = ${(r.ours - r.none).toFixed(2)} ms, ${((r.ours - r.none) / signMs).toFixed(1)}× the justice signatures`);
}

// Bytes written per payment: each payment adds an HTLC (one commitment round), then settles it
// (another round and, as payee, the preimage).
async function bytesPerPayment(payments: number): Promise<void> {
  const c2 = new MemoryChain();
  const p = new ChannelPair(secp, { label: 'bench-bytes' });
  p.fund(c2, 400_000_000n);
  const store = new MemoryKVStore();
  const persister = new KVStoreMonitorPersister(store);
  const cm = new ChainMonitor({ secp, signerProvider: p.a.km, broadcaster: noBroadcast, feeEstimator: fees, persister });
  cm.watchChannel(p.initFor('A', { blockHash: c2.tip.hash, height: c2.tipHeight }));
  await persister.flush();
  const start = store.bytesWritten;
  const startWrites = store.writes;
  let updatesN = 0;
  let toA = 600_000_000n;
  for (let i = 0; i < payments; i++) {
    const h = p.htlc('B', 1_000_000n, 1000 + i);
    const s1: CommitState = { toAMsat: toA, toBMsat: 1_000_000_000n - toA - 1_000_000n, htlcs: [h], feeratePerKw: 2500 };
    const us = [...p.advance(s1).A, p.preimageUpdate('A', h)];
    toA += 1_000_000n;
    us.push(...p.advance({ toAMsat: toA, toBMsat: 1_000_000_000n - toA, htlcs: [], feeratePerKw: 2500 }).A);
    for (const u of us) cm.updateChannel(u);
    updatesN += us.length;
    await persister.flush();
  }
  const bytes = store.bytesWritten - start;
  const full = cm.getMonitor(p.channelId)!.serialize().length;
  console.log(`\nbytes written, ${payments} payments received (${updatesN} updates, ${store.writes - startWrites} writes):`);
  console.log(`  per payment ${(bytes / payments).toFixed(0)} B, per update ${(bytes / updatesN).toFixed(0)} B (deltas + a whole monitor every 100 updates)`);
  console.log(`  whole monitor now ${full} B: rewriting it on every update would cost ~${((full * updatesN) / payments).toFixed(0)} B per payment`);
}
await bytesPerPayment(200);
