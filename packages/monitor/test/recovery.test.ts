/**
 * Restart checks of monitors against the channel manager's channels, and the restart helpers
 * (`loadMonitorsForRestart`, `reconcileWithChannelManager`) on a real `KVStore` persister.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChannelMonitorUpdate } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import { MemoryKVStore } from '@ln/test-kit';
import { parseTx, txidOf } from '@ln/transactions';
import {
  ChainMonitor, KVStoreMonitorPersister, MONITOR_NAMESPACE, RestartMismatchError, checkMonitorsAgainstChannels, loadMonitorsForRestart,
  reconcileWithChannelManager, type KnownChannel,
} from '../src/index.js';
import type { CommitState } from './helpers/channel-pair.js';
import { Env } from './helpers/env.js';
import { ValidatingBroadcaster } from './helpers/script.js';

const id = (n: number) => new Uint8Array(32).fill(n);

test('every kind of mismatch is reported, agreement reports nothing', () => {
  const monitors = [
    { channelId: id(1), latestUpdateId: 5n },
    { channelId: id(2), latestUpdateId: 7n },
    { channelId: id(3), latestUpdateId: 9n },
    { channelId: id(4), latestUpdateId: 2n },
  ];
  const channels = [
    { channelId: id(1), latestUpdateId: 5n },
    { channelId: id(2), latestUpdateId: 9n },
    { channelId: id(3), latestUpdateId: 8n },
    { channelId: id(5), latestUpdateId: 1n },
  ];
  assert.equal(checkMonitorsAgainstChannels(monitors, channels), [
    { type: 'MonitorBehind', channelId: id(2), monitorUpdateId: 7n, managerUpdateId: 9n },
    { type: 'MonitorAhead', channelId: id(3), monitorUpdateId: 9n, managerUpdateId: 8n },
    { type: 'MissingMonitor', channelId: id(5), managerUpdateId: 1n },
    { type: 'UnknownToManager', channelId: id(4), monitorUpdateId: 2n },
  ]);
  assert.equal(checkMonitorsAgainstChannels(monitors.slice(0, 1), channels.slice(0, 1)), []);
});

test('edge cases: nothing on either side; a fresh channel at update 0; a manager with no channels (every monitor UnknownToManager); no monitors at all (every channel MissingMonitor)', () => {
  assert.equal(checkMonitorsAgainstChannels([], []), []);
  assert.equal(checkMonitorsAgainstChannels([{ channelId: id(1), latestUpdateId: 0n }], [{ channelId: id(1), latestUpdateId: 0n }]), []);
  assert.equal(checkMonitorsAgainstChannels([{ channelId: id(1), latestUpdateId: 3n }, { channelId: id(2), latestUpdateId: 0n }], []), [
    { type: 'UnknownToManager', channelId: id(1), monitorUpdateId: 3n },
    { type: 'UnknownToManager', channelId: id(2), monitorUpdateId: 0n },
  ]);
  assert.equal(checkMonitorsAgainstChannels([], [{ channelId: id(7), latestUpdateId: 4n }]), [{ type: 'MissingMonitor', channelId: id(7), managerUpdateId: 4n }]);
  // Off by one either way is a mismatch; ids far apart too (u64 range).
  assert.equal(checkMonitorsAgainstChannels([{ channelId: id(1), latestUpdateId: 1n }], [{ channelId: id(1), latestUpdateId: 2n }])[0]!.type, 'MonitorBehind');
  assert.equal(checkMonitorsAgainstChannels([{ channelId: id(1), latestUpdateId: 2n ** 64n - 1n }], [{ channelId: id(1), latestUpdateId: 0n }])[0]!.type, 'MonitorAhead');
});

test('order does not matter and every channel is checked on its own: many channels, each kind, shuffled', () => {
  const monitors = Array.from({ length: 40 }, (_, i) => ({ channelId: id(i + 1), latestUpdateId: BigInt(10 + (i % 4)) }));
  const channels: KnownChannel[] = monitors.map((m, i) => ({ channelId: m.channelId, latestUpdateId: i % 4 === 0 ? m.latestUpdateId : i % 4 === 1 ? m.latestUpdateId + 1n : i % 4 === 2 ? m.latestUpdateId - 1n : m.latestUpdateId }));
  const a = checkMonitorsAgainstChannels(monitors, channels);
  const b = checkMonitorsAgainstChannels([...monitors].reverse(), [...channels].reverse());
  const key = (x: { type: string; channelId: Uint8Array }) => `${x.type}:${bytesToHex(x.channelId)}`;
  assert.equal(a.map(key).sort(), b.map(key).sort());
  assert.is(a.filter((m) => m.type === 'MonitorBehind').length, 10);
  assert.is(a.filter((m) => m.type === 'MonitorAhead').length, 10);
  assert.is(a.length, 20);
});

const state = (toA: bigint): CommitState => ({ toAMsat: toA, toBMsat: 1_000_000_000n - toA, htlcs: [], feeratePerKw: 2500 });

/** A's monitor on a KVStore, a few updates in; returns the store and the updates (as the manager keeps them). */
async function stored(label: string) {
  const store = new MemoryKVStore();
  const persister = new KVStoreMonitorPersister(store, { maxPendingUpdates: 4 });
  const env = new Env({ label }, { A: persister });
  const updates: ChannelMonitorUpdate[] = [];
  for (const toA of [590_000_000n, 580_000_000n, 570_000_000n]) {
    const u = env.pair.advance(state(toA));
    updates.push(...u.A);
    for (const x of u.A) assert.is(env.A.monitor.updateChannel(x), 'InProgress');
    for (const x of u.B) env.B.monitor.updateChannel(x);
  }
  await persister.flush();
  return { env, store, updates, channelId: env.pair.channelId };
}

/** The restart of the README: a new ChainMonitor, monitors loaded from the store, blocks replayed. */
async function restart(env: Env, store: MemoryKVStore) {
  const persister = new KVStoreMonitorPersister(store, { maxPendingUpdates: 4 });
  const broadcaster = new ValidatingBroadcaster(env.chain, env.secp);
  const ctx = { secp: env.secp, signerProvider: env.pair.a.km, broadcaster, feeEstimator: env.fees, filter: env.chain.filter };
  const chainMonitor = new ChainMonitor({ ...ctx, persister });
  const restored = await loadMonitorsForRestart(persister, chainMonitor, ctx);
  for (let h = (restored.replayFrom?.height ?? env.chain.tipHeight) + 1; h <= env.chain.tipHeight; h++) chainMonitor.blockConnected(env.chain.getBlock(h)!, h);
  return { chainMonitor, restored, broadcaster, persister };
}

test('restart helpers: monitors loaded with their update ids and lowest tip; a manager in agreement: nothing to do', async () => {
  const { env, store, updates, channelId } = await stored('rs-agree');
  env.chain.unsubscribe(env.A.listener);
  env.mine(3); // blocks the stored monitor has not seen
  const { chainMonitor, restored, broadcaster } = await restart(env, store);
  assert.is(restored.loaded.length, 1);
  assert.equal(restored.monitorUpdateIds, [{ channelId, latestUpdateId: BigInt(updates.length) }]);
  assert.is(restored.replayFrom!.height, env.chain.tipHeight - 3);
  assert.is(chainMonitor.getMonitor(channelId)!.bestBlock.height, env.chain.tipHeight, 'caught up');
  const r = reconcileWithChannelManager(chainMonitor, [{ channelId, latestUpdateId: BigInt(updates.length) }]);
  assert.equal(r, { mismatches: [], forceClosed: [], unknownToManager: [] });
  assert.is(broadcaster.offered.length, 0);
});

test('restart helpers: a stale manager (MonitorAhead) closes the channel from the monitor, with its newest commitment, durably', async () => {
  const { env, store, updates, channelId } = await stored('rs-ahead');
  const newest = env.A.monitor.getMonitor(channelId)!.unsafeGetLatestHolderCommitmentTx();
  env.chain.unsubscribe(env.A.listener);
  const { chainMonitor, broadcaster, persister } = await restart(env, store);
  broadcaster.hold = true; // this broadcast reaches no mempool: the process dies right after
  const r = reconcileWithChannelManager(chainMonitor, [{ channelId, latestUpdateId: BigInt(updates.length - 2) }]);
  assert.equal(r.mismatches.map((m) => m.type), ['MonitorAhead']);
  assert.equal(r.forceClosed, [channelId]);
  assert.is(broadcaster.offered.length, 1);
  assert.is(bytesToHex(txidOf(parseTx(broadcaster.offered[0]!))), bytesToHex(newest.txid), 'the newest commitment');
  await persister.flush();
  // Restarted again from the store: the monitor remembers it was closed and keeps broadcasting.
  const again = await restart(env, store);
  assert.is(again.chainMonitor.getMonitor(channelId)!.state.forceClosed, true);
  env.chain.subscribe({ blockConnected: (b, h) => again.chainMonitor.blockConnected(b, h), blockDisconnected: (hd, h) => again.chainMonitor.blockDisconnected(hd, h) });
  env.mine(1);
  assert.ok(again.broadcaster.offered.some((raw) => bytesToHex(txidOf(parseTx(raw))) === bytesToHex(newest.txid)), 'rebroadcast after the second restart');
  env.mine(1);
  assert.is(env.chain.confirmations(newest.txid), 1, 'and confirmed');
});

test('restart helpers: a monitor behind the manager, or a channel without a monitor, refuse to go on (RestartMismatchError) and close nothing', async () => {
  const { env, store, updates, channelId } = await stored('rs-behind');
  env.chain.unsubscribe(env.A.listener);
  const { chainMonitor, broadcaster } = await restart(env, store);
  for (const channels of [
    [{ channelId, latestUpdateId: BigInt(updates.length + 2) }],
    [{ channelId, latestUpdateId: BigInt(updates.length) }, { channelId: id(9), latestUpdateId: 3n }],
    // A fatal finding wins over a MonitorAhead one: nothing is closed before the caller decides.
    [{ channelId, latestUpdateId: BigInt(updates.length - 1) }, { channelId: id(9), latestUpdateId: 3n }],
  ]) {
    try {
      reconcileWithChannelManager(chainMonitor, channels);
      assert.unreachable('went on');
    } catch (e) {
      assert.instance(e, RestartMismatchError);
      assert.is((e as RestartMismatchError).code, 'restart_mismatch');
      assert.ok((e as RestartMismatchError).mismatches.some((m) => m.type === 'MonitorBehind' || m.type === 'MissingMonitor'));
    }
  }
  assert.is(broadcaster.offered.length, 0);
  assert.is(chainMonitor.getMonitor(channelId)!.state.forceClosed, false);
  // The manager's own replay (what ChannelManager.deserialize does with its in-flight updates) repairs "behind".
  assert.equal(reconcileWithChannelManager(chainMonitor, []).unknownToManager, [channelId], 'a monitor the manager lost: kept, reported');
});

test('restart helpers: a stored monitor that cannot be read stops the restart (load_failed)', async () => {
  const { env, store } = await stored('rs-corrupt');
  const [name] = await store.list(MONITOR_NAMESPACE, '');
  const bytes = (await store.read(MONITOR_NAMESPACE, '', name!))!;
  await store.write(MONITOR_NAMESPACE, '', name!, bytes.subarray(0, bytes.length - 7));
  env.chain.unsubscribe(env.A.listener);
  try {
    await restart(env, store);
    assert.unreachable('loaded');
  } catch (e) {
    assert.instance(e, RestartMismatchError);
    assert.is((e as RestartMismatchError).code, 'load_failed');
  }
});

test.run();
