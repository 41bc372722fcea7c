/**
 * Persistence through `KVStoreMonitorPersister`: deltas and consolidation, restarts at every
 * persistence point (the process killed between an update and its write completing, or
 * between a block and the write of the monitor's new on-chain state), replay of what the
 * channel manager still holds, and the filesystem store.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelMonitorUpdate, KVStore } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import { commitmentFeeSat } from '@ln/transactions';
import { MemoryKVStore } from '@ln/test-kit';
import { FilesystemKVStore } from '@ln/test-kit/node';
import { ANTI_REORG_DELAY, ChainMonitor, KVStoreMonitorPersister, MONITOR_UPDATE_NAMESPACE, type MonitorMismatch } from '../src/index.js';
import type { CommitState } from './helpers/channel-pair.js';
import { Env, type SideEnv } from './helpers/env.js';
import { ValidatingBroadcaster } from './helpers/script.js';
import { ledger } from './helpers/ledger.js';

/** The updates A's monitor gets in the scenario, in order (as a channel manager would keep them). */
function scenario(env: Env): { updates: ChannelMonitorUpdate[]; s1: CommitState } {
  const p = env.pair;
  const H = env.chain.tipHeight;
  const hA = p.htlc('A', 50_000_000n, H + 300);
  const hB = p.htlc('B', 70_000_000n, H + 300);
  const s1: CommitState = { toAMsat: 550_000_000n, toBMsat: 330_000_000n, htlcs: [hA, hB], feeratePerKw: 2500 };
  const updates: ChannelMonitorUpdate[] = [];
  updates.push(...p.advance(s1).A);
  updates.push(p.preimageUpdate('A', hB));
  updates.push(...p.advance({ toAMsat: 620_000_000n, toBMsat: 380_000_000n, htlcs: [], feeratePerKw: 2500 }).A);
  updates.push(...p.advance({ toAMsat: 600_000_000n, toBMsat: 400_000_000n, htlcs: [], feeratePerKw: 2500 }).A);
  for (const u of p.advance({ toAMsat: 590_000_000n, toBMsat: 410_000_000n, htlcs: [], feeratePerKw: 2500 }).B) env.B.monitor.updateChannel(u);
  return { updates, s1 };
}

/** Restarts A from what `store` holds: a new persister and ChainMonitor, monitors read back, blocks re-fed from each monitor's tip. */
async function restartA(env: Env, store: KVStore): Promise<{ side: SideEnv; persister: KVStoreMonitorPersister; replayed: number }> {
  env.chain.unsubscribe(env.A.listener);
  const persister = new KVStoreMonitorPersister(store, { maxPendingUpdates: 3 });
  const broadcaster = new ValidatingBroadcaster(env.chain, env.secp);
  const ctx = { secp: env.secp, signerProvider: env.pair.a.km, broadcaster, feeEstimator: env.fees, filter: env.chain.filter };
  const { monitors, errors } = await persister.readAllChannelMonitors(ctx);
  assert.equal(errors, []);
  const cm = new ChainMonitor({ ...ctx, persister });
  for (const m of monitors) {
    assert.is(cm.loadExistingMonitor(m.monitor), 'Completed');
    // Catch up with blocks the stored monitor has not seen (a real node re-reads them from its chain source).
    for (let h = m.monitor.bestBlock.height + 1; h <= env.chain.tipHeight; h++) cm.blockConnected(env.chain.getBlock(h)!, h);
  }
  const side = env.makeSide('A', persister, cm, broadcaster);
  (env as { A: SideEnv }).A = side;
  return { side, persister, replayed: monitors.reduce((a, m) => a + m.replayedUpdates, 0) };
}

/** What the test's "channel manager" does after a restart: replay the updates the monitor lacks. */
async function replayMissing(side: SideEnv, persister: KVStoreMonitorPersister, all: readonly ChannelMonitorUpdate[], managerLatest: bigint, channelId: Uint8Array): Promise<MonitorMismatch[]> {
  const report = side.monitor.checkAgainstChannelManager([{ channelId, latestUpdateId: managerLatest }]);
  for (const r of report) {
    assert.ok(r.type === 'MonitorBehind' || r.type === 'MissingMonitor', r.type);
    if (r.type !== 'MonitorBehind') continue;
    for (const u of all.filter((x) => x.updateId > r.monitorUpdateId && x.updateId <= managerLatest)) assert.is(side.monitor.updateChannel(u), 'InProgress');
  }
  await persister.flush();
  return report;
}

/** B cheats with its revoked commitment 1: A must take everything, as if nothing had happened. */
function expectJustice(env: Env, s1: CommitState): void {
  env.chain.mine(1, { txs: [env.pair.signedCommitment('B', 1n).raw] });
  env.mine(ANTI_REORG_DELAY + 3);
  env.assertNoInvalid();
  const l = ledger(env);
  assert.is(l.by['B-wallet'] + l.by['B-to_remote'] + l.by.other, 0n, 'the cheater gets nothing');
  assert.is(l.by['A-to_remote'], s1.toAMsat / 1000n - commitmentFeeSat(2500, 2, false));
  assert.ok(l.by['A-wallet'] > (s1.toBMsat + 120_000_000n) / 1000n - 3_000n, 'to_local and both HTLCs taken');
}

test('deltas: each update is stored as a small delta, the whole monitor every maxPendingUpdates, old deltas removed', async () => {
  const store = new MemoryKVStore();
  const persister = new KVStoreMonitorPersister(store, { maxPendingUpdates: 4 });
  const env = new Env({ label: 'deltas' }, { A: persister });
  const { updates } = scenario(env);
  await persister.flush();
  const name = env.A.monitor.listMonitors()[0]!.persistenceKey;
  const fullSize = env.A.monitor.listMonitors()[0]!.serialize().length;
  for (const u of updates) {
    const before = store.bytesWritten;
    env.A.monitor.updateChannel(u);
    await persister.flush();
    const written = store.bytesWritten - before;
    if (u.updateId % 4n === 0n) assert.ok(written >= fullSize - 500, `update ${u.updateId}: the whole monitor (${written} bytes)`);
    else assert.ok(written < 800, `update ${u.updateId}: a delta of ${written} bytes`);
  }
  const left = await store.list(MONITOR_UPDATE_NAMESPACE, name);
  assert.ok(left.every((k) => BigInt(k) > 8n), `deltas up to the last whole monitor are removed (left: ${left.join(',')})`);
  const loaded = await new KVStoreMonitorPersister(store.clone()).readChannelMonitor(name, { secp: env.secp, signerProvider: env.pair.a.km, broadcaster: env.A.broadcaster, feeEstimator: env.fees });
  assert.is(loaded.replayedUpdates, left.length);
  assert.is(bytesToHex(loaded.monitor.serialize()), bytesToHex(env.A.monitor.listMonitors()[0]!.serialize()), 'the monitor read back equals the live one, byte for byte');
});

const N_UPDATES = 10;
for (let k = 0; k <= N_UPDATES; k++) {
  for (const durable of [false, true]) {
    test(`killed while persisting update ${k} (${durable ? 'write durable, completion lost' : 'write lost'}): restart, replay, justice still taken`, async () => {
      const store = new MemoryKVStore();
      const persister = new KVStoreMonitorPersister(store, { maxPendingUpdates: 3 });
      if (k === 0) store.holdWrites();
      const env = new Env({ label: `kill-${k}` }, { A: persister });
      const { updates, s1 } = scenario(env);
      assert.is(updates.length, N_UPDATES);
      const cid = env.pair.channelId;
      for (const u of updates.slice(0, Math.max(0, k - 1))) {
        env.A.monitor.updateChannel(u);
        await persister.flush();
      }
      if (k > 0) {
        await persister.flush();
        store.holdWrites();
        assert.is(env.A.monitor.updateChannel(updates[k - 1]!), 'InProgress');
      }
      if (durable) store.releaseHeldWrites();
      else store.dropHeldWrites();
      // The process dies here: nothing more is written, the Completed event is never seen.
      const { side, persister: p2 } = await restartA(env, store.clone());
      const managerLatest = BigInt(k === 0 ? 0 : k);
      const report = await replayMissing(side, p2, updates, managerLatest, cid);
      if (durable) assert.equal(report, [], 'nothing lost: the monitor has every update');
      else assert.equal(report.map((r) => r.type), [k === 0 ? 'MissingMonitor' : 'MonitorBehind']);
      if (k === 0 && !durable) {
        // The monitor itself was never stored: the channel manager recreates it (it never sent funding_signed).
        side.monitor.watchChannel(env.pair.initFor('A', { blockHash: env.chain.tip.hash, height: env.chain.tipHeight }));
      }
      for (const u of updates.filter((x) => x.updateId > side.monitor.getMonitor(cid)!.latestUpdateId)) side.monitor.updateChannel(u);
      await p2.flush();
      assert.is(side.monitor.getMonitor(cid)!.latestUpdateId, BigInt(N_UPDATES));
      expectJustice(env, s1);
    });
  }
}

test('killed after a block changed the on-chain state, before the monitor was rewritten: blocks re-fed on restart, justice taken', async () => {
  const store = new MemoryKVStore();
  const persister = new KVStoreMonitorPersister(store, { maxPendingUpdates: 3 });
  const env = new Env({ label: 'kill-chain' }, { A: persister });
  const { updates, s1 } = scenario(env);
  for (const u of updates) env.A.monitor.updateChannel(u);
  await persister.flush();
  store.holdWrites();
  env.A.broadcaster.hold = true; // the justice transaction dies with the process too
  env.chain.mine(1, { txs: [env.pair.signedCommitment('B', 1n).raw] });
  assert.equal(env.chain.mempoolTxids(), []);
  store.dropHeldWrites();
  env.chain.mine(2);
  const { side } = await restartA(env, store.clone());
  assert.ok(side.monitor.listMonitors()[0]!.isClosedOnChain(), 'the re-fed blocks showed the revoked commitment');
  env.mine(ANTI_REORG_DELAY + 3);
  env.assertNoInvalid();
  const l = ledger(env);
  assert.is(l.by['B-wallet'] + l.by['B-to_remote'] + l.by.other, 0n);
  assert.is(l.by['A-to_remote'], s1.toAMsat / 1000n - commitmentFeeSat(2500, 2, false));
});

test('FilesystemKVStore: monitors and deltas survive a restart of the process', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ln-monitor-'));
  try {
    const store = await FilesystemKVStore.open(dir);
    const persister = new KVStoreMonitorPersister(store, { maxPendingUpdates: 3 });
    const env = new Env({ label: 'fs' }, { A: persister });
    const { updates, s1 } = scenario(env);
    for (const u of updates) env.A.monitor.updateChannel(u);
    await persister.flush();
    const live = bytesToHex(env.A.monitor.listMonitors()[0]!.serialize());
    const { side, persister: p2 } = await restartA(env, await FilesystemKVStore.open(dir));
    assert.is(bytesToHex(side.monitor.listMonitors()[0]!.serialize()), live);
    expectJustice(env, s1);
    await p2.flush();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a monitor fed by Confirm survives a restart too', async () => {
  const store = new MemoryKVStore();
  const persister = new KVStoreMonitorPersister(store);
  const env = new Env({ label: 'confirm-restart', mode: 'confirm' }, { A: persister });
  const { updates, s1 } = scenario(env);
  for (const u of updates) env.A.monitor.updateChannel(u);
  await persister.flush();
  env.chain.unsubscribe(env.A.listener);
  const p2 = new KVStoreMonitorPersister(store.clone());
  const ctx = { secp: env.secp, signerProvider: env.pair.a.km, broadcaster: env.A.broadcaster, feeEstimator: env.fees, filter: env.chain.filter };
  const { monitors } = await p2.readAllChannelMonitors(ctx);
  const cm = new ChainMonitor({ ...ctx, persister: p2 });
  cm.loadExistingMonitor(monitors[0]!.monitor);
  const side = env.makeSide('A', p2, cm);
  (env as { A: SideEnv }).A = side;
  expectJustice(env, s1);
});

test('a store that completes writes out of order cannot leave an older whole monitor behind', async () => {
  const inner = new MemoryKVStore();
  let delay = 40;
  // Each write takes less time than the one before: later writes finish first.
  const store: KVStore = {
    read: (a, b, c) => inner.read(a, b, c),
    list: (a, b) => inner.list(a, b),
    remove: (a, b, c, l) => inner.remove(a, b, c, l),
    write: (a, b, c, v) => new Promise((r) => setTimeout(r, (delay = Math.max(0, delay - 4)))).then(() => inner.write(a, b, c, v)),
  };
  const persister = new KVStoreMonitorPersister(store, { maxPendingUpdates: 3 });
  const env = new Env({ label: 'unordered' }, { A: persister });
  const { updates } = scenario(env);
  for (const u of updates) env.A.monitor.updateChannel(u);
  await persister.flush();
  assert.equal(env.A.monitor.pendingUpdates(env.pair.channelId), []);
  const name = env.A.monitor.listMonitors()[0]!.persistenceKey;
  const back = await new KVStoreMonitorPersister(inner.clone()).readChannelMonitor(name, { secp: env.secp, signerProvider: env.pair.a.km, broadcaster: env.A.broadcaster, feeEstimator: env.fees });
  assert.is(bytesToHex(back.monitor.serialize()), bytesToHex(env.A.monitor.listMonitors()[0]!.serialize()));
});

test.run();
