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

test('a force-close from a manager behind the monitor (stale after a restart) is taken although its update id is stale, and broadcasts the newest commitment', () => {
  const env = new Env({ label: 'stale-close' });
  const p = env.pair;
  env.advance(p.advance(state(600_000_000n)));
  const mon = env.A.monitor.listMonitors()[0]!;
  const latest = mon.latestUpdateId;
  assert.ok(latest >= 2n);
  const newest = mon.unsafeGetLatestHolderCommitmentTx();
  assert.is(newest.commitmentNumber, mon.state.holderCurrent.commitmentNumber);
  const before = env.A.broadcaster.offered.length;
  // The stale manager thinks it is at update latest-1: its force-close comes as update `latest`.
  const status = env.A.monitor.updateChannel({ channelId: mon.channelId, updateId: latest, steps: [{ type: 'ChannelForceClosed', shouldBroadcast: true }] });
  assert.is(status, 'Completed');
  assert.is(mon.latestUpdateId, latest, 'the update id does not move');
  assert.is(mon.state.forceClosed, true);
  const sent = env.A.broadcaster.offered.slice(before);
  assert.is(sent.length, 1);
  assert.is(bytesToHex(sent[0]!), bytesToHex(newest.raw), 'the newest commitment, as the getter signed it');
  // Anything else with a stale id is still a replay.
  assert.is(env.A.monitor.updateChannel({ channelId: mon.channelId, updateId: latest, steps: [{ type: 'PaymentPreimage', paymentPreimage: new Uint8Array(32) }] }), 'UnrecoverableError');
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
