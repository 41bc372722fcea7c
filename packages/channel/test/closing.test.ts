import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ScriptedFeeEstimator } from '@ln/test-kit';
import { parseTx } from '@ln/transactions';
import { Harness } from './support/harness.js';

const legacy = (extra = {}) => ({ channelHandshakeConfig: { negotiateSimpleClose: false, ...extra } });

function closedReason(h: Harness, n: Parameters<Harness['eventsOf']>[0]): string | undefined {
  return (h.eventsOf(n, 'ChannelClosed')[0] as { reason: { type: string } } | undefined)?.reason.type;
}

test('legacy closing_signed with fee_range: agreed in one exchange, closing tx broadcast by both', () => {
  const h = new Harness();
  const a = h.addNode('alice', legacy());
  const b = h.addNode('bob', legacy());
  const id = h.openChannel(a, b, 1_000_000n, 200_000_000n);
  a.cm.closeChannel(id, b.nodeId);
  h.pump();
  assert.is(closedReason(h, a), 'CooperativeClosure');
  assert.is(closedReason(h, b), 'CooperativeClosure');
  const sigs = h.log.filter((l) => l[2] === 'closing_signed');
  assert.is(sigs.length, 2);
  const tx = parseTx(h.chain.broadcaster.broadcasts.at(-1)!);
  assert.ok(tx.outputs.some((o) => o.valueSat === 200_000n));
  h.mine(1);
  assert.is(a.cm.listChannels().length + b.cm.listChannels().length, 0);
});

test('legacy closing_signed without fee_range: several rounds converge inside both ranges', () => {
  const h = new Harness();
  const fa = new ScriptedFeeEstimator({}, 2500);
  fa.set('ChannelCloseMinimum', 500);
  fa.set('NonAnchorChannelFee', 1000);
  fa.set('OnChainSweep', 4000);
  const fb = new ScriptedFeeEstimator({}, 2500);
  fb.set('ChannelCloseMinimum', 2000);
  fb.set('NonAnchorChannelFee', 6000);
  fb.set('MinAllowedNonAnchorChannelRemoteFee', 253);
  fa.set('MinAllowedNonAnchorChannelRemoteFee', 253);
  const a = h.addNode('alice', legacy({ closingFeeRange: false }), fa);
  const b = h.addNode('bob', legacy({ closingFeeRange: false }), fb);
  const id = h.openChannel(a, b, 1_000_000n, 0n);
  b.cm.closeChannel(id, a.nodeId);
  h.pump();
  const sigs = h.log.filter((l) => l[2] === 'closing_signed');
  assert.ok(sigs.length >= 4, `rounds: ${sigs.length}`);
  assert.is(closedReason(h, a), 'CooperativeClosure');
  assert.is(closedReason(h, b), 'CooperativeClosure');
  const tx = parseTx(h.chain.broadcaster.broadcasts.at(-1)!);
  const fee = 1_000_000n - tx.outputs.reduce((x, o) => x + o.valueSat, 0n);
  assert.ok(fee > 0n);
});

test('force close: our monitor is told to broadcast; the peer fails the channel on our error and broadcasts too', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  const id = h.openChannel(a, b, 800_000n, 0n);
  a.cm.forceCloseChannel(id, b.nodeId, 'test');
  h.pump();
  assert.is(closedReason(h, a), 'HolderForceClosed');
  assert.is(closedReason(h, b), 'CounterpartyForceClosed');
  assert.is(a.watch.forceClosed.get([...a.watch.forceClosed.keys()][0]!), true);
  assert.is(b.watch.forceClosed.size, 1);
  assert.is(a.cm.listChannels().length, 0);
});

test('monitor persisting asynchronously: funding_signed waits until the update completes', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  b.watch.async = true;
  h.connect(a, b);
  a.cm.createChannel(b.nodeId, 500_000n, 0n, 1n);
  h.pump();
  const ev = h.eventsOf(a, 'FundingGenerationReady')[0] as { temporaryChannelId: Uint8Array; outputScript: Uint8Array };
  a.cm.fundingTransactionGenerated(ev.temporaryChannelId, b.nodeId, h.fundingTx(a, ev.outputScript, 500_000n));
  h.pump();
  assert.is(h.log.filter((l) => l[2] === 'funding_signed').length, 0, 'held while InProgress');
  assert.is(h.chain.mempoolTxids().length, 0, 'funding not broadcast');
  b.watch.completeAll();
  h.pump();
  assert.is(h.log.filter((l) => l[2] === 'funding_signed').length, 1);
  assert.is(h.chain.mempoolTxids().length, 1, 'funding broadcast after funding_signed');
  h.mine(3);
  assert.ok(a.cm.listChannels()[0]!.isUsable);
});

test('a failed persist (UnrecoverableError) fails the channel instead of stepping forward', () => {
  const h = new Harness();
  const a = h.addNode('alice');
  const b = h.addNode('bob');
  b.watch.failNext = true;
  h.connect(a, b);
  a.cm.createChannel(b.nodeId, 500_000n, 0n, 1n);
  h.pump();
  const ev = h.eventsOf(a, 'FundingGenerationReady')[0] as { temporaryChannelId: Uint8Array; outputScript: Uint8Array };
  a.cm.fundingTransactionGenerated(ev.temporaryChannelId, b.nodeId, h.fundingTx(a, ev.outputScript, 500_000n));
  h.pump();
  assert.is(h.log.filter((l) => l[2] === 'funding_signed').length, 0);
  assert.is(closedReason(h, b), 'ProcessingError');
  assert.is(h.chain.mempoolTxids().length, 0, 'the funder never broadcasts');
});

test.run();
