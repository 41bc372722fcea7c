/**
 * `npm run bench` in @ln/monitor:
 * - time for a `ChainMonitor` to process one block of 2,000 transactions with 1, 100 and
 *   1,000 channel monitors, when no transaction is ours and when one is (a revoked commitment
 *   with HTLCs: the monitor builds and signs its justice transaction in that block);
 * - bytes written to the `KVStore` per payment and per monitor update with the default
 *   persister (deltas, consolidated every 100 updates), next to rewriting the whole monitor.
 */
import { blockHashFromInternalBytes, txidFromInternalBytes, type Block, type ChannelMonitorInit, type ChannelMonitorUpdate } from '@ln/chain-interfaces';
import { sha256 } from '@ln/crypto';
import { loadBestSecp256k1 } from '@ln/crypto/node';
import { p2wpkh, serializeTx } from '@ln/transactions';
import { FixedFeeEstimator, MemoryChain, MemoryKVStore, buildHeader } from '@ln/test-kit';
import { ChainMonitor, KVStoreMonitorPersister, type ChannelMonitor, type Persist } from '../src/index.js';
import { ChannelPair, type CommitState } from '../test/helpers/channel-pair.js';

const { backend: secp, name: backendName } = loadBestSecp256k1();
const fees = new FixedFeeEstimator(1000);
const noBroadcast = { broadcastTransactions() {} };
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

function chainMonitorWith(n: number): { cm: ChainMonitor; real: ChannelMonitor; setupMs: number } {
  const t = performance.now();
  const cm = new ChainMonitor({ secp, signerProvider: pair.a.km, broadcaster: noBroadcast, feeEstimator: fees, persister: nullPersist });
  cm.watchChannel(init);
  for (const u of updates) cm.updateChannel(u);
  for (let i = 1; i < n; i++) {
    cm.watchChannel({ ...init, channelId: rand32(), fundingOutpoint: { txid: txidFromInternalBytes(rand32()), vout: i & 3 } });
  }
  return { cm, real: cm.getMonitor(pair.channelId)!, setupMs: performance.now() - t };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`secp256k1 backend: ${backendName}; blocks of ${TXS_PER_BLOCK} transactions (2 inputs each)`);
console.log('monitors'.padStart(9) + 'setup ms'.padStart(11) + 'block, none ours (ms)'.padStart(24) + 'block, one ours (ms)'.padStart(23) + 'per tx (µs)'.padStart(14));
for (const n of [1, 100, 1000]) {
  const { cm, real, setupMs } = chainMonitorWith(n);
  let height = init.bestBlock.height;
  const none: number[] = [];
  for (let i = 0; i < 3; i++) cm.blockConnected(block(foreign), ++height); // warm-up
  for (let i = 0; i < 15; i++) {
    const b = block(foreign);
    const t = performance.now();
    cm.blockConnected(b, ++height);
    none.push(performance.now() - t);
  }
  const withOurs = block([...foreign.slice(0, TXS_PER_BLOCK - 1), cheat]);
  const t = performance.now();
  cm.blockConnected(withOurs, ++height);
  const ours = performance.now() - t;
  if (!real.isClosedOnChain()) throw new Error('the revoked commitment was not seen');
  const m = median(none);
  console.log(String(n).padStart(9) + setupMs.toFixed(0).padStart(11) + m.toFixed(2).padStart(24) + ours.toFixed(2).padStart(23) + ((m * 1000) / TXS_PER_BLOCK).toFixed(2).padStart(14));
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
