/**
 * The code of docs/guides/keep-funds-safe.md (each `#region` is one block of the guide;
 * test/guides.test.ts checks the guide shows exactly these regions and runs `main`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// #region imports
import { decodeChannelMonitorUpdate, encodeChannelMonitorUpdate, KVStoreMonitorPersister } from '@ln/monitor';
import { FixedFeeEstimator, MemoryChain } from '@ln/test-kit';
import { FilesystemKVStore } from '@ln/test-kit/node';
import { KeysManager } from '@ln/transactions';
import { LightningNode, memoryChainSource } from '@ln/node';
// #endregion

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(f: () => boolean): Promise<void> {
  for (let i = 0; !f(); i++) {
    if (i > 3000) throw new Error('timed out');
    await sleep(10);
  }
}

export async function main(): Promise<{ resumed: boolean; monitorsOnDisk: number; claimableAfterForceClose: bigint; sweptSat: bigint; roundTrip: boolean }> {
  const chain = new MemoryChain();
  const source = memoryChainSource(chain, new FixedFeeEstimator(1000));
  const dirA = mkdtempSync(join(tmpdir(), 'safe-a-'));
  const config = { channelHandshakeConfig: { minimumDepth: 1, ourToSelfDelay: 144 } };
  let alice = new LightningNode({ chain: source, dataDir: dirA, listen: { port: 0 }, config });
  const bob = new LightningNode({ chain: source, dataDir: mkdtempSync(join(tmpdir(), 'safe-b-')), listen: { port: 0 }, config });
  await alice.start();
  await bob.start();
  try {
    chain.fund(alice.walletScript(), 2_000_000n);
    chain.mine(1);
    await alice.connect(bob.nodeId, '127.0.0.1', Number(bob.getInfo().listening[0]!.split(':')[1]));
    const { channelId } = await alice.openChannel(bob.nodeId, 1_000_000n);
    chain.mine(1);
    await until(() => alice.listChannels()[0]?.isUsable === true);

    // #region restart
    // Everything lives in the data directory: stop, start again on it, and the node resumes:
    // keys from the stored seed, monitors with their updates replayed, the manager, the wallet,
    // the graph, the scorer and the payment history; blocks it missed are replayed.
    await alice.stop();
    chain.mine(3); // blocks while alice is down
    alice = new LightningNode({ chain: source, dataDir: dirA, listen: { port: 0 }, config });
    await alice.start();
    console.log(alice.staleChannelsForceClosed); // channels whose stored manager was older than the monitor: [] here
    // #endregion
    await alice.connect(bob.nodeId, '127.0.0.1', Number(bob.getInfo().listening[0]!.split(':')[1]));
    await until(() => alice.listChannels()[0]?.isUsable === true);
    const resumed = alice.listChannels()[0]!.channelId === channelId;

    // #region remote
    // A monitor update is plain data: encode it, ship it to a watchtower-like machine, decode it there.
    const update = { channelId: new Uint8Array(32), updateId: 7n, steps: [{ type: 'PaymentPreimage' as const, paymentPreimage: new Uint8Array(32).fill(1) }] };
    const bytes = encodeChannelMonitorUpdate(update);
    const back = decodeChannelMonitorUpdate(bytes); // throws only MonitorDecodeError on bad bytes
    // #endregion
    const roundTrip = back.updateId === 7n && back.steps.length === 1;

    // #region force
    // A force close: the monitor broadcasts our commitment and sweeps our to_local after the
    // to_self_delay (144 blocks here); until then balances() shows it as claimable on chain.
    await alice.closeChannel(channelId, { force: true });
    chain.mine(1);
    // #endregion
    await until(() => alice.balances().claimableOnChainSat > 0n);
    const claimable = alice.balances().claimableOnChainSat;
    const walletBefore = alice.wallet.balance().confirmedSat;
    for (let i = 0; i < 150; i++) chain.mine(1);
    await until(() => alice.balances().claimableOnChainSat === 0n);
    chain.mine(1);
    await until(() => alice.wallet.balance().confirmedSat > walletBefore);
    const sweptSat = alice.wallet.balance().confirmedSat - walletBefore;
    await alice.stop();
    // #region disk
    // The monitors on disk, read the way a restart (or a backup check) reads them. Read a stopped
    // node's directory (or a copy): opening a store cleans up temporary files of writes in progress.
    const store = await FilesystemKVStore.open(dirA);
    const keys = new KeysManager((await store.read('', '', 'seed'))!, alice.secp);
    const persister = new KVStoreMonitorPersister(store);
    const { monitors } = await persister.readAllChannelMonitors({ secp: alice.secp, signerProvider: keys, broadcaster: source.broadcaster, feeEstimator: source.feeEstimator });
    for (const m of monitors) console.log(m.name, 'at update', m.monitor.latestUpdateId, `(${m.replayedUpdates} deltas replayed)`);
    // #endregion
    return { resumed, monitorsOnDisk: monitors.length, claimableAfterForceClose: claimable, sweptSat, roundTrip };
  } finally {
    await alice.stop();
    await bob.stop();
  }
}
