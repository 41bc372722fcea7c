/**
 * `@ln/monitor`'s README "Restart" example, run with a real `ChannelManager` on a real node's
 * store: the region below is what the README shows (checked here, verbatim), and the tests
 * restart a node with it, from its own store and from a stale manager backup.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex } from '@ln/crypto';
import { loadBestSecp256k1 } from '@ln/crypto/node';
import { ANTI_REORG_DELAY } from '@ln/monitor';
import { DeterministicEntropySource, FixedFeeEstimator, testSeed } from '@ln/test-kit';
import { KeysManager } from '@ln/transactions';
import { MANAGER_KEY, MANAGER_NAMESPACE, Network, channelLedger, ownedBy, type CrashableStore } from '../src/index.js';

// #region restart
import type { Block, KVStore } from '@ln/chain-interfaces';
import { ChannelManager, type ChannelManagerOptions } from '@ln/channel';
import { ChainMonitor, KVStoreMonitorPersister, loadMonitorsForRestart, reconcileWithChannelManager, type MonitorContext } from '@ln/monitor';

/** Restarts the channel side of a node from its store; `chain` has the blocks since each part's tip. */
async function restart(store: KVStore, ctx: MonitorContext, managerBytes: Uint8Array, opts: Omit<ChannelManagerOptions, 'watch'>, chain: { tipHeight: number; getBlock(h: number): Block | undefined }) {
  const persister = new KVStoreMonitorPersister(store);
  const chainMonitor = new ChainMonitor({ ...ctx, persister });
  // 1. Monitors first: read back (stored deltas replayed) and loaded.
  const restored = await loadMonitorsForRestart(persister, chainMonitor, ctx);
  // 2. The manager, told each monitor's update id: it hands a monitor the in-flight updates it
  //    lacks, and closes from the monitor a channel whose monitor is newer than the manager.
  const cm = ChannelManager.deserialize(managerBytes, { ...opts, watch: chainMonitor }, { monitors: restored.monitorUpdateIds });
  // 3. The blocks each has not seen, monitors first.
  const from = Math.min(cm.currentBestBlock().height, restored.replayFrom?.height ?? Infinity);
  for (let h = from + 1; h <= chain.tipHeight; h++) {
    const block = chain.getBlock(h)!;
    chainMonitor.blockConnected(block, h);
    if (h > cm.currentBestBlock().height) cm.blockConnected(block, h);
  }
  // 4. Compare: a monitor ahead of the manager has its channel closed from the monitor; a
  //    missing monitor, or one behind, throws RestartMismatchError (never run that channel).
  const known = cm.allChannels().filter((c) => c.s.phase === 'Funded' && c.s.monitorCreated).map((c) => ({ channelId: c.channelId, latestUpdateId: c.s.latestMonitorUpdateId }));
  const report = reconcileWithChannelManager(chainMonitor, known);
  return { cm, chainMonitor, persister, report };
}
// #endregion

const here = dirname(fileURLToPath(import.meta.url));

test('the README of @ln/monitor shows this file\'s restart region, verbatim', () => {
  const src = readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const region = /\/\/ #region restart\n([\s\S]*?)\/\/ #endregion/.exec(src)![1]!.trimEnd();
  const readme = readFileSync(join(here, '..', '..', 'monitor', 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!.trimEnd());
  assert.ok(blocks.includes(region), 'the README restart block differs from the tested code');
});

/** Bob's store, his stored manager right after the open (soon stale), the network and the channel. */
async function scenario() {
  const net = new Network();
  const a = await net.addNode('alice', { config: { channelHandshakeConfig: { ourToSelfDelay: 20 } } });
  const b = await net.addNode('bob', { config: { channelHandshakeConfig: { ourToSelfDelay: 20 } } });
  const ch = await net.openChannel(a, b, 1_000_000n, 400_000_000n);
  const oldManager = (await b.store.read(MANAGER_NAMESPACE, '', MANAGER_KEY))!;
  for (const rate of [3000, 3500]) {
    a.cm.updateFee(ch.channelId, rate);
    await net.settle();
  }
  net.kill(b);
  await net.mine(2); // blocks bob's parts have not seen
  const store = (b.store as CrashableStore).durableCopy();
  const secp = loadBestSecp256k1().backend;
  // Bob's keys from his seed (a new entropy stream, as a restarted process would have).
  const keys = new KeysManager(testSeed('bob'), secp, new DeterministicEntropySource(testSeed('bob/entropy/example')));
  const fees = new FixedFeeEstimator(1000);
  const ctx = { secp, signerProvider: keys, broadcaster: net.chain.broadcaster, feeEstimator: fees, filter: net.chain.filter };
  const opts = { chainHash: net.chain.chainHash, keys, fees, broadcaster: net.chain.broadcaster, bestBlock: { blockHash: net.chain.tip.hash, height: net.chain.tipHeight }, secp, config: { channelHandshakeConfig: { ourToSelfDelay: 20 } } };
  return { net, a, b, ch, store, oldManager, ctx, opts };
}

test('restart from the node\'s own store: monitors and manager agree, every part caught up, the channel resumes', async () => {
  const { net, ch, store, ctx, opts } = await scenario();
  const managerBytes = (await store.read(MANAGER_NAMESPACE, '', MANAGER_KEY))!;
  const { cm, chainMonitor, report } = await restart(store, ctx, managerBytes, opts, net.chain);
  assert.equal(report.mismatches, []);
  const mon = chainMonitor.getMonitor(ch.channelId)!;
  assert.ok(mon.latestUpdateId >= 4n, `the fee updates are in the monitor (${mon.latestUpdateId})`);
  assert.is(cm.listChannels().length, 1);
  assert.is(mon.bestBlock.height, net.chain.tipHeight, 'monitor caught up');
  assert.is(cm.currentBestBlock().height, net.chain.tipHeight, 'manager caught up');
  assert.is(mon.state.broadcastHolder, false, 'nothing closed');
  assert.is(net.chain.mempoolTxids().length, 0, 'nothing broadcast');
});

test('restart beside a stale manager backup: the channel is closed from the monitor with its newest commitment, and bob gets his balance', async () => {
  const { net, a, b, ch, store, oldManager, ctx, opts } = await scenario();
  const { cm, chainMonitor, report } = await restart(store, ctx, oldManager, opts, net.chain);
  const mon = chainMonitor.getMonitor(ch.channelId)!;
  // The manager closes it on deserialize (the monitor outlives it), or step 4 does (MonitorAhead).
  assert.ok(report.unknownToManager.some((c) => bytesToHex(c) === bytesToHex(ch.channelId)) || report.forceClosed.length === 1, JSON.stringify(report.mismatches.map((m) => m.type)));
  assert.is(cm.listChannels().length, 0);
  assert.is(mon.state.broadcastHolder, true);
  assert.is(mon.state.holderCurrent.commitmentNumber, 2n, 'the newest commitment (after both fee updates)');
  const newest = mon.unsafeGetLatestHolderCommitmentTx();
  assert.ok(net.chain.mempoolTxids().some((t) => bytesToHex(t) === bytesToHex(newest.txid)), 'broadcast');
  net.chain.subscribe({ blockConnected: (bl, h) => chainMonitor.blockConnected(bl, h), blockDisconnected: (hd, h) => chainMonitor.blockDisconnected(hd, h) });
  await net.mine(20 + ANTI_REORG_DELAY + 3);
  assert.ok(net.chain.confirmations(newest.txid) > 20, 'the newest commitment confirmed');
  const outs = chainMonitor.getAndClearPendingEvents().flatMap((e) => (e.type === 'SpendableOutputs' ? e.outputs.map((o) => o.outpoint) : []));
  const l = channelLedger(net.chain, ch.funding, 1_000_000n);
  assert.ok(ownedBy(l, b, outs) >= 400_000n - 2_000n, `bob keeps his 400k less his sweep fee (${ownedBy(l, b, outs)})`);
  assert.is(bytesToHex(l.txs[0]!.txid), bytesToHex(newest.txid), 'the funding output went to the newest commitment');
  void a;
});

test.run();
