/**
 * What a monitor registers with the `Filter` (so a `Confirm`-fed chain source shows it every
 * transaction it needs), the force-close of a stale channel manager, and the signed holder
 * commitment getter for tests and recovery tools.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { outPointToString } from '@ln/chain-interfaces';
import { bytesToHex, equalBytes } from '@ln/crypto';
import { MemoryChainFilter } from '@ln/test-kit';
import { parseTx, txidOf } from '@ln/transactions';
import { ChainMonitor, ChannelMonitor } from '../src/index.js';
import type { CommitState } from './helpers/channel-pair.js';
import { Env, SyncPersist } from './helpers/env.js';

const state = (toA: bigint): CommitState => ({ toAMsat: toA, toBMsat: 1_000_000_000n - toA, htlcs: [], feeratePerKw: 2500 });

test('Filter: the funding output at watchChannel, every output of a relevant transaction when it confirms, all of it again when a monitor is loaded', () => {
  const env = new Env({ label: 'filter', mode: 'confirm' });
  const p = env.pair;
  const f = env.chain.filter;
  assert.ok(f.outputs.has(outPointToString(p.fundingOutpoint)), 'funding outpoint registered');
  assert.ok(f.txids.has(bytesToHex(p.fundingOutpoint.txid)), 'funding txid registered');
  env.advance(p.advance(state(600_000_000n)));
  const cheat = p.signedCommitment('B', 0n);
  env.chain.mine(1, { txs: [cheat.raw] });
  const cheatTxid = txidOf(parseTx(cheat.raw));
  const outs = parseTx(cheat.raw).outputs.length;
  for (let vout = 0; vout < outs; vout++) assert.ok(f.outputs.has(outPointToString({ txid: cheatTxid, vout })), `output ${vout} of the confirmed commitment registered`);
  // A monitor read back from storage registers everything with a fresh filter.
  const fresh = new MemoryChainFilter();
  const m = ChannelMonitor.deserialize(env.A.monitor.listMonitors()[0]!.serialize(), { secp: env.secp, signerProvider: p.side('A').km, broadcaster: env.A.broadcaster, feeEstimator: env.fees });
  const cm = new ChainMonitor({ secp: env.secp, signerProvider: p.side('A').km, broadcaster: env.A.broadcaster, feeEstimator: env.fees, persister: new SyncPersist(), filter: fresh });
  assert.is(cm.loadExistingMonitor(m), 'Completed');
  // What it holds is durable: a manager restarted beside it may step forward up to its latest update.
  const evs = cm.releasePendingMonitorEvents();
  assert.equal(evs[0], { type: 'Completed', channelId: m.channelId, monitorUpdateId: m.latestUpdateId });
  assert.ok(fresh.outputs.has(outPointToString(p.fundingOutpoint)));
  for (let vout = 0; vout < outs; vout++) assert.ok(fresh.outputs.has(outPointToString({ txid: cheatTxid, vout })));
  // And it is fed what the filter matches: justice follows.
  env.mine(2);
  assert.ok(env.A.broadcaster.offered.some((raw) => parseTx(raw).inputs.some((i) => equalBytes(i.prevout.txid, cheatTxid))), 'justice broadcast from Confirm-fed data');
});

test('a force-close with a stale update id through updateChannel is refused and broadcasts nothing (whatever sends it: a stale manager, a peer-triggered close of another channel)', () => {
  const env = new Env({ label: 'stale-refused' });
  const p = env.pair;
  env.advance(p.advance(state(600_000_000n)));
  const mon = env.A.monitor.listMonitors()[0]!;
  const latest = mon.latestUpdateId;
  const bytes = bytesToHex(mon.serialize());
  const before = env.A.broadcaster.offered.length;
  const persisted = (env.A.persister as SyncPersist).writes;
  for (const id of [1n, latest - 1n, latest]) {
    for (const shouldBroadcast of [true, false]) {
      assert.is(env.A.monitor.updateChannel({ channelId: mon.channelId, updateId: id, steps: [{ type: 'ChannelForceClosed', shouldBroadcast }] }), 'UnrecoverableError', `id ${id}`);
    }
  }
  assert.is(env.A.broadcaster.offered.length, before, 'nothing broadcast');
  assert.is(bytesToHex(mon.serialize()), bytes, 'the monitor is unchanged');
  assert.is(mon.state.forceClosed, false);
  assert.is((env.A.persister as SyncPersist).writes, persisted, 'nothing written');
  env.mine(3);
  assert.is(env.A.broadcaster.offered.length, before, 'and nothing later either');
  // The next id is still taken: the channel goes on.
  const next = p.advance(state(590_000_000n));
  env.advance(next);
  assert.ok(mon.latestUpdateId > latest);
});

test('forceCloseFromMonitor (recovery after MonitorAhead): broadcasts the newest commitment, persists the monitor, leaves the update id alone; later commitment updates are refused', () => {
  const env = new Env({ label: 'stale-close' });
  const p = env.pair;
  env.advance(p.advance(state(600_000_000n)));
  const mon = env.A.monitor.listMonitors()[0]!;
  const latest = mon.latestUpdateId;
  assert.ok(latest >= 2n);
  // A manager restored from an older copy knows update latest-1 at most.
  const [mm] = env.A.monitor.checkAgainstChannelManager([{ channelId: mon.channelId, latestUpdateId: latest - 1n }]);
  assert.is(mm!.type, 'MonitorAhead');
  const newest = mon.unsafeGetLatestHolderCommitmentTx();
  assert.is(newest.commitmentNumber, mon.state.holderCurrent.commitmentNumber);
  const before = env.A.broadcaster.offered.length;
  const writes = (env.A.persister as SyncPersist).writes;
  assert.is(env.A.monitor.forceCloseFromMonitor(mm!.channelId), 'Completed');
  assert.is((env.A.persister as SyncPersist).writes, writes + 1, 'the whole monitor written');
  const stored = ChannelMonitor.deserialize((env.A.persister as SyncPersist).stored.get(mon.persistenceKey)!, { secp: env.secp, signerProvider: p.side('A').km, broadcaster: env.A.broadcaster, feeEstimator: env.fees });
  assert.is(stored.state.forceClosed, true, 'durably closed');
  assert.is(stored.state.broadcastHolder, true);
  assert.is(mon.latestUpdateId, latest, 'the update id does not move');
  const sent = env.A.broadcaster.offered.slice(before);
  assert.is(sent.length, 1);
  assert.is(bytesToHex(sent[0]!), bytesToHex(newest.raw), 'the newest commitment, as the getter signed it');
  // Anything with a stale id is still a replay; a new commitment after the close is refused.
  assert.is(env.A.monitor.updateChannel({ channelId: mon.channelId, updateId: latest, steps: [{ type: 'PaymentPreimage', paymentPreimage: new Uint8Array(32) }] }), 'UnrecoverableError');
  const c = p.commit('A', state(590_000_000n));
  assert.is(env.A.monitor.updateChannel({ ...c.A[0]!, updateId: latest + 1n }), 'UnrecoverableError');
  assert.is(env.A.monitor.forceCloseFromMonitor(new Uint8Array(32)), 'UnrecoverableError', 'unknown channel');
  env.mine(1);
  assert.ok(env.A.monitorEvents.some((e) => e.type === 'CommitmentTxConfirmed'));
  env.assertNoInvalid();
});

test('unsafeGetLatestHolderCommitmentTx signs without broadcasting or changing state', () => {
  const env = new Env({ label: 'getter' });
  const mon = env.A.monitor.listMonitors()[0]!;
  const bytes = bytesToHex(mon.serialize());
  const before = env.A.broadcaster.offered.length;
  const t = mon.unsafeGetLatestHolderCommitmentTx();
  assert.is(env.A.broadcaster.offered.length, before);
  assert.is(bytesToHex(mon.serialize()), bytes);
  assert.ok(equalBytes(parseTx(t.raw).inputs[0]!.prevout.txid, env.pair.fundingOutpoint.txid));
  env.chain.mine(1, { txs: [t.raw] });
  env.mine(1);
  assert.ok(env.A.monitorEvents.some((e) => e.type === 'CommitmentTxConfirmed'), 'a valid, confirmable commitment');
  env.assertNoInvalid();
});

test.run();
