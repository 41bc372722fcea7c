/**
 * Updates are applied strictly in order, all steps or none; `ChainMonitor` reports
 * `Completed` only once persisted, supports asynchronous persistence, and refuses what it
 * cannot apply or persist.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChannelMonitorUpdate, ChannelMonitorUpdateStatus } from '@ln/chain-interfaces';
import { INITIAL_COMMITMENT_INDEX } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import { MemoryKVStore } from '@ln/test-kit';
import { ChainMonitor, ChannelMonitor, KVStoreMonitorPersister, MonitorError, type Persist } from '../src/index.js';
import { ChannelPair, type CommitState } from './helpers/channel-pair.js';
import { Env, SyncPersist } from './helpers/env.js';
import { parseTx } from '@ln/transactions';

const state = (toA: bigint): CommitState => ({ toAMsat: toA, toBMsat: 1_000_000_000n - toA, htlcs: [], feeratePerKw: 2500 });

function monitorOf(env: Env): ChannelMonitor {
  return env.A.monitor.listMonitors()[0]!;
}

function refused(m: ChannelMonitor, u: ChannelMonitorUpdate, code: string): void {
  const before = bytesToHex(m.serialize());
  try {
    m.update(u);
    assert.unreachable(`update ${u.updateId} was applied`);
  } catch (e) {
    assert.instance(e, MonitorError);
    assert.is((e as MonitorError).code, code);
  }
  assert.is(bytesToHex(m.serialize()), before, 'nothing changed');
}

test('gaps and replays are refused and change nothing', () => {
  const env = new Env({ label: 'order' });
  const p = env.pair;
  const u = p.advance(state(590_000_000n));
  const m = monitorOf(env);
  refused(m, u.A[1]!, 'update_out_of_order'); // gap: update 2 before 1
  m.update(u.A[0]!);
  refused(m, u.A[0]!, 'update_out_of_order'); // replay
  refused(m, { ...u.A[1]!, channelId: new Uint8Array(32).fill(9) }, 'wrong_channel');
  for (const x of u.A.slice(1)) m.update(x);
  assert.is(m.latestUpdateId, BigInt(u.A.length));
});

test('an update with one invalid step is refused whole: a bad secret, a commitment going backwards', () => {
  const env = new Env({ label: 'atomic' });
  const p = env.pair;
  env.advance(p.advance(state(590_000_000n)));
  const m = monitorOf(env);
  const next = m.latestUpdateId + 1n;
  const preimage = { type: 'PaymentPreimage' as const, paymentPreimage: new Uint8Array(32).fill(1) };
  refused(m, { channelId: p.channelId, updateId: next, steps: [preimage, { type: 'CommitmentSecret', idx: INITIAL_COMMITMENT_INDEX - 1n, secret: new Uint8Array(32).fill(7) }] }, 'invalid_update');
  refused(m, { channelId: p.channelId, updateId: next, steps: [preimage, { type: 'LatestHolderCommitment', commitment: m.state.holderCurrent }] }, 'invalid_update');
  refused(m, { channelId: p.channelId, updateId: next, steps: [{ type: 'LatestCounterpartyCommitment', commitment: m.state.counterparty[0]! }] }, 'invalid_update');
});

test('a secret that does not derive the earlier ones is refused (BOLT 3 shachain check)', () => {
  const env = new Env({ label: 'shachain' });
  const p = env.pair;
  env.advance(p.advance(state(590_000_000n)));
  env.advance(p.advance(state(580_000_000n)));
  const m = monitorOf(env);
  // B's secret for commitment 2, but from another seed: valid key, wrong chain.
  const other = new Env({ label: 'shachain-other' });
  other.advance(other.pair.advance(state(590_000_000n)));
  other.advance(other.pair.advance(state(580_000_000n)));
  const c3 = p.commit('B', state(570_000_000n));
  m.update(c3.A[0]!);
  const wrong = other.pair.side('B').signer.releaseCommitmentSecret(INITIAL_COMMITMENT_INDEX - 2n);
  refused(m, { channelId: p.channelId, updateId: m.latestUpdateId + 1n, steps: [{ type: 'CommitmentSecret', idx: INITIAL_COMMITMENT_INDEX - 2n, secret: wrong }] }, 'invalid_update');
});

test('after ChannelForceClosed, new commitments are refused but preimages accepted', () => {
  const env = new Env({ label: 'closed' });
  const p = env.pair;
  const m = monitorOf(env);
  m.update(p.forceCloseUpdate('A', false));
  assert.is(env.A.broadcaster.offered.length, 0, 'shouldBroadcast false: nothing broadcast');
  const h = p.htlc('B', 1_000_000n, 500);
  m.update(p.preimageUpdate('A', h));
  const c = p.commit('A', state(590_000_000n));
  refused(m, { ...c.A[0]!, updateId: m.latestUpdateId + 1n }, 'invalid_update');
});

test('ChainMonitor: refused updates, unknown channels and duplicate monitors are UnrecoverableError', () => {
  const env = new Env({ label: 'cm-errors' });
  const p = env.pair;
  const u = p.advance(state(590_000_000n));
  assert.is(env.A.monitor.updateChannel(u.A[1]!), 'UnrecoverableError');
  assert.is(env.A.monitor.updateChannel({ ...u.A[0]!, channelId: new Uint8Array(32) }), 'UnrecoverableError');
  assert.is(env.A.monitor.watchChannel(p.initFor('A', { blockHash: env.chain.tip.hash, height: env.chain.tipHeight })), 'UnrecoverableError');
  assert.is(env.A.monitor.updateChannel(u.A[0]!), 'Completed', 'the right update still applies');
});

/** A persister whose statuses the test chooses and whose writes it completes by hand. */
class ManualPersist implements Persist {
  next: ChannelMonitorUpdateStatus = 'InProgress';
  calls: (bigint | undefined)[] = [];
  persistNewChannel(): ChannelMonitorUpdateStatus {
    this.calls.push(0n);
    return this.next;
  }
  updatePersistedChannel(_n: string, u: ChannelMonitorUpdate | undefined): ChannelMonitorUpdateStatus {
    this.calls.push(u?.updateId);
    return this.next;
  }
}

test('asynchronous persistence: InProgress, then one Completed event once every update in flight is durable, in any completion order', () => {
  const persist = new ManualPersist();
  const env = new Env({ label: 'async' }, { A: persist });
  const cm = env.A.monitor;
  const id = env.pair.channelId;
  const u = env.pair.advance(state(590_000_000n)).A;
  assert.is(u.length, 3);
  for (const x of u) assert.is(cm.updateChannel(x), 'InProgress');
  assert.equal(cm.pendingUpdates(id), [0n, 1n, 2n, 3n]);
  assert.equal(cm.releasePendingMonitorEvents(), []);
  cm.channelMonitorUpdated(id, 2n);
  cm.channelMonitorUpdated(id, 0n);
  cm.channelMonitorUpdated(id, 3n);
  assert.equal(cm.releasePendingMonitorEvents(), [], 'update 1 is still in flight');
  cm.channelMonitorUpdated(id, 1n);
  assert.equal(cm.releasePendingMonitorEvents(), [{ type: 'Completed', channelId: id, monitorUpdateId: 3n }]);
  // A synchronous Completed while an earlier write is in flight is reported InProgress.
  const v = env.pair.advance(state(580_000_000n)).A;
  assert.is(cm.updateChannel(v[0]!), 'InProgress');
  persist.next = 'Completed';
  assert.is(cm.updateChannel(v[1]!), 'InProgress', 'update 4 is still in flight');
  cm.channelMonitorUpdated(id, 4n);
  assert.equal(cm.releasePendingMonitorEvents(), [{ type: 'Completed', channelId: id, monitorUpdateId: 5n }]);
  assert.is(cm.updateChannel(v[2]!), 'Completed');
});

test('a write that fails for good (UnrecoverableError): the update stays applied in memory, the channel is frozen (InProgress, no Completed) and listed as stuck; the running monitor keeps protecting the funds with it; a restart from the stored monitor gets it again from the manager; once the storage is back, timerTick rewrites the monitor and the channel resumes', () => {
  const persist = new SyncPersist();
  const env = new Env({ label: 'stuck' }, { A: persist });
  const cm = env.A.monitor;
  const p = env.pair;
  const id = p.channelId;
  const h = p.htlc('B', 20_000_000n, env.chain.tipHeight + 100);
  env.advance(p.advance({ toAMsat: 590_000_000n, toBMsat: 390_000_000n, htlcs: [h], feeratePerKw: 2500 }));
  cm.releasePendingMonitorEvents();
  const durableId = cm.getMonitor(id)!.latestUpdateId;
  // The disk dies. The manager hands over the preimage of the HTLC A received.
  persist.next = 'UnrecoverableError';
  const pre = p.preimageUpdate('A', h);
  assert.is(cm.updateChannel(pre), 'InProgress', 'frozen, not failed: the manager keeps the update in flight');
  assert.is(cm.getMonitor(id)!.latestUpdateId, pre.updateId, 'applied in memory');
  assert.equal(cm.listStuckChannels(), [{ channelId: id, failedUpdateId: pre.updateId, inMemoryUpdateId: pre.updateId }]);
  const stored = () => ChannelMonitor.deserialize(persist.stored.get(cm.getMonitor(id)!.persistenceKey)!, { secp: env.secp, signerProvider: p.a.km, broadcaster: env.A.broadcaster, feeEstimator: env.fees });
  assert.is(stored().latestUpdateId, durableId, 'the stored monitor is behind');
  cm.timerTick();
  assert.equal(cm.releasePendingMonitorEvents(), [], 'still failing: no Completed');
  assert.is(cm.listStuckChannels().length, 1);
  // A restart now would start from the stored monitor: the manager replays the update it still has in flight.
  const restarted = new ChainMonitor({ secp: env.secp, signerProvider: p.a.km, broadcaster: env.A.broadcaster, feeEstimator: env.fees, persister: new SyncPersist() });
  restarted.loadExistingMonitor(stored());
  const [behind] = restarted.checkAgainstChannelManager([{ channelId: id, latestUpdateId: pre.updateId }]);
  assert.is(behind!.type, 'MonitorBehind');
  assert.is(restarted.updateChannel(pre), 'Completed');
  assert.is(bytesToHex(restarted.getMonitor(id)!.state.preimages.get(bytesToHex(h.paymentHash))!), bytesToHex(h.preimage), 'the restarted monitor has the preimage again');
  // Meanwhile the running monitor acts with what only it holds: B's commitment confirms, A claims with the preimage.
  env.chain.mine(1, { txs: [p.signedCommitment('B', p.side('B').holderN).raw] });
  env.mine(1);
  assert.ok(env.A.broadcaster.offered.some((raw) => parseTx(raw).inputs.some((i) => bytesToHex(i.witness[1] ?? new Uint8Array()) === bytesToHex(h.preimage))), 'claimed with the unpersisted preimage');
  assert.equal(cm.releasePendingMonitorEvents().filter((e) => e.type === 'Completed'), [], 'still frozen');
  // The storage is back: the next tick writes the whole monitor and the channel may step forward.
  persist.next = 'Completed';
  cm.timerTick();
  assert.equal(cm.listStuckChannels(), []);
  const evs = cm.releasePendingMonitorEvents().filter((e) => e.type === 'Completed');
  assert.equal(evs, [{ type: 'Completed', channelId: id, monitorUpdateId: pre.updateId }]);
  assert.is(bytesToHex(persist.stored.get(cm.getMonitor(id)!.persistenceKey)!), bytesToHex(cm.getMonitor(id)!.serialize()), 'stored = running');
  env.assertNoInvalid();
});

test('an update applied while the channel is stuck is reported InProgress even if its own write succeeds: nothing steps forward past an update that is not durable', () => {
  const persist = new SyncPersist();
  const env = new Env({ label: 'stuck-later' }, { A: persist });
  const cm = env.A.monitor;
  const u = env.pair.advance(state(590_000_000n)).A;
  persist.next = 'UnrecoverableError';
  assert.is(cm.updateChannel(u[0]!), 'InProgress');
  persist.next = 'Completed';
  assert.is(cm.updateChannel(u[1]!), 'InProgress');
  assert.equal(cm.releasePendingMonitorEvents(), []);
  assert.is(cm.listStuckChannels()[0]!.failedUpdateId, u[0]!.updateId);
  cm.timerTick();
  assert.equal(cm.releasePendingMonitorEvents(), [{ type: 'Completed', channelId: env.pair.channelId, monitorUpdateId: u[1]!.updateId }]);
  assert.is(cm.updateChannel(u[2]!), 'Completed');
});

test('a new monitor that cannot be persisted for good is refused and forgotten (nothing depends on it yet); the same channel can be watched once storage works', () => {
  const persist = new SyncPersist();
  persist.next = 'UnrecoverableError';
  const env = new Env({ label: 'stuck-new' }, { A: new SyncPersist() });
  const cm = new ChainMonitor({ secp: env.secp, signerProvider: env.pair.a.km, broadcaster: env.A.broadcaster, feeEstimator: env.fees, persister: persist });
  const init = env.pair.initFor('A', { blockHash: env.chain.tip.hash, height: env.chain.tipHeight });
  assert.is(cm.watchChannel(init), 'UnrecoverableError');
  assert.is(cm.getMonitor(init.channelId), undefined);
  assert.equal(cm.listMonitors(), []);
  persist.next = 'Completed';
  assert.is(cm.watchChannel(init), 'Completed');
});

test('KVStore persister: a failed write keeps the update in progress (no Completed) until timerTick retries it', async () => {
  const store = new MemoryKVStore();
  const persister = new KVStoreMonitorPersister(store);
  const env = new Env({ label: 'kv-fail' }, { A: persister });
  const cm = env.A.monitor;
  const id = env.pair.channelId;
  await persister.flush();
  assert.equal(cm.releasePendingMonitorEvents(), [{ type: 'Completed', channelId: id, monitorUpdateId: 0n }]);
  const u = env.pair.advance(state(590_000_000n)).A;
  store.failNextWrites(1);
  assert.is(cm.updateChannel(u[0]!), 'InProgress');
  await persister.flush();
  assert.is(persister.failures, 1);
  assert.equal(cm.releasePendingMonitorEvents(), [], 'the channel must not step forward');
  assert.equal(cm.pendingUpdates(id), [1n]);
  cm.timerTick();
  await persister.flush();
  assert.equal(cm.releasePendingMonitorEvents(), [{ type: 'Completed', channelId: id, monitorUpdateId: 1n }]);
  assert.equal(cm.pendingUpdates(id), []);
});

test('one ChainMonitor, two channels on one chain: blocks reach the right monitor, one closes by justice, the other stays open', () => {
  const env = new Env({ label: 'two-1', aSeedLabel: 'two-shared', userChannelId: 1n });
  const p2 = new ChannelPair(env.secp, { label: 'two-2', aSeedLabel: 'two-shared', userChannelId: 2n });
  p2.fund(env.chain, 300_000_000n);
  assert.is(bytesToHex(p2.a.km.getNodeId()), bytesToHex(env.pair.a.km.getNodeId()), 'same node');
  assert.is(env.A.monitor.watchChannel(p2.initFor('A', { blockHash: env.chain.tip.hash, height: env.chain.tipHeight })), 'Completed');
  env.advance(env.pair.advance(state(590_000_000n)));
  const u2 = p2.advance({ toAMsat: 750_000_000n, toBMsat: 250_000_000n, htlcs: [], feeratePerKw: 2500 });
  env.A.apply(u2.A);
  p2.advance({ toAMsat: 760_000_000n, toBMsat: 240_000_000n, htlcs: [], feeratePerKw: 2500 }).A.forEach((u) => env.A.apply([u]));
  env.chain.mine(1, { txs: [p2.signedCommitment('B', 0n).raw] });
  env.mine(8);
  env.assertNoInvalid();
  const m1 = env.A.monitor.getMonitor(env.pair.channelId)!;
  const m2 = env.A.monitor.getMonitor(p2.channelId)!;
  assert.is(m1.isClosedOnChain(), false);
  assert.is(m2.isClosedOnChain(), true);
  assert.ok(m2.isFullyResolved());
  const balances = env.A.monitor.getClaimableBalances();
  assert.is(balances.length, 2);
  assert.is(balances.find((b) => bytesToHex(b.channelId) === bytesToHex(env.pair.channelId))!.balances[0]!.type, 'ClaimableOnChannelClose');
  assert.equal(balances.find((b) => bytesToHex(b.channelId) === bytesToHex(p2.channelId))!.balances, []);
  const spent = env.A.userEvents.flatMap((e) => (e.type === 'SpendableOutputs' ? e.outputs : []));
  assert.is(spent.reduce((a, o) => a + o.output.valueSat, 0n) > 990_000n, true, 'channel 2: all of it, minus fees');
});

test.run();
