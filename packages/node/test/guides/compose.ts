/**
 * The code of docs/guides/compose-a-custom-node.md (each `#region` is one block of the guide;
 * test/guides.test.ts checks the guide shows exactly these regions and runs `main`).
 */
// #region imports
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Listen } from '@ln/chain-interfaces';
import { ChannelManager, type ChannelEvent } from '@ln/channel';
import { bytesToHex, defaultSymmetric, randomBytes } from '@ln/crypto';
import { loadBestSecp256k1 } from '@ln/crypto/node';
import { InlineVerifier, NetworkGraph, P2PGossipSync } from '@ln/gossip';
import { ChainMonitor, KVStoreMonitorPersister } from '@ln/monitor';
import { OnChainWallet } from '@ln/node';
import { PeerManager } from '@ln/noise-peer';
import { connect, listen } from '@ln/noise-peer/node';
import { ProbabilisticScorer, Router, RoutingGraph } from '@ln/router';
import { FixedFeeEstimator, MemoryChain } from '@ln/test-kit';
import { FilesystemKVStore } from '@ln/test-kit/node';
import { KeysManager } from '@ln/transactions';
// #endregion

// #region chain
// The chain: blocks in order, a broadcaster, fee estimates, UTXO lookups for gossip.
// MemoryChain is the test kit's regtest-like chain; in production these come from
// @ln/chain-sources (a bitcoind or Esplora poller) behind the same interfaces.
const chain = new MemoryChain();
const fees = new FixedFeeEstimator(1000); // sat per 1000 weight units
const secp = loadBestSecp256k1().backend; // libsecp256k1 when its addon loads, else WASM, else noble
// #endregion

/** One hand-composed node. */
export interface ComposedNode {
  readonly keys: KeysManager;
  readonly cm: ChannelManager;
  readonly chainMonitor: ChainMonitor;
  readonly gossip: P2PGossipSync;
  readonly pm: PeerManager;
  readonly wallet: OnChainWallet;
  readonly port: number;
  readonly events: ChannelEvent[];
  /** Runs the event loop once (socket callbacks and blocks call it). */
  loop(): void;
  stop(): Promise<void>;
}

export async function composeNode(name: string): Promise<ComposedNode> {
  // #region keys
  // Every key derives from one 32-byte seed: keep it safe (and backed up) before anything else.
  const seed = randomBytes(32);
  const keys = new KeysManager(seed, secp);
  // #endregion

  // #region monitors
  // Monitors first: they hold the funds' safety. Each monitor and each update is written to
  // the KVStore before the channel may step forward (BOLT 5 data lives here).
  const store = await FilesystemKVStore.open(mkdtempSync(join(tmpdir(), `guide-${name}-`)));
  const persister = new KVStoreMonitorPersister(store);
  const chainMonitor = new ChainMonitor({ secp, signerProvider: keys, broadcaster: chain.broadcaster, feeEstimator: fees, persister, filter: chain.filter });
  // #endregion

  // #region manager
  // The ChannelManager talks to the monitors only through the Watch interface (ChainMonitor implements it).
  const cm = new ChannelManager({
    chainHash: chain.chainHash, keys, watch: chainMonitor, fees, broadcaster: chain.broadcaster,
    bestBlock: { blockHash: chain.tip.hash, height: chain.tipHeight }, secp, now: () => chain.tip.time,
  });
  // #endregion

  // #region gossip
  // Gossip fills the graph the router reads; funding outputs are checked through the chain's UtxoLookup.
  const graph = new NetworkGraph({ chainHash: chain.chainHash });
  const gossip = new P2PGossipSync({ graph, utxoLookup: chain, verifier: new InlineVerifier(secp), now: () => chain.tip.time });
  // #endregion

  // #region peers
  // PeerManager speaks BOLT 8 and hands channel messages to the manager, gossip to P2PGossipSync.
  // The node key stays in the KeysManager: the handshake only needs ECDH with it.
  const pm = new PeerManager({
    crypto: { secp, sym: defaultSymmetric() },
    nodeKey: { publicKey: keys.getNodeId(), ecdh: (pub) => keys.ecdh(pub) },
    entropy: keys, channelHandler: cm, routingHandler: gossip, chainHashes: [chain.chainHash],
  });
  const server = await listen(pm, 0, '127.0.0.1', () => loop()); // each read runs the loop
  // #endregion

  // #region blocks
  // Blocks go to the monitors first, then the manager, the gossip close watcher and the wallet.
  const wallet = new OnChainWallet(secp, keys.destinationSecretKey(), { height: chain.tipHeight, blockHash: chain.tip.hash });
  const listeners: Listen[] = [chainMonitor, cm, gossip.chainWatcher, wallet];
  for (const l of listeners) chain.subscribe({ blockConnected: (b, h) => { l.blockConnected(b, h); loop(); }, blockDisconnected: (hd, h) => l.blockDisconnected(hd, h) });
  // #endregion

  // #region loop
  // The library starts no timers: the node calls each component's timer function...
  const timers = [
    setInterval(() => cm.timerTickOccurred(), 60_000),
    setInterval(() => pm.timerTickOccurred(), 30_000),
    setInterval(() => gossip.timerTickOccurred(), 60_000),
    setInterval(() => chainMonitor.timerTick(), 10_000),
    // Monitor writes complete asynchronously; the manager holds the messages of a state until
    // then, so the loop also runs often (@ln/node's LightningNode runs it when a write lands).
    setInterval(() => loop(), 10),
  ];
  // ...and runs the event loop: user events, then messages out, then the manager persisted.
  const events: ChannelEvent[] = [];
  let writing = Promise.resolve();
  function loop(): void {
    for (const e of cm.getAndClearPendingEvents()) {
      if (e.type === 'FundingGenerationReady') {
        const tx = wallet.createTransaction([{ valueSat: e.channelValueSat, scriptPubkey: e.outputScript }], fees.getEstSatPer1000Weight('NonAnchorChannelFee'));
        cm.fundingTransactionGenerated(e.temporaryChannelId, e.counterpartyNodeId, tx);
      } else if (e.type === 'PendingHTLCsForwardable') {
        setTimeout(() => (cm.processPendingHtlcForwards(), loop()), 10);
      } else if (e.type === 'PaymentClaimable' && e.purpose.paymentPreimage) {
        cm.claimFunds(e.purpose.paymentPreimage);
      }
      events.push(e);
    }
    pm.processEvents(); // sends what the manager and gossip queued
    // The manager is written after the monitor writes it depends on (never ahead of them).
    writing = writing.then(async () => {
      await persister.flush();
      await store.write('', '', 'channel_manager', cm.serialize());
    });
  }
  // #endregion

  return {
    keys, cm, chainMonitor, gossip, pm, wallet, port: server.port, events, loop,
    async stop() {
      for (const t of timers) clearInterval(t);
      await server.close();
      await writing;
    },
  };
}

/** The guide's end-to-end run: two hand-composed nodes open a channel and one pays the other. */
export async function main(): Promise<{ paidMsat: bigint; feePaidMsat: bigint }> {
  const alice = await composeNode('alice');
  const bob = await composeNode('bob');
  const until = async (f: () => boolean) => {
    for (let i = 0; !f(); i++) {
      if (i > 2000) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    // #region open
    // Fund alice's wallet, connect over TCP, open a channel and mine it to the manager's depth (3).
    chain.fund(alice.wallet.script, 1_000_000n);
    chain.mine(1);
    await connect(alice.pm, bob.keys.getNodeId(), '127.0.0.1', bob.port, () => alice.loop());
    await until(() => alice.pm.getPeerNodeIds().length === 1 && bob.pm.getPeerNodeIds().length === 1);
    alice.cm.createChannel(bob.keys.getNodeId(), 500_000n, 0n, 1n);
    alice.loop();
    await until(() => alice.events.some((e) => e.type === 'ChannelPending'));
    chain.mine(3);
    await until(() => alice.cm.listUsableChannels().length === 1 && bob.cm.listUsableChannels().length === 1);
    // #endregion

    // #region pay
    // Bob asks for 20,000 sat; alice finds a route (her channel as the first hop) and sends it.
    const { paymentHash, paymentSecret } = bob.cm.createInboundPayment(20_000_000n, 3600);
    const first = alice.cm.listUsableChannels()[0]!;
    const router = new Router(RoutingGraph.fromView(alice.gossip.graph));
    const route = router.findRoute({
      payer: alice.keys.getNodeId(), payee: bob.keys.getNodeId(), amountMsat: 20_000_000n, currentBlockHeight: chain.tipHeight,
      firstHops: [{ shortChannelId: first.shortChannelId!, counterparty: first.counterpartyNodeId, outboundCapacityMsat: first.outboundCapacityMsat }],
      scorer: new ProbabilisticScorer(),
    });
    alice.cm.sendPayment([route], paymentHash, { paymentSecret }, randomBytes(32));
    alice.loop();
    await until(() => alice.events.some((e) => e.type === 'PaymentSent') && bob.events.some((e) => e.type === 'PaymentClaimed'));
    const sent = alice.events.find((e) => e.type === 'PaymentSent') as Extract<ChannelEvent, { type: 'PaymentSent' }>;
    console.log(`paid ${bytesToHex(sent.paymentHash)} with the preimage ${bytesToHex(sent.paymentPreimage)}`);
    // #endregion
    const claimed = bob.events.find((e) => e.type === 'PaymentClaimed') as Extract<ChannelEvent, { type: 'PaymentClaimed' }>;
    return { paidMsat: claimed.amountMsat, feePaidMsat: sent.feePaidMsat };
  } finally {
    await alice.stop();
    await bob.stop();
  }
}
