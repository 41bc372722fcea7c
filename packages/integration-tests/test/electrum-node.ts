/**
 * Our node for the Electrum interop tests: the package's `HarnessNode` (src/harness: a real
 * `ChannelManager` from @ln/channel, a real `ChainMonitor` with the `KVStore` persister from
 * @ln/monitor, `KeysManager` keys, `P2PGossipSync`, all rebuilt from its store on restart), on
 * test-kit's `MemoryChain` (the chain Electrum reads through `ElectrumServer`), talking to
 * Electrum through @ln/noise-peer's `PeerManager` on the Node TCP adapter; @ln/invoice for
 * BOLT 11. A small on-chain wallet (one P2WPKH key, faucet coins) funds the channels we open
 * and signs them for real.
 *
 * The library never runs timers itself; this harness does: every 20 ms it drains the
 * manager's events (funding, payments to claim), lets the `PeerManager` flush messages and
 * persists the manager; every 2 s it ticks the manager's timer, every 10 s the peers'.
 */
import type { LogRecord, OutPoint } from '@ln/chain-interfaces';
import type { ChannelEvent, ChannelManager, UserConfigOverrides } from '@ln/channel';
import { bytesToHex, nobleSymmetric, sha256, sha256d, signatureToDer } from '@ln/crypto';
import { loadNativeSecp256k1 } from '@ln/crypto/node';
import { decodeInvoice, encodeInvoice, type Invoice, type RouteHintHop } from '@ln/invoice';
import type { MonitorUserEvent } from '@ln/monitor';
import { PeerManager, type PeerEvent } from '@ln/noise-peer';
import { connect, listen } from '@ln/noise-peer/node';
import { findRoute, RoutingGraph, type Route } from '@ln/router';
import { ScriptedFeeEstimator, type MemoryChain } from '@ln/test-kit';
import { p2pkh, p2wpkh, segwitV0Sighash, serializeTx, SIGHASH_ALL, txidOf, type KeysManager, type Transaction } from '@ln/transactions';
import { encodeMessage, Features, makeMessage } from '@ln/wire';
import { HarnessNode, type RestartReport } from '../src/index.js';

export const secp = loadNativeSecp256k1();

/** Feerates of our node: 2,500 sat/kw for what we fund; we accept what Electrum's regtest mode proposes (45,000 sat/kw). */
export function interopFees(): ScriptedFeeEstimator {
  return new ScriptedFeeEstimator({ MaximumFeeEstimate: 100_000, MinAllowedNonAnchorChannelRemoteFee: 253, MinAllowedAnchorChannelRemoteFee: 253, ChannelCloseMinimum: 253 }, 2500);
}

/** The composed node. */
export class OurNode {
  readonly node: HarnessNode;
  pm!: PeerManager;
  readonly logs: LogRecord[] = [];
  /** What every `PeerManager` of this node saw (across restarts). */
  readonly peerEvents: PeerEvent[] = [];
  /** Every user event the manager raised, in order (across restarts). */
  readonly events: ChannelEvent[] = [];
  /** Every event the monitors raised for the user (`SpendableOutputs`, ...), across restarts. */
  readonly monitorEvents: MonitorUserEvent[] = [];
  /** Payment hashes (hex) whose payments we fail back instead of claiming. */
  readonly refuse = new Set<string>();
  private readonly walletKey: Uint8Array;
  readonly walletScript: Uint8Array;
  private coins: { outpoint: OutPoint; valueSat: bigint }[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private listener: { port: number; close: () => Promise<void> } | undefined;
  private dialled: { disconnectSocket(): void }[] = [];
  private persisting = false;
  /**
   * While set, the manager is not persisted, so the monitor updates it generates stay held by
   * the harness `Watch` (`InProgress`) and the channel sends nothing that waits for them (its
   * `revoke_and_ack`/`commitment_signed`); monitor events are still processed. A test uses it
   * to hold our answer to Electrum's `commitment_signed` back on purpose.
   */
  holdUpdates = false;

  constructor(
    readonly chain: MemoryChain,
    name: string,
    config: UserConfigOverrides = {},
  ) {
    const logger = { log: (r: LogRecord) => this.logs.push(r) };
    this.node = new HarnessNode({ name, config, fees: interopFees(), logger }, chain, secp);
    this.walletKey = sha256(new TextEncoder().encode(`${name}/wallet`));
    this.walletScript = p2wpkh(secp.publicKeyCreate(this.walletKey));
  }

  get cm(): ChannelManager {
    return this.node.cm;
  }
  get keys(): KeysManager {
    return this.node.keys;
  }
  get nodeId(): Uint8Array {
    return this.node.nodeId;
  }
  get nodeIdHex(): string {
    return bytesToHex(this.nodeId);
  }

  /** Starts the node from an empty store, listens on 127.0.0.1 and starts the event loop. Returns the port. */
  async start(): Promise<number> {
    await this.node.start();
    return this.wire();
  }

  /** A `PeerManager` over the current manager and gossip handler, and a TCP listener. */
  private async wire(): Promise<number> {
    const keys = this.node.keys;
    this.pm = new PeerManager({
      crypto: { secp, sym: nobleSymmetric },
      nodeKey: { publicKey: this.node.nodeId, ecdh: (pub) => keys.ecdh(pub) },
      entropy: keys,
      channelHandler: this.node.cm,
      routingHandler: this.node.gossip,
      chainHashes: [this.chain.chainHash],
      logger: { log: (r: LogRecord) => this.logs.push(r) },
      onEvent: (e) => this.peerEvents.push(e),
    });
    this.listener = await listen(this.pm, 0, '127.0.0.1', () => this.step());
    let n = 0;
    this.timer = setInterval(() => {
      // Timer ticks, faster than in production (LDK: the manager every minute, peers every 10 s)
      // so that multi-part payments waiting for parts time out within a test.
      if (++n % 100 === 0) this.cm.timerTickOccurred();
      if (n % 500 === 0) this.pm.timerTickOccurred();
      this.step();
    }, 20);
    return this.listener.port;
  }

  private async unwire(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const id of this.pm.getPeerNodeIds()) this.pm.disconnectByNodeId(id, 'shutting down');
    for (const d of this.dialled.splice(0)) d.disconnectSocket();
    await this.listener?.close();
  }

  /**
   * A clean restart: the manager is persisted after every monitor write is durable, the
   * sockets close, then the node is rebuilt from its store (`HarnessNode.restart`: monitors
   * read back and compared with the deserialized manager) with a new `PeerManager` and
   * listener. Returns the restart report and the new port.
   */
  async restart(): Promise<{ report: RestartReport; port: number }> {
    this.step();
    await this.unwire();
    while (this.persisting) await new Promise((r) => setTimeout(r, 5));
    if (!(await this.node.persistManager())) throw new Error('the manager could not be persisted before the restart');
    const report = await this.node.restart();
    return { report, port: await this.wire() };
  }

  async stop(): Promise<void> {
    await this.unwire();
  }

  /** Dials a peer. */
  async connect(nodeIdHex: string, port: number): Promise<void> {
    this.dialled.push(await connect(this.pm, Uint8Array.from(Buffer.from(nodeIdHex, 'hex')), '127.0.0.1', port, () => this.step()));
  }

  /** One round of the event loop: user events, messages out, then the manager persisted. */
  step(): void {
    this.node.drainEvents();
    for (const e of this.node.events.splice(0)) {
      this.events.push(e);
      if (e.type === 'FundingGenerationReady') this.cm.fundingTransactionGenerated(e.temporaryChannelId, e.counterpartyNodeId, this.fundingTx(e.outputScript, e.channelValueSat));
      if (e.type === 'PendingHTLCsForwardable') this.cm.processPendingHtlcForwards();
      // Payments to our invoices are claimed at once (we created their preimages), unless refused.
      if (e.type === 'PaymentClaimable' && this.refuse.has(bytesToHex(e.paymentHash))) this.cm.failHtlcBackwards(e.paymentHash);
      else if (e.type === 'PaymentClaimable' && e.purpose.type === 'InvoicePayment' && e.purpose.paymentPreimage) this.cm.claimFunds(e.purpose.paymentPreimage);
    }
    this.monitorEvents.push(...this.node.monitorEvents.splice(0));
    if (this.holdUpdates) this.cm.processMonitorEvents();
    this.pm.processEvents();
    if (!this.persisting && !this.holdUpdates) {
      this.persisting = true;
      void this.node.persistManager().finally(() => (this.persisting = false));
    }
  }

  /**
   * A BOLT 11 invoice for `amountMsat` (regtest), from `createInboundPayment`, signed by our
   * node key through `KeysManager.signInvoice`.
   */
  createInvoice(amountMsat: bigint, description: string, minFinalCltvExpiryDelta = 18, routeHints: readonly (readonly RouteHintHop[])[] = []): { invoice: string; paymentHash: Uint8Array; paymentSecret: Uint8Array } {
    const expirySeconds = 3600;
    const { paymentHash, paymentSecret } = this.cm.createInboundPayment(amountMsat, expirySeconds, minFinalCltvExpiryDelta);
    const invoice = encodeInvoice(
      {
        network: 'regtest', amountMsat, timestamp: Math.floor(Date.now() / 1000), paymentHash, paymentSecret, description, expirySeconds, minFinalCltvExpiryDelta,
        ...(routeHints.length ? { routeHints } : {}),
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

  /**
   * BOLT 11 route hints to us (BOLT 11 `r`): one per usable channel, the counterparty's
   * forwarding policy as its `channel_update` told us (`counterpartyForwardingInfo`).
   */
  routeHintsToUs(): RouteHintHop[][] {
    return this.cm.listUsableChannels().flatMap((c) => {
      const f = c.counterpartyForwardingInfo;
      if (!f || c.shortChannelId === undefined) return [];
      return [[{ pubkey: c.counterpartyNodeId, shortChannelId: c.shortChannelId, feeBaseMsat: f.feeBaseMsat, feeProportionalMillionths: f.feeProportionalMillionths, cltvExpiryDelta: f.cltvExpiryDelta }]];
    });
  }

  /**
   * Our BOLT 7 `node_announcement` (features, no address), signed with the node key and sent
   * to every connected peer: what a composed node (`@ln/node`'s `LightningNode`) announces once
   * it has a public channel. Gossip we generate goes to every peer (BOLT 7 "Rebroadcasting").
   */
  announceNode(alias: string): void {
    const aliasBytes = new Uint8Array(32);
    aliasBytes.set(new TextEncoder().encode(alias).subarray(0, 32));
    const unsigned = makeMessage('node_announcement', {
      signature: new Uint8Array(64), features: this.cm.providedNodeFeatures().toBytes(), timestamp: Math.floor(Date.now() / 1000), nodeId: this.nodeId,
      rgbColor: Uint8Array.of(0x33, 0x66, 0x99), alias: aliasBytes, addresses: new Uint8Array(0),
    });
    const msg = { ...unsigned, signature: this.keys.signGossipMessage(sha256d(encodeMessage(unsigned).subarray(2 + 64))) };
    for (const id of this.pm.getPeerNodeIds()) this.pm.sendToPeer(id, msg);
  }

  /**
   * Routes a payment of a BOLT 11 invoice with `@ln/router`: our gossip graph, our usable
   * channels as first hops and the invoice's route hints (what the composition layer does).
   * `finalCltvExpiryDelta` overrides the invoice's (to see the payee refuse it); `onlyHint`
   * keeps some of the invoice's route hints.
   */
  routeFor(bolt11: string, finalCltvExpiryDelta?: number, onlyHint?: (hint: readonly RouteHintHop[]) => boolean): { invoice: Invoice; route: Route } {
    const invoice = decodeInvoice(bolt11, { secp });
    if (invoice.amountMsat === undefined) throw new Error('invoice without an amount');
    const firstHops = this.cm.listUsableChannels().flatMap((c) => (c.shortChannelId === undefined ? [] : [{ shortChannelId: c.shortChannelId, counterparty: c.counterpartyNodeId, outboundCapacityMsat: c.nextOutboundHtlcLimitMsat, htlcMinimumMsat: c.nextOutboundHtlcMinimumMsat }]));
    const route = findRoute(RoutingGraph.fromView(this.node.graph), {
      payer: this.nodeId, payee: invoice.payeeNodeId, amountMsat: invoice.amountMsat, finalCltvExpiryDelta: finalCltvExpiryDelta ?? invoice.minFinalCltvExpiryDelta,
      currentBlockHeight: this.cm.currentBestBlock().height, firstHops, routeHints: onlyHint ? invoice.routeHints.filter(onlyHint) : invoice.routeHints, payeeFeatures: invoice.features.toBytes(),
    });
    return { invoice, route };
  }

  /** Sends along a route from {@link routeFor}; `PaymentSent` or `PaymentFailed` follows. */
  payRoute(invoice: Invoice, route: Route): Uint8Array {
    const paymentId = sha256(Uint8Array.from([...invoice.paymentHash, ...new TextEncoder().encode(`route ${route.totalCltvExpiryDelta}`)]));
    const hops = route.hops.map((h) => ({ nodeId: h.nodeId, shortChannelId: h.shortChannelId, amountMsat: h.amountMsat, cltvExpiry: h.cltvExpiry }));
    this.cm.sendPayment([{ hops }], invoice.paymentHash, { paymentSecret: invoice.paymentSecret, totalMsat: invoice.amountMsat!, ...(invoice.paymentMetadata ? { paymentMetadata: invoice.paymentMetadata } : {}) }, paymentId);
    this.step();
    return paymentId;
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
    const signed: Transaction = { ...unsigned, inputs: [{ ...unsigned.inputs[0]!, witness: [sig, pub] }] };
    // The change is a coin of ours once the funding tx is out.
    this.coins.push({ outpoint: { txid: txidOf(signed), vout: 1 }, valueSat: unsigned.outputs[1]!.valueSat });
    return serializeTx(signed);
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
