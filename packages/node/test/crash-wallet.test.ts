/**
 * The wallet's writes are not awaited (the node writes it after each block and spend). A crash
 * that loses them leaves a stored wallet older than the chain; the wallet heals from the blocks
 * it replays at restart (its own script's outputs and spends). Here the wallet writes are lost
 * from just before a channel funding (a spend of the wallet's coins) and before the sweep of a
 * force-closed channel's to_remote (a receive), everything else reaching the disk; after each
 * restart the wallet holds exactly the unspent outputs the chain has for its script.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex, equalBytes } from '@ln/crypto';
import type { MemoryChain } from '@ln/test-kit';
import type { LightningNode } from '../src/index.js';
import { minedTransactions } from '../src/demo/ledger.js';
import { portOf, testNet, until } from './support/net.js';

/** The chain's unspent outputs paying `script`, in satoshis. */
function unspentTo(chain: MemoryChain, script: Uint8Array): bigint {
  const mined = minedTransactions(chain);
  const spent = new Set(mined.flatMap((m) => m.tx.inputs.map((i) => `${bytesToHex(i.prevout.txid)}:${i.prevout.vout}`)));
  let sum = 0n;
  for (const m of mined) m.tx.outputs.forEach((o, vout) => {
    if (equalBytes(o.scriptPubkey, script) && !spent.has(`${m.txid}:${vout}`)) sum += o.valueSat;
  });
  return sum;
}

const held = (n: LightningNode) => n.wallet.balance().confirmedSat + n.wallet.balance().unconfirmedSat + n.wallet.balance().reservedSat;

test('wallet writes lost around a funding and a sweep: after each restart the wallet is what the chain says', async () => {
  const net = testNet();
  try {
    let a = await net.add('wa', {}, { crashable: true });
    const b = await net.add('wb');
    net.chain.fund(a.walletScript(), 3_000_000n);
    net.chain.fund(b.walletScript(), 3_000_000n);
    await net.mine(1);
    await until(() => a.wallet.balance().confirmedSat === 3_000_000n, 'a funded');
    await a.connect(b.nodeId, '127.0.0.1', portOf(b));

    // 1. The funding spends a's coin; the wallet record of that spend never reaches the disk.
    net.crashStore(a).loseWritesOf('wallet');
    const { channelId } = await a.openChannel(b.nodeId, 1_000_000n);
    net.crashStore(a).crash();
    await a.kill();
    a = await net.restart(a, { crashable: true });
    assert.is(a.listChannels()[0]?.channelId, channelId, 'the channel survived (its manager write landed)');
    await net.mine(1);
    await until(() => a.wallet.bestBlock.height === net.chain.tipHeight, 'a\'s wallet at the tip');
    assert.is(held(a), unspentTo(net.chain, a.walletScript()), 'the replayed funding block removed the spent coin and added the change');
    assert.ok(held(a) < 2_000_000n && held(a) > 1_990_000n, `change of the funding (${held(a)})`);

    // 2. b force-closes; a's to_remote is swept into a's wallet, whose write is lost again.
    await until(() => a.listChannels()[0]?.isUsable === true && b.listChannels()[0]?.isUsable === true, 'usable channel');
    const pay = await a.keysend(b.nodeId, 300_000_000n);
    assert.is(pay.status, 'succeeded', pay.failureReason);
    await until(() => b.listChannels()[0]!.balanceMsat === 300_000_000n, 'b holds 300,000 sat');
    net.crashStore(a).loseWritesOf('wallet');
    await b.closeChannel(b.listChannels()[0]!.channelId, { force: true });
    await net.mine(1); // b's commitment: a's to_remote pays a's payment key
    await net.mine(6); // reported spendable after 6 confirmations (ANTI_REORG_DELAY), then swept
    await until(() => a.wallet.balance().unconfirmedSat > 0n, 'a broadcasts the sweep of its to_remote', 15_000);
    await net.mine(1); // the sweep
    await until(() => a.wallet.bestBlock.height === net.chain.tipHeight && a.wallet.balance().unconfirmedSat === 0n, 'the sweep confirmed in a\'s wallet');
    const afterSweep = held(a);
    net.crashStore(a).crash();
    await a.kill();
    a = await net.restart(a);
    await net.mine(1);
    await until(() => a.wallet.bestBlock.height === net.chain.tipHeight, 'a\'s wallet at the tip');
    assert.is(held(a), afterSweep, 'the replayed sweep block gave the wallet its output again');
    assert.is(held(a), unspentTo(net.chain, a.walletScript()));
  } finally {
    await net.close();
  }
});

test.run();
