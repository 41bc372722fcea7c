/**
 * The monitor README's watchtower deployment on a real channel: every `ChannelMonitorInit` and
 * `ChannelMonitorUpdate` of alice's node goes, as bytes, to a separate `ChainMonitor` (its own
 * store, its own chain subscription, alice's keys from her seed). Alice's node is then dead when
 * bob broadcasts a revoked commitment: the tower alone takes everything, paid to alice's wallet.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ANTI_REORG_DELAY, ChainMonitor, decodeChannelMonitorInit, decodeChannelMonitorUpdate, KVStoreMonitorPersister } from '@ln/monitor';
import { DeterministicEntropySource, MemoryKVStore, ScriptedFeeEstimator, testSeed } from '@ln/test-kit';
import { KeysManager } from '@ln/transactions';
import { channelLedger, Network, ownedBy } from '../src/index.js';

test('a watchtower fed encoded monitor data takes justice while alice\'s node is down, to her wallet', async () => {
  const net = new Network();
  const a = await net.addNode('alice');
  const b = await net.addNode('bob');
  const towerStore = new MemoryKVStore();
  const tower = new ChainMonitor({
    secp: net.secp, signerProvider: new KeysManager(testSeed('alice'), net.secp, new DeterministicEntropySource(testSeed('tower'))),
    broadcaster: net.chain.broadcaster, feeEstimator: new ScriptedFeeEstimator({}, 1500), persister: new KVStoreMonitorPersister(towerStore),
  });
  net.chain.subscribe({ blockConnected: (bl, h) => tower.blockConnected(bl, h), blockDisconnected: (hd, h) => tower.blockDisconnected(hd, h) });
  const statuses: string[] = [];
  a.mirror = ({ init, update }) => statuses.push(init ? tower.watchChannel(decodeChannelMonitorInit(init)) : tower.updateChannel(decodeChannelMonitorUpdate(update!)));
  const ch = await net.openChannel(a, b, 1_000_000n, 400_000_000n);
  const cheat = b.chainMonitor.getMonitor(ch.channelId)!.unsafeGetLatestHolderCommitmentTx();
  a.cm.updateFee(ch.channelId, 3000);
  await net.settle();
  assert.ok(statuses.length >= 3 && statuses.every((s) => s !== 'UnrecoverableError'), `the tower took every init and update: ${statuses.join(', ')}`);
  assert.is(tower.getMonitor(ch.channelId)!.latestUpdateId, a.chainMonitor.getMonitor(ch.channelId)!.latestUpdateId, 'in step with alice\'s own monitor');
  net.kill(a); // alice's node is down
  net.chain.broadcaster.broadcastTransactions([cheat.raw]);
  await net.mine(1);
  net.takeEvents(b, 'ChannelClosed');
  await net.mine(ANTI_REORG_DELAY + 2);
  const outs = tower.getAndClearPendingEvents().flatMap((e) => (e.type === 'SpendableOutputs' ? e.outputs : []));
  const l = channelLedger(net.chain, ch.funding, 1_000_000n);
  assert.is(l.txs.length, 2, 'the revoked commitment and the tower\'s justice transaction');
  assert.is(ownedBy(l, a, outs.map((o) => o.outpoint)) + l.feesSat, 1_000_000n, 'everything is alice\'s (her wallet and her to_remote), less the fees');
  assert.is(ownedBy(l, b), 0n, 'the cheater gets nothing');
  assert.ok(tower.getMonitor(ch.channelId)!.isFullyResolved());
  net.takeMonitorEvents(b, 'SpendableOutputs');
  await net.teardown();
});

test.run();
