import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { minedFeesSat, portOf, testNet, until } from './support/net.js';

test('two nodes: connect over TCP, open a channel from the wallet, use it, close it cooperatively', async () => {
  const net = testNet();
  try {
    const alice = await net.add('alice');
    const bob = await net.add('bob');
    net.chain.fund(alice.walletScript(), 2_000_000n);
    await net.mine(1);
    assert.is(alice.wallet.balance().confirmedSat, 2_000_000n);
    await alice.connect(bob.nodeId, '127.0.0.1', portOf(bob));
    await until(() => bob.listPeers().includes(alice.nodeId), 'bob sees alice');
    const ready = alice.waitFor('ChannelReady');
    const { channelId } = await alice.openChannel(bob.nodeId, 1_000_000n, { pushMsat: 100_000_000n });
    await net.mine(1);
    await ready;
    await until(() => bob.listChannels().some((c) => c.isUsable), 'bob sees a usable channel');
    const a = alice.listChannels()[0]!;
    assert.is(a.channelId, channelId);
    assert.is(a.capacitySat, 1_000_000n);
    assert.is(bob.listChannels()[0]!.balanceMsat, 100_000_000n);
    const closedA = alice.waitFor('ChannelClosed');
    await alice.closeChannel(channelId);
    await closedA;
    await net.mine(1);
    await until(() => bob.wallet.balance().confirmedSat > 99_000n, `bob's close output in his wallet (has ${bob.wallet.balance().confirmedSat})`);
    // Every satoshi is in a wallet or was paid as a fee of a mined transaction.
    assert.is(alice.wallet.balance().confirmedSat + bob.wallet.balance().confirmedSat + minedFeesSat(net.chain), 2_000_000n);
    assert.is(alice.listChannels().length + bob.listChannels().length, 0);
  } finally {
    await net.close();
  }
});

test('peers over WebSocket: a channel opened and used through a ws:// connection', async () => {
  const net = testNet();
  try {
    const alice = await net.add('alice');
    const bob = await net.add('bob', { webSocket: { port: 0 } });
    const ws = bob.getInfo().listening.find((a) => a.startsWith('ws://'))!;
    assert.ok(ws, 'bob listens on WebSocket too');
    net.chain.fund(alice.walletScript(), 2_000_000n);
    await net.mine(1);
    await alice.connectWebSocket(bob.nodeId, ws);
    const { channelId } = await alice.openChannel(bob.nodeId, 500_000n);
    await net.mine(1);
    await until(() => alice.listChannels()[0]?.isUsable === true && bob.listChannels()[0]?.isUsable === true, 'usable over ws');
    const { invoice } = bob.createInvoice(10_000_000n, 'ws');
    const r = await alice.payInvoice(invoice);
    assert.is(r.status, 'succeeded', r.failureReason);
    assert.is(alice.listChannels()[0]!.channelId, channelId);
  } finally {
    await net.close();
  }
});

test.run();
