/**
 * The open/close scenarios once more over real PeerManagers (BOLT 8 over TCP on 127.0.0.1),
 * with P2PGossipSync as the routing handler: private and public open, payments, disconnect and
 * restart, cooperative and forced close.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ANTI_REORG_DELAY } from '@ln/monitor';
import { channelLedger, claimAll, defaultFees, ownedBy, sendPayment, TcpNetwork } from '../src/index.js';

test('TCP: public channel alice→bob, announcement relayed by bob\'s PeerManager to carol\'s gossip; a payment alice→bob→carol; disconnect, restart, cooperative close', async () => {
  const net = new TcpNetwork();
  try {
    const a = await net.addNode('alice');
    const b = await net.addNode('bob');
    const c = await net.addNode('carol');
    await net.connectTcp(b, c);
    const ab = await net.openChannel(a, b, 1_000_000n, 0n, { announce: true });
    assert.ok(net.tcpLog.some((l) => l[0] === 'alice' && l[1] === 'bob' && l[2] === 'funding_created'), 'messages went over the sockets');
    for (const n of [b, c]) assert.ok(n.graph.hasChannel(ab.shortChannelId!), `${n.name}'s graph has the public channel`);
    assert.ok(net.tcpLog.some((l) => l[0] === 'bob' && l[1] === 'carol' && l[2] === 'channel_announcement'), 'relayed to carol');
    const bc = await net.openChannel(b, c, 800_000n, 0n);
    assert.is(c.graph.hasChannel(bc.shortChannelId!), false, 'bob-carol is private');
    const p = sendPayment(net, [a, b, c], 20_000_000n);
    await net.settle();
    assert.is(claimAll(net, c).length, 1);
    await net.settle();
    net.expectEvent(a, 'PaymentSent');
    net.takeEvents(a, 'PaymentPathSuccessful');
    net.expectEvent(b, 'PaymentForwarded');
    net.expectEvent(c, 'PaymentClaimed');
    void p;
    // Disconnect and reconnect: channel_reestablish over the wire, channels usable again.
    await net.disconnectTcp(a, b);
    assert.is(a.cm.listUsableChannels().length, 0);
    await net.connectTcp(a, b);
    await net.settle();
    assert.is(a.cm.listUsableChannels().length, 1);
    assert.ok(net.tcpLog.filter((l) => l[2] === 'channel_reestablish').length >= 2);
    // Restart bob (manager and monitors from his store): new PeerManager, new listener.
    const report = await net.restart(b);
    assert.equal(report.mismatches, []);
    assert.is(report.monitorsLoaded.length, 2);
    await net.connectTcp(a, b);
    await net.connectTcp(b, c);
    await net.settle();
    assert.is(b.cm.listUsableChannels().length, 2);
    a.cm.closeChannel(ab.channelId, b.nodeId);
    c.cm.closeChannel(bc.channelId, b.nodeId);
    await net.settle();
    for (const n of [a, c]) assert.is(net.closedReason(n), 'CooperativeClosure');
    assert.equal(net.takeEvents(b, 'ChannelClosed').map((e) => e.reason.type), ['CooperativeClosure', 'CooperativeClosure']);
    await net.mine(1);
    assert.is(ownedBy(channelLedger(net.chain, bc.funding, 800_000n), c), 20_000n, 'carol keeps what she was paid');
    await net.teardown();
  } finally {
    await net.teardown().catch(() => undefined);
  }
});

test('TCP: bob opens to alice (alice fundee), force close by alice: her monitor broadcasts, bob gets his to_remote, alice sweeps after the CSV delay', async () => {
  const net = new TcpNetwork();
  try {
    const a = await net.addNode('alice');
    const b = await net.addNode('bob', { config: { channelHandshakeConfig: { ourToSelfDelay: 15 } } });
    const ch = await net.openChannel(b, a, 600_000n, 200_000_000n);
    a.cm.forceCloseChannel(ch.channelId, b.nodeId);
    await net.settle();
    assert.is(net.closedReason(a), 'HolderForceClosed');
    assert.is(net.closedReason(b), 'CounterpartyForceClosed');
    await net.mine(15 + ANTI_REORG_DELAY + 2);
    const outsA = net.takeMonitorEvents(a, 'SpendableOutputs').flatMap((e) => e.outputs);
    const outsB = net.takeMonitorEvents(b, 'SpendableOutputs').flatMap((e) => e.outputs);
    assert.equal(outsA.map((o) => o.type), ['StaticOutput']);
    assert.equal(outsB.map((o) => o.type), ['StaticPaymentOutput']);
    const l = channelLedger(net.chain, ch.funding, 600_000n);
    assert.is(ownedBy(l, b, outsB.map((o) => o.outpoint)) + l.txs[0]!.feeSat, 400_000n, 'bob (the funder) pays the commitment fee');
    assert.is(ownedBy(l, a, outsA.map((o) => o.outpoint)) + l.txs[1]!.feeSat, 200_000n, 'alice: her 200k less her sweep fee');
    await net.teardown();
  } finally {
    await net.teardown().catch(() => undefined);
  }
});

test('TCP: legacy closing_signed negotiated over several rounds between PeerManagers', async () => {
  const net = new TcpNetwork();
  try {
    const legacy = { channelHandshakeConfig: { negotiateSimpleClose: false, closingFeeRange: false } };
    const fa = defaultFees();
    fa.set('ChannelCloseMinimum', 500);
    fa.set('NonAnchorChannelFee', 1000);
    const fb = defaultFees();
    fb.set('ChannelCloseMinimum', 2000);
    fb.set('NonAnchorChannelFee', 6000);
    const a = await net.addNode('alice', { config: legacy, fees: fa });
    const b = await net.addNode('bob', { config: legacy, fees: fb });
    const ch = await net.openChannel(a, b, 1_000_000n, 100_000_000n);
    b.cm.closeChannel(ch.channelId, a.nodeId);
    await net.settle();
    const rounds = net.tcpLog.filter((l) => l[2] === 'closing_signed').length;
    assert.ok(rounds >= 4, `closing_signed rounds over TCP: ${rounds}`);
    assert.is(net.closedReason(a), 'CooperativeClosure');
    assert.is(net.closedReason(b), 'CooperativeClosure');
    await net.mine(1);
    assert.is(ownedBy(channelLedger(net.chain, ch.funding, 1_000_000n), b), 100_000n, 'the funder pays the closing fee');
    await net.teardown();
  } finally {
    await net.teardown().catch(() => undefined);
  }
});

test.run();
