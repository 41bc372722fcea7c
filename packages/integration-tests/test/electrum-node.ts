/**
 * Our node for the Electrum interop tests, composed from the real parts: @ln/noise-peer's
 * `PeerManager` on the Node TCP adapter, @ln/channel's `ChannelManager`, @ln/monitor's
 * `ChainMonitor` (persisting to an in-memory `KVStore`), @ln/invoice for BOLT 11, @ln/gossip's `P2PGossipSync` as the
 * routing handler, keys from @ln/transactions' `KeysManager`, and test-kit's `MemoryChain`
 * (the chain Electrum reads through `ElectrumServer`). A small on-chain wallet (one P2WPKH
 * key, faucet coins) funds the channels we open and signs them for real.
 *
 * The library never runs timers itself; this harness does: every 20 ms it drains the
 * manager's events (funding, channel ready, closes) and lets the `PeerManager` flush messages.
 */
import type { Listen, LogRecord, OutPoint } from '@ln/chain-interfaces';
import { ChannelManager, type ChannelEvent, type UserConfigOverrides } from '@ln/channel';
import { bytesToHex, nobleSymmetric, sha256, signatureToDer } from '@ln/crypto';
import { loadNativeSecp256k1 } from '@ln/crypto/node';
import { NetworkGraph, P2PGossipSync } from '@ln/gossip';
import { decodeInvoice, encodeInvoice, type Invoice } from '@ln/invoice';
import { ChainMonitor, KVStoreMonitorPersister } from '@ln/monitor';
import { PeerManager, type PeerEvent } from '@ln/noise-peer';
import { connect, listen } from '@ln/noise-peer/node';
import { DeterministicEntropySource, MemoryChain, MemoryKVStore, ScriptedFeeEstimator, testSeed } from '@ln/test-kit';
import { Features } from '@ln/wire';
import { KeysManager, p2pkh, p2wpkh, segwitV0Sighash, serializeTx, SIGHASH_ALL, type Transaction } from '@ln/transactions';

export const secp = loadNativeSecp256k1();

/** Feerates of our node: 2,500 sat/kw for what we fund; we accept what Electrum's regtest mode proposes (45,000 sat/kw). */
export function interopFees(): ScriptedFeeEstimator {
  return new ScriptedFeeEstimator({ MaximumFeeEstimate: 100_000, MinAllowedNonAnchorChannelRemoteFee: 253, MinAllowedAnchorChannelRemoteFee: 253, ChannelCloseMinimum: 253 }, 2500);
}

/** The composed node. */
export class OurNode {
  readonly keys: KeysManager;
  readonly fees = interopFees();
  readonly store = new MemoryKVStore();
  readonly monitor: ChainMonitor;
  readonly cm: ChannelManager;
  readonly gossip: P2PGossipSync;
  readonly pm: PeerManager;
  readonly logs: LogRecord[] = [];
  readonly peerEvents: PeerEvent[] = [];
  /** Every user event the manager raised, in order. */
  readonly events: ChannelEvent[] = [];
  /** Payment hashes (hex) whose payments we fail back instead of claiming. */
  readonly refuse = new Set<string>();
  /** Funding transactions we built, by temporary channel id. */
  readonly fundingTxs = new Map<string, Uint8Array>();
  private readonly walletKey: Uint8Array;
  readonly walletScript: Uint8Array;
  private coins: { outpoint: OutPoint; valueSat: bigint }[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private listener: { port: number; close: () => Promise<void> } | undefined;

  constructor(
    readonly chain: MemoryChain,
    name: string,
    config: UserConfigOverrides = {},
  ) {
    const logger = { log: (r: LogRecord) => this.logs.push(r) };
    this.keys = new KeysManager(testSeed(name), secp, new DeterministicEntropySource(testSeed(`${name}/entropy`)));
    this.walletKey = sha256(new TextEncoder().encode(`${name}/wallet`));
    this.walletScript = p2wpkh(secp.publicKeyCreate(this.walletKey));
    this.monitor = new ChainMonitor({
      secp, signerProvider: this.keys, broadcaster: chain.broadcaster, feeEstimator: this.fees, persister: new KVStoreMonitorPersister(this.store), filter: chain.filter, logger,
    });
    this.cm = new ChannelManager({
      chainHash: chain.chainHash, keys: this.keys, watch: this.monitor, fees: this.fees, broadcaster: chain.broadcaster,
      bestBlock: { blockHash: chain.tip.hash, height: chain.tipHeight }, config, logger, secp,
      // Invoices carry wall-clock timestamps (Electrum checks them against its clock).
      now: () => Math.floor(Date.now() / 1000),
    });
    chain.subscribe(this.monitor as unknown as Listen);
    chain.subscribe(this.cm);
    this.gossip = new P2PGossipSync({ graph: new NetworkGraph({ chainHash: chain.chainHash }), utxoLookup: chain, logger });
    this.pm = new PeerManager({
      crypto: { secp, sym: nobleSymmetric },
      nodeKey: { publicKey: this.keys.getNodeId(), ecdh: (pub) => this.keys.ecdh(pub) },
      entropy: this.keys,
      channelHandler: this.cm,
      routingHandler: this.gossip,
      chainHashes: [chain.chainHash],
      logger,
      onEvent: (e) => this.peerEvents.push(e),
    });
  }

  get nodeId(): Uint8Array {
    return this.keys.getNodeId();
  }
  get nodeIdHex(): string {
    return bytesToHex(this.nodeId);
  }

  /** Listens on 127.0.0.1 and starts the event loop. */
  async start(): Promise<number> {
    this.listener = await listen(this.pm, 0, '127.0.0.1', () => this.step());
    this.timer = setInterval(() => this.step(), 20);
    return this.listener.port;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.listener?.close();
    for (const id of this.pm.getPeerNodeIds()) this.pm.disconnectByNodeId(id, 'test over');
  }

  /** Dials a peer. */
  async connect(nodeIdHex: string, port: number): Promise<void> {
    await connect(this.pm, Uint8Array.from(Buffer.from(nodeIdHex, 'hex')), '127.0.0.1', port, () => this.step());
  }

  /** One round of the event loop: user events, then messages out. */
  step(): void {
    for (const e of this.cm.getAndClearPendingEvents()) {
      this.events.push(e);
      if (e.type === 'FundingGenerationReady') {
        const tx = this.fundingTx(e.outputScript, e.channelValueSat);
        this.fundingTxs.set(bytesToHex(e.temporaryChannelId), tx);
        this.cm.fundingTransactionGenerated(e.temporaryChannelId, e.counterpartyNodeId, tx);
      }
      if (e.type === 'PendingHTLCsForwardable') this.cm.processPendingHtlcForwards();
      // Payments to our invoices are claimed at once (we created their preimages), unless refused.
      if (e.type === 'PaymentClaimable' && this.refuse.has(bytesToHex(e.paymentHash))) this.cm.failHtlcBackwards(e.paymentHash);
      else if (e.type === 'PaymentClaimable' && e.purpose.type === 'InvoicePayment' && e.purpose.paymentPreimage) this.cm.claimFunds(e.purpose.paymentPreimage);
    }
    this.monitor.getAndClearPendingEvents();
    this.pm.processEvents();
  }

  /**
   * A BOLT 11 invoice for `amountMsat` (regtest), from `createInboundPayment`, signed by our
   * node key through `KeysManager.signInvoice`.
   */
  createInvoice(amountMsat: bigint, description: string, minFinalCltvExpiryDelta = 18): { invoice: string; paymentHash: Uint8Array; paymentSecret: Uint8Array } {
    const expirySeconds = 3600;
    const { paymentHash, paymentSecret } = this.cm.createInboundPayment(amountMsat, expirySeconds, minFinalCltvExpiryDelta);
    const invoice = encodeInvoice(
      {
        network: 'regtest', amountMsat, timestamp: Math.floor(Date.now() / 1000), paymentHash, paymentSecret, description, expirySeconds, minFinalCltvExpiryDelta,
        features: Features.empty().withRequired('var_onion_optin').withRequired('payment_secret').withOptional('basic_mpp'),
      },
      (hash) => this.keys.signInvoice(hash),
    );
    return { invoice, paymentHash, paymentSecret };
  }

  /**
   * Pays a BOLT 11 invoice of a direct peer: one path per part, each a single hop over our
   * channel `shortChannelId` (the composition layer would ask a router for longer paths).
   * Several parts make a multi-part payment (BOLT 4 "Basic Multi-Part Payments", `total_msat`
   * is the invoice amount). Returns the decoded invoice and the payment id; `PaymentSent` or
   * `PaymentFailed` follows.
   */
  payInvoice(
    bolt11: string,
    parts: readonly { shortChannelId: bigint; amountMsat?: bigint }[],
    /** Deliberately wrong values, to see the payee refuse them. */
    tamper: { paymentSecret?: Uint8Array; cltvExpiry?: number } = {},
  ): { invoice: Invoice; paymentId: Uint8Array } {
    const invoice = decodeInvoice(bolt11, { secp });
    if (invoice.network !== 'regtest') throw new Error(`invoice for ${invoice.network}`);
    if (invoice.amountMsat === undefined) throw new Error('invoice without an amount');
    if (parts.length > 1 && !invoice.features.supports('basic_mpp')) throw new Error('the payee does not take multi-part payments');
    // A few blocks of slack over the payee's min_final_cltv_expiry_delta, for blocks found while the HTLC travels.
    const cltvExpiry = tamper.cltvExpiry ?? this.cm.currentBestBlock().height + invoice.minFinalCltvExpiryDelta + 3;
    const paymentId = sha256(Uint8Array.from([...invoice.paymentHash, ...(tamper.paymentSecret ?? []), tamper.cltvExpiry ?? 0]));
    const paths = parts.map((p) => ({ hops: [{ nodeId: invoice.payeeNodeId, shortChannelId: p.shortChannelId, amountMsat: p.amountMsat ?? invoice.amountMsat!, cltvExpiry }] }));
    this.cm.sendPayment(
      paths,
      invoice.paymentHash,
      { paymentSecret: tamper.paymentSecret ?? invoice.paymentSecret, totalMsat: invoice.amountMsat, ...(invoice.paymentMetadata ? { paymentMetadata: invoice.paymentMetadata } : {}) },
      paymentId,
    );
    this.step();
    return { invoice, paymentId };
  }

  /** Faucet coins to our wallet key (mine a block to confirm them). */
  fundWallet(valueSat: bigint): void {
    const c = this.chain.fund(this.walletScript, valueSat);
    this.coins.push({ outpoint: c.outpoint, valueSat });
  }

  /** A signed transaction paying `valueSat` to `script` from our wallet coins, change back to us. */
  private fundingTx(script: Uint8Array, valueSat: bigint): Uint8Array {
    const coin = this.coins.find((c) => c.valueSat >= valueSat + 10_000n);
    if (!coin) throw new Error(`our wallet has no coin for ${valueSat} sat`);
    this.coins = this.coins.filter((c) => c !== coin);
    const feeSat = 1_000n;
    const unsigned: Transaction = {
      version: 2, locktime: 0,
      inputs: [{ prevout: coin.outpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }],
      outputs: [{ valueSat, scriptPubkey: script }, { valueSat: coin.valueSat - valueSat - feeSat, scriptPubkey: this.walletScript }],
    };
    const pub = secp.publicKeyCreate(this.walletKey);
    const digest = segwitV0Sighash(unsigned, 0, p2pkh(pub), coin.valueSat, SIGHASH_ALL);
    const sig = Uint8Array.from([...signatureToDer(secp.sign(digest, this.walletKey)), SIGHASH_ALL]);
    return serializeTx({ ...unsigned, inputs: [{ ...unsigned.inputs[0]!, witness: [sig, pub] }] });
  }

  /** Events of one type seen so far. */
  eventsOf<T extends ChannelEvent['type']>(type: T): Extract<ChannelEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<ChannelEvent, { type: T }> => e.type === type);
  }

  /** The last lines of our log, for failure messages. */
  logTail(n = 40): string {
    return this.logs.slice(-n).map((r) => `${r.level} ${r.module ?? ''} ${r.message}`).join('\n');
  }
}
