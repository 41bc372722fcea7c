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

test('blocks the node had seen are reorged out while it is down: it restarts, disconnecting them back to the fork', async () => {
  const net = testNet();
  try {
    const alice = await net.add('alice');
    let bob = await net.add('bob');
    net.chain.fund(alice.walletScript(), 1_500_000n);
    await net.mine(1);
    await alice.connect(bob.nodeId, '127.0.0.1', portOf(bob));
    await alice.openChannel(bob.nodeId, 1_000_000n);
    await net.mine(3);
    await until(() => alice.listChannels()[0]?.isUsable === true && bob.listChannels()[0]?.isUsable === true, 'usable channel');
    await net.mine(3); // empty blocks on top
    const staleTip = net.chain.tip.hash;
    await bob.stop();
    net.chain.reorg(2); // the top two blocks (bob saw them) replaced by three others
    assert.not.equal(net.chain.getHeader(net.chain.tipHeight - 1)!.hash, staleTip);
    bob = await net.restart(bob);
    assert.is(bob.getInfo().blockHeight, net.chain.tipHeight);
    assert.is(bob.cm.currentBestBlock().height, net.chain.tipHeight, 'the manager followed the new branch');
    assert.equal(bob.cm.currentBestBlock().blockHash, net.chain.tip.hash);
    await until(() => alice.listChannels()[0]!.isUsable && bob.listChannels()[0]!.isUsable, 'channel usable after the restart', 15_000);
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
    // balances(): the wallet's change, the channel balance (ours on our commitment), nothing claimable yet.
    const open = alice.balances();
    assert.is(open.lightningMsat, alice.listChannels()[0]!.balanceMsat);
    assert.is(open.lightningMsat, 800_000_000n);
    assert.is(open.claimableOnChainSat, 0n);
    assert.is(open.onChain.confirmedSat + open.onChain.unconfirmedSat, alice.wallet.balance().confirmedSat + alice.wallet.balance().unconfirmedSat);
    assert.is(open.totalSat, open.onChain.confirmedSat + open.onChain.unconfirmedSat + open.onChain.reservedSat + 800_000n);
    const closed = alice.waitFor('ChannelClosed');
    await alice.closeChannel(channelId, { force: true });
    await closed;
    await net.mine(1); // the commitment
    // Closed: the channel balance moves to what the monitor will claim (to_local minus the commitment fee alice pays as funder).
    await until(() => alice.balances().claimableOnChainSat > 0n, 'alice\'s monitor reports her to_local');
    const closing = alice.balances();
    assert.is(closing.lightningMsat, 0n);
    assert.is(closing.claimable.length, 1);
    assert.is(closing.claimable[0]!.channelId, channelId);
    assert.is(closing.claimableOnChainSat, 800_000n - 724n, 'to_local = 800,000 sat - the BOLT 3 commitment fee at 1,000 sat/kw (724 sat)');
    // Bob's to_remote (P2WPKH of his payment key) is reported after 6 confirmations and swept to his wallet.
    await net.mine(6);
    await until(() => bob.wallet.balance().unconfirmedSat > 0n || bob.wallet.balance().confirmedSat > 0n, 'bob sweeps his to_remote');
    await net.mine(12); // to_self_delay 12: alice's to_local becomes spendable
    await net.mine(7);
    await until(() => alice.chainMonitor.getClaimableBalances().every((c) => c.balances.length === 0), 'nothing left claimable for alice', 10_000);
    await net.mine(1);
    const total = alice.wallet.balance().confirmedSat + bob.wallet.balance().confirmedSat + minedFeesSat(net.chain);
    assert.is(total, 1_500_000n);
    const after = alice.balances();
    assert.is(after.claimableOnChainSat, 0n, 'claimed: counted in the wallet now, not twice');
    assert.is(after.totalSat, alice.wallet.balance().confirmedSat + alice.wallet.balance().unconfirmedSat + alice.wallet.balance().reservedSat);
    assert.ok(bob.wallet.balance().confirmedSat > 199_000n);
  } finally {
    await net.close();
  }
});

test.run();
