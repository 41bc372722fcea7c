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
import { ChannelMonitor, KVStoreMonitorPersister, MonitorError, type Persist } from '../src/index.js';
import { ChannelPair, type CommitState } from './helpers/channel-pair.js';
import { Env } from './helpers/env.js';

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
  persist.next = 'UnrecoverableError';
  const w = env.pair.advance(state(570_000_000n)).A;
  assert.is(cm.updateChannel(w[0]!), 'UnrecoverableError', 'a persister that can never write stops the channel');
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
