/**
 * Persistence with the real ChainMonitor: a failed store write stops the channel from stepping
 * forward until it is retried; a restart while it fails resumes; a counterparty restored from an
 * old backup replays an old `channel_reestablish` and loses nothing; restart with a filesystem store.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANTI_REORG_DELAY } from '@ln/monitor';
import { MemoryKVStore } from '@ln/test-kit';
import { FilesystemKVStore } from '@ln/test-kit/node';
import { channelLedger, CrashableStore, FilesystemNodeStore, MANAGER_KEY, MANAGER_NAMESPACE, Network, ownedBy } from '../src/index.js';

test('a failed monitor write: the update stays in progress, no revoke_and_ack leaves; the retry on timerTick lets the channel step forward', async () => {
  const net = await Network.create(['alice', 'bob']);
  const [a, b] = net.nodes as [typeof net.nodes[0], typeof net.nodes[0]];
  const ch = await net.openChannel(a, b, 1_000_000n, 0n);
  (b.store as CrashableStore).failNextWrites(1, 'monitor');
  const before = net.log.length;
  a.cm.updateFee(ch.channelId, 3000);
  await net.settle();
  const sent = net.log.slice(before).map((l) => `${l[0]}:${l[2]}`);
  assert.equal(sent, ['alice:update_fee', 'alice:commitment_signed'], 'bob holds his revoke_and_ack and commitment_signed');
  assert.equal(b.chainMonitor.pendingUpdates(ch.channelId), [1n], 'the update is in progress');
  assert.is(b.persister.failures, 1);
  await net.settle();
  assert.is(net.log.length, before + 2, 'nothing moves while the write has not succeeded');
  await net.tick(); // the ChainMonitor retries the failed write (whole monitor)
  assert.equal(b.chainMonitor.pendingUpdates(ch.channelId), []);
  assert.ok(net.log.slice(before).some((l) => l[0] === 'bob' && l[2] === 'revoke_and_ack'));
  assert.is(a.cm.channel(ch.channelId)!.s.holderCtn, 1n);
  assert.is(b.cm.channel(ch.channelId)!.s.holderCtn, 1n);
  await net.teardown();
});

test('killed while a monitor write is failing: the restarted node resumes from its stored manager and monitor; the update is redone', async () => {
  const net = await Network.create(['alice', 'bob']);
  const [a, b] = net.nodes as [typeof net.nodes[0], typeof net.nodes[0]];
  const ch = await net.openChannel(a, b, 1_000_000n, 0n);
  (b.store as CrashableStore).failNextWrites(1, 'monitor');
  a.cm.updateFee(ch.channelId, 3000);
  await net.settle();
  const report = await net.restart(b);
  assert.equal(report.monitorsLoaded.map((m) => m.latestUpdateId), [0n], 'the stored monitor lacks the failed update (and the one after the gap)');
  assert.is(report.replayedByManager, 2, 'the stored manager had both in flight and handed them again');
  assert.equal(report.mismatches, [], 'then they agree');
  net.connect(a, b);
  await net.settle();
  assert.is(b.cm.channel(ch.channelId)!.s.holderCtn, 1n, 'alice retransmitted commitment_signed');
  assert.is(b.chainMonitor.getMonitor(ch.channelId)!.latestUpdateId >= 1n, true);
  a.cm.closeChannel(ch.channelId, b.nodeId);
  await net.settle();
  assert.is(net.closedReason(a), 'CooperativeClosure');
  assert.is(net.closedReason(b), 'CooperativeClosure');
  await net.teardown();
});

test('bob restored from an old backup replays an old channel_reestablish: he detects it, never broadcasts; alice closes with her latest state; bob still gets his to_remote', async () => {
  const net = new Network();
  const a = await net.addNode('alice', { config: { channelHandshakeConfig: { ourToSelfDelay: 20 } } });
  const b = await net.addNode('bob', { config: { channelHandshakeConfig: { ourToSelfDelay: 20 } } });
  const ch = await net.openChannel(a, b, 1_000_000n, 400_000_000n);
  const backup = (b.store as CrashableStore).durableCopy();
  for (const rate of [3000, 3500]) {
    a.cm.updateFee(ch.channelId, rate);
    await net.settle();
  }
  const report = await net.restart(b, backup);
  assert.equal(report.mismatches, [], 'the backup is consistent with itself');
  net.connect(a, b);
  await net.settle();
  assert.is(net.closedReason(b), 'DataLossDetected');
  const ra = net.closedReason(a);
  assert.ok(['CounterpartyForceClosed', 'HolderForceClosed', 'ProcessingError'].includes(ra), `alice: ${ra}`);
  assert.is(b.chainMonitor.getMonitor(ch.channelId)!.state.broadcastHolder, false, 'the stale node never broadcasts');
  await net.mine(1);
  await net.mine(20 + ANTI_REORG_DELAY + 1);
  const bobOuts = net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs);
  const aliceOuts = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs);
  const l = channelLedger(net.chain, ch.funding, 1_000_000n);
  assert.is(l.txs[0]!.tx.locktime >>> 24, 0x20, 'a commitment confirmed');
  assert.is(ownedBy(l, b, bobOuts.map((o) => o.outpoint)), 400_000n, 'bob gets exactly his balance from a commitment his stale monitor never saw');
  assert.is(ownedBy(l, a, aliceOuts.map((o) => o.outpoint)) + l.feesSat, 600_000n, 'alice gets hers less the fees');
  await net.teardown();
});

test('bob\'s manager restored from an old backup beside current monitors (MonitorAhead): the channel is force-closed from the monitor with the newest commitment; nothing is lost', async () => {
  const net = new Network();
  const a = await net.addNode('alice', { config: { channelHandshakeConfig: { ourToSelfDelay: 20 } } });
  const b = await net.addNode('bob', { config: { channelHandshakeConfig: { ourToSelfDelay: 20 } } });
  const ch = await net.openChannel(a, b, 1_000_000n, 400_000_000n);
  const oldManager = (await b.store.read(MANAGER_NAMESPACE, '', MANAGER_KEY))!;
  for (const rate of [3000, 3500]) {
    a.cm.updateFee(ch.channelId, rate);
    await net.settle();
  }
  const mixed = (b.store as CrashableStore).durableCopy();
  await mixed.write(MANAGER_NAMESPACE, '', MANAGER_KEY, oldManager);
  const report = await net.restart(b, mixed);
  // The manager closes it on deserialize (then the monitor outlives it: UnknownToManager), or the restart does (MonitorAhead).
  assert.ok(['MonitorAhead', 'UnknownToManager'].includes(report.mismatches.map((m) => m.type).join()), JSON.stringify(report.mismatches.map((m) => m.type)));
  assert.is(report.forceClosedStale.length, 1);
  assert.ok(['HolderForceClosed', 'ProcessingError'].includes(net.closedReason(b)));
  assert.is(b.chainMonitor.getMonitor(ch.channelId)!.state.broadcastHolder, true, 'the monitor broadcasts its newest commitment');
  const newest = b.chainMonitor.getMonitor(ch.channelId)!.state.holderCurrent.commitmentNumber;
  assert.is(newest, 2n, 'the monitor holds the newest commitment');
  net.connect(a, b);
  await net.settle();
  net.takeEvents(a, 'ChannelClosed');
  await net.mine(20 + ANTI_REORG_DELAY + 3);
  const l = channelLedger(net.chain, ch.funding, 1_000_000n);
  const sb = net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint));
  const sa = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs.map((o) => o.outpoint));
  assert.ok(l.txs.length >= 2, 'a commitment and the sweeps');
  assert.is(ownedBy(l, a, sa) + ownedBy(l, b, sb) + l.feesSat, 1_000_000n, 'every satoshi with alice or bob');
  assert.ok(ownedBy(l, b, sb) >= 400_000n - 2_000n, `bob keeps his 400k less his sweep fee (${ownedBy(l, b, sb)}): no revoked state was broadcast`);
  await net.teardown();
});

test('test-kit MemoryKVStore as the store: restart from its clone resumes the channel; the monitor deltas are replayed', async () => {
  const mem = new MemoryKVStore();
  const net = new Network();
  const a = await net.addNode('alice');
  const b = await net.addNode('bob', { store: new FilesystemNodeStore(mem, async () => mem.clone()) });
  const ch = await net.openChannel(a, b, 800_000n, 0n);
  a.cm.updateFee(ch.channelId, 3000);
  await net.settle();
  assert.ok(mem.writes > 0);
  const report = await net.restart(b);
  assert.equal(report.mismatches, []);
  assert.ok(report.monitorsLoaded[0]!.replayedUpdates >= 1, 'deltas replayed');
  net.connect(a, b);
  await net.settle();
  a.cm.updateFee(ch.channelId, 3500);
  await net.settle();
  assert.is(b.cm.channel(ch.channelId)!.s.holderCtn, 2n);
  a.cm.closeChannel(ch.channelId, b.nodeId);
  await net.settle();
  assert.is(net.closedReason(a), 'CooperativeClosure');
  assert.is(net.closedReason(b), 'CooperativeClosure');
  await net.teardown();
});

test('filesystem store: restart from the directory resumes the channel and it closes cooperatively', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ln-it-'));
  try {
    const open = () => FilesystemKVStore.open(join(dir, 'bob'));
    const net = new Network();
    const a = await net.addNode('alice');
    const b = await net.addNode('bob', { store: new FilesystemNodeStore(await open(), open) });
    const ch = await net.openChannel(a, b, 700_000n, 100_000_000n);
    a.cm.updateFee(ch.channelId, 2800);
    await net.settle();
    const report = await net.restart(b);
    assert.equal(report.mismatches, []);
    assert.is(report.monitorsLoaded.length, 1);
    assert.ok(report.monitorsLoaded[0]!.replayedUpdates >= 1, 'updates stored as deltas were replayed');
    net.connect(a, b);
    await net.settle();
    b.cm.closeChannel(ch.channelId, a.nodeId);
    await net.settle();
    assert.is(net.closedReason(a), 'CooperativeClosure');
    assert.is(net.closedReason(b), 'CooperativeClosure');
    await net.mine(1);
    assert.is(ownedBy(channelLedger(net.chain, ch.funding, 700_000n), b), 100_000n);
    await net.teardown();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
