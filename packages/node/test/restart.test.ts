import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { minedFeesSat, portOf, testNet, until } from './support/net.js';

test('a node stopped and started again from its data directory resumes its channel and reconnects', async () => {
  const net = testNet();
  try {
    const alice = await net.add('alice');
    let bob = await net.add('bob');
    net.chain.fund(alice.walletScript(), 1_500_000n);
    await net.mine(1);
    await alice.connect(bob.nodeId, '127.0.0.1', portOf(bob));
    const { channelId } = await alice.openChannel(bob.nodeId, 1_000_000n);
    await net.mine(2);
    await until(() => alice.listChannels()[0]?.isUsable === true && bob.listChannels()[0]?.isUsable === true, 'usable channel');
    const before = bob.listChannels()[0]!;
    await bob.stop();
    await until(() => !alice.listChannels()[0]!.isUsable, 'alice sees bob gone');
    await net.mine(3); // blocks while bob is down: he catches up from his stored tip
    bob = await net.restart(bob);
    assert.is(bob.listChannels()[0]!.channelId, channelId);
    // Bob reconnects to alice? He knows her only as an inbound peer: alice reconnects to him.
    await until(() => alice.listChannels()[0]!.isUsable && bob.listChannels()[0]!.isUsable, 'channel usable again after reestablish', 15_000);
    assert.is(bob.listChannels()[0]!.balanceMsat, before.balanceMsat);
    assert.is(bob.getInfo().blockHeight, net.chain.tipHeight);
  } finally {
    await net.close();
  }
});

test('force close: the commitment confirms, the monitor sweeps to_local after to_self_delay into the wallet', async () => {
  const net = testNet();
  try {
    const alice = await net.add('alice');
    const bob = await net.add('bob');
    net.chain.fund(alice.walletScript(), 1_500_000n);
    await net.mine(1);
    await alice.connect(bob.nodeId, '127.0.0.1', portOf(bob));
    const { channelId } = await alice.openChannel(bob.nodeId, 1_000_000n, { pushMsat: 200_000_000n });
    await net.mine(2);
    await until(() => alice.listChannels()[0]?.isUsable === true, 'usable channel');
    const closed = alice.waitFor('ChannelClosed');
    await alice.closeChannel(channelId, { force: true });
    await closed;
    await net.mine(1); // the commitment
    // Bob's to_remote (P2WPKH of his payment key) is reported after 6 confirmations and swept to his wallet.
    await net.mine(6);
    await until(() => bob.wallet.balance().unconfirmedSat > 0n || bob.wallet.balance().confirmedSat > 0n, 'bob sweeps his to_remote');
    await net.mine(12); // to_self_delay 12: alice's to_local becomes spendable
    await net.mine(7);
    await until(() => alice.chainMonitor.getClaimableBalances().every((c) => c.balances.length === 0), 'nothing left claimable for alice', 10_000);
    await net.mine(1);
    const total = alice.wallet.balance().confirmedSat + bob.wallet.balance().confirmedSat + minedFeesSat(net.chain);
    assert.is(total, 1_500_000n);
    assert.ok(bob.wallet.balance().confirmedSat > 199_000n);
  } finally {
    await net.close();
  }
});

test.run();
