/**
 * `LightningNode`: the reference composition of every component, wired as the seed's
 * architecture diagram draws it (docs/architecture.md):
 *
 * - `PeerManager` (`@ln/noise-peer`) over TCP (`@ln/noise-peer/node`), optionally WebSocket,
 *   handing channel messages to the `ChannelManager` and gossip to `P2PGossipSync`;
 * - `ChannelManager` (`@ln/channel`) with `ChainMonitor` (`@ln/monitor`) as its `Watch`, its
 *   monitors persisted through `KVStoreMonitorPersister`;
 * - `P2PGossipSync`/`NetworkGraph` (`@ln/gossip`) feeding `findRoute`/`findMultiPathRoute`
 *   with a `ProbabilisticScorer` (`@ln/router`) that payment outcomes update;
 * - BOLT 11 invoices (`@ln/invoice`), keys from one seed (`KeysManager`), an on-chain wallet;
 * - every piece of state persisted under one `KVStore` (a data directory), so that
 *   {@link LightningNode.start} on the same directory resumes everything.
 *
 * The library's components own no timers or sockets; this class does: it calls each
 * component's timer function, drains and dispatches events, forwards HTLCs, and runs the
 * sockets.
 */
import {
  moduleLogger, NULL_LOGGER, type BestBlock, type KVStore, type Listen, type ModuleLogger, type Network,
} from '@ln/chain-interfaces';
import { ChannelManager } from '@ln/channel';
import { bytesToHex, defaultSymmetric, hexToBytes, randomBytes, type Secp256k1 } from '@ln/crypto';
import { loadBestSecp256k1 } from '@ln/crypto/node';
import { InlineVerifier, loadGraphSnapshot, NetworkGraph, P2PGossipSync, saveGraphSnapshot } from '@ln/gossip';
import { ChainMonitor, KVStoreMonitorPersister, type MonitorContext } from '@ln/monitor';
import { PeerManager, type PeerEvent } from '@ln/noise-peer';
import { connect as tcpConnect, connectWebSocketNode, listen as tcpListen, listenWebSocket } from '@ln/noise-peer/node';
import { DEFAULT_SCORER_PARAMS, ProbabilisticScorer } from '@ln/router';
import { FilesystemKVStore } from '@ln/test-kit/node';
import { KeysManager } from '@ln/transactions';
import type { KnownMessage } from '@ln/wire';
import { NodeAnnouncer, takeOwnGossip } from './announce.js';
import { EventHub, type NodeEventListener } from './event-hub.js';
import { DEFAULT_TIMERS, type LightningNodeOptions, type NodeInfo, type NodeTimers } from './options.js';
import type { NodeEvent, NodeEventOf } from './events.js';
import { PersistedOutbox } from './outbox.js';
import { HeldWatch } from './held-watch.js';
import { CLOSE_WATCH_KEY, GRAPH_KEY, MANAGER_KEY, NotifyingStore, PEERS_NAMESPACE, readJson, SCORER_KEY, SEED_KEY, WALLET_KEY, writeJson } from './store.js';
import { OnChainWallet } from './wallet.js';
import { channelView, type NodeChannel } from './views.js';
import { NodeError } from './errors.js';
import { asListen, checkMonitorsAgainstManager, lowestTip } from './restart-checks.js';
import { NodePayments, type PaymentPolicy, type PaymentRecord, type PaymentResult } from './payments.js';
import { nodeBalances, type NodeBalances } from './balances.js';
import { RouterCache } from './router-cache.js';
import { handleChannelEvent, handleMonitorEvent, type EventHost } from './node-events.js';
import { ReplayPoint } from './close-watch.js';

/** How often the event loop runs while the gossip queue is high (PeerManager resumes paused peers in processEvents). */
const GOSSIP_POLL_MS = 50;

/** The composed node (see the module comment). */
export class LightningNode {
  readonly secp: Secp256k1;
  readonly network: Network;
  private readonly log: ModuleLogger;
  private readonly timers: NodeTimers;
  private readonly hub: EventHub;
  private readonly intervals: ReturnType<typeof setInterval>[] = [];
  private closers: (() => Promise<void>)[] = [];
  private chainListeners: Listen[] = [];
  private running = false;
  private pumpScheduled = false;
  /** A re-run of the loop scheduled because the gossip queue was high (see {@link pump}). */
  private gossipPoll: ReturnType<typeof setTimeout> | undefined;
  private forwardTimer: ReturnType<typeof setTimeout> | undefined;
  private walletDirty = false;
  private scorerDirty = false;
  private announcer!: NodeAnnouncer;
  private listening: string[] = [];
  private peerAddresses = new Map<string, string>();
  /** Resolved once the components are built (`start()` finished). */
  store!: KVStore;
  keys!: KeysManager;
  cm!: ChannelManager;
  chainMonitor!: ChainMonitor;
  persister!: KVStoreMonitorPersister;
  gossip!: P2PGossipSync;
  graph!: NetworkGraph;
  scorer!: ProbabilisticScorer;
  pm!: PeerManager;
  wallet!: OnChainWallet;
  outbox!: PersistedOutbox;
  /** The manager's `Watch`: the chain monitor, with updates held until the manager that made them is written. */
  watch!: HeldWatch;
  payments!: NodePayments;
  /** The router over the gossip graph, rebuilt only when the graph changed. */
  routerCache!: RouterCache;
  /** Where the gossip close watcher's blocks start (its spend countdowns survive restarts). */
  closeWatch!: ReplayPoint;
  /** Restart findings: channels force-closed from their monitor because the stored manager was older. */
  staleChannelsForceClosed: string[] = [];

  constructor(readonly options: LightningNodeOptions) {
    this.secp = options.secp ?? loadBestSecp256k1().backend;
    this.network = options.network ?? 'regtest';
    this.log = moduleLogger(options.logger ?? NULL_LOGGER, 'node');
    this.timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.hub = new EventHub(this.log);
  }

  /** Seconds, from the configured clock. */
  now(): number {
    return Math.floor(this.options.now?.() ?? this.options.chain.now?.() ?? Date.now() / 1000);
  }

  /** Our node id (hex). */
  get nodeId(): string {
    return bytesToHex(this.keys.getNodeId());
  }

  get isRunning(): boolean {
    return this.running;
  }

  // =============================================================== lifecycle

  /**
   * Builds every component from the data directory (or creates a fresh node), catches each up
   * with the chain, checks the monitors against the manager, then starts the sockets and timers.
   */
  async start(): Promise<void> {
    if (this.running) throw new NodeError('already running');
    const o = this.options;
    const raw = o.store ?? (o.dataDir ? await FilesystemKVStore.open(o.dataDir) : undefined);
    if (!raw) throw new NodeError('give a dataDir or a store');
    this.store = new NotifyingStore(raw, () => this.kick());
    let seed = o.seed ?? (await raw.read('', '', SEED_KEY));
    if (!seed) {
      seed = randomBytes(32);
      await raw.write('', '', SEED_KEY, seed);
    } else if (!(await raw.read('', '', SEED_KEY))) await raw.write('', '', SEED_KEY, seed);
    const entropy = o.entropy ?? { getSecureRandomBytes: () => randomBytes(32) };
    this.keys = new KeysManager(seed, this.secp, entropy);
    this.announcer = new NodeAnnouncer(this.keys, o.alias ?? '');
    const chain = o.chain;
    const logger = o.logger ?? NULL_LOGGER;

    // Monitors first: they hold the funds' safety.
    this.persister = new KVStoreMonitorPersister(this.store, { logger });
    const ctx: MonitorContext = { secp: this.secp, signerProvider: this.keys, broadcaster: chain.broadcaster, feeEstimator: chain.feeEstimator, logger, ...(chain.filter ? { filter: chain.filter } : {}) };
    this.chainMonitor = new ChainMonitor({ ...ctx, persister: this.persister });
    const { monitors, errors } = await this.persister.readAllChannelMonitors(ctx);
    if (errors.length) throw new NodeError(`stored monitors failed to load: ${errors.map((e) => `${e.name}: ${e.error.message}`).join('; ')}`);
    for (const m of monitors) this.chainMonitor.loadExistingMonitor(m.monitor);

    this.watch = new HeldWatch(this.chainMonitor, this.log);
    const cmOpts = {
      chainHash: chain.chainHash, keys: this.keys, watch: this.watch, fees: chain.feeEstimator, broadcaster: chain.broadcaster,
      bestBlock: chain.bestBlock(), config: o.config ?? {}, secp: this.secp, logger, now: () => this.now(),
    };
    const cmBytes = await raw.read('', '', MANAGER_KEY);
    // The manager marks its in-flight updates the monitors have as done and hands them the rest;
    // a channel whose monitor is ahead of this (older) manager is closed from the monitor.
    const broadcastingBefore = new Set(monitors.filter((m) => m.monitor.state.broadcastHolder).map((m) => bytesToHex(m.monitor.channelId)));
    this.cm = cmBytes
      ? ChannelManager.deserialize(cmBytes, cmOpts, { monitors: monitors.map((m) => ({ channelId: m.monitor.channelId, latestUpdateId: m.monitor.latestUpdateId })) })
      : new ChannelManager(cmOpts);

    const walletBytes = await raw.read('', '', WALLET_KEY);
    const walletKey = this.keys.destinationSecretKey();
    this.wallet = walletBytes ? OnChainWallet.deserialize(walletBytes, this.secp, walletKey) : new OnChainWallet(this.secp, walletKey, chain.bestBlock());

    const graphBytes = await raw.read('', '', GRAPH_KEY);
    this.graph = graphBytes ? loadGraphSnapshot(graphBytes) : new NetworkGraph({ chainHash: chain.chainHash });
    const scorerBytes = await raw.read('', '', SCORER_KEY);
    this.scorer = scorerBytes ? ProbabilisticScorer.deserialize(scorerBytes, DEFAULT_SCORER_PARAMS) : new ProbabilisticScorer();
    this.gossip = new P2PGossipSync({
      graph: this.graph, verifier: new InlineVerifier(this.secp), logger, now: () => this.now(),
      // A channel_update that outruns its channel_announcement (relays race) waits 10 ticks for it, not 2.
      limits: { heldUpdateTicks: 10 },
      ...(chain.utxoLookup ? { utxoLookup: chain.utxoLookup } : {}), ...(chain.filter ? { chainFilter: chain.filter } : {}),
    });
    // The close watcher re-registers the restored graph's funding outpoints itself; its blocks
    // start 72 before where it was (BOLT 7: forget a channel 72 blocks after its funding is spent).
    const watchBytes = await raw.read('', '', CLOSE_WATCH_KEY);
    this.closeWatch = watchBytes ? ReplayPoint.deserialize(watchBytes) : new ReplayPoint();
    const gossip = this.gossip;
    const graph = this.graph;
    this.routerCache = new RouterCache(graph, () => {
      const a = gossip.stats.accepted;
      return `${graph.channelCount}/${graph.nodeCount}/${a.channelAnnouncements}/${a.channelUpdates}/${a.nodeAnnouncements}`;
    });
    this.payments = new NodePayments(
      {
        cm: this.cm, graph: this.graph, router: () => this.routerCache.get(), scorer: this.scorer, keys: this.keys, store: this.store, secp: this.secp, log: this.log, network: this.network === 'testnet4' ? 'testnet' : this.network,
        now: () => this.now(), blockHeight: () => this.options.chain.bestBlock().height, entropy: () => entropy.getSecureRandomBytes(),
        emit: (e) => this.emit(e), scheduleForwards: (f) => this.scheduleForwards(f), kick: () => this.kick(),
        scorerUpdated: () => void (this.scorerDirty = true), isRunning: () => this.running,
      },
      o.payments,
    );
    await this.payments.load();
    // A payment recorded as pending that the stored manager does not know never left: no HTLC
    // of it was sent (messages wait for the manager's write).
    this.payments.reconcile(new Set(this.cm.listPendingPayments().map((p) => bytesToHex(p.paymentId))));
    for (const k of await raw.list(PEERS_NAMESPACE, '')) {
      const a = await readJson<{ address: string }>(raw, PEERS_NAMESPACE, k);
      if (a) this.peerAddresses.set(k, a.address);
    }

    // Catch every component up with the chain (each from the block it last saw).
    await this.subscribeChain(monitors.map((m) => m.monitor.bestBlock));

    this.outbox = new PersistedOutbox(
      this.cm,
      async (bytes) => raw.write('', '', MANAGER_KEY, bytes),
      async () => {
        // Before the manager is written: its events are handled (payment records updated) and
        // those records are durable, so the stored manager is never ahead of the payment
        // history; monitor updates follow the write (HeldWatch).
        this.drainEvents();
        await this.payments.flush();
        this.cm.processMonitorEvents();
      },
      this.watch,
      (msg) => this.ownGossip(msg),
      () => this.kick(),
      (e) => this.log.error(`persisting the channel manager failed: ${(e as Error).message}`),
    );
    this.pm = new PeerManager({
      crypto: { secp: this.secp, sym: defaultSymmetric() },
      nodeKey: { publicKey: this.keys.getNodeId(), ecdh: (pub) => this.keys.ecdh(pub) },
      entropy, channelHandler: this.outbox.handler, routingHandler: this.gossip, chainHashes: [chain.chainHash], logger,
      onEvent: (e) => this.onPeerEvent(e),
    });
    this.running = true;
    await this.outbox.persist(); // also hands the monitors the updates the restored manager replayed
    checkMonitorsAgainstManager(this.cm, this.chainMonitor, this.log);
    this.staleChannelsForceClosed = monitors
      .filter((m) => !broadcastingBefore.has(bytesToHex(m.monitor.channelId)) && this.chainMonitor.getMonitor(m.monitor.channelId)!.state.broadcastHolder)
      .map((m) => bytesToHex(m.monitor.channelId));

    if (o.listen) {
      const l = await tcpListen(this.pm, o.listen.port, o.listen.host ?? '127.0.0.1', () => this.kick());
      this.listening.push(`${o.listen.host ?? '127.0.0.1'}:${l.port}`);
      this.closers.push(l.close);
    }
    if (o.webSocket) {
      const ws = await listenWebSocket(this.pm, o.webSocket.port, o.webSocket.host ?? '127.0.0.1', { onEvent: () => this.kick() });
      this.listening.push(`ws://${o.webSocket.host ?? '127.0.0.1'}:${ws.port}`);
      this.closers.push(() => ws.close());
    }
    const every = (ms: number, f: () => void) => this.intervals.push(setInterval(() => this.guarded(f), ms));
    every(this.timers.managerTickMs, () => this.cm.timerTickOccurred());
    every(this.timers.peerTickMs, () => this.pm.timerTickOccurred());
    every(this.timers.gossipTickMs, () => {
      this.gossip.timerTickOccurred();
      this.routerCache.refresh();
      this.maybeAnnounceNode(true);
      this.kick();
    });
    every(this.timers.monitorTickMs, () => {
      this.chainMonitor.timerTick();
      void this.reconnectPeers();
    });
    every(this.timers.snapshotMs, () => void this.persistSnapshots());
    this.kick();
    void this.reconnectPeers();
    this.log.info(`started ${this.nodeId} at height ${chain.bestBlock().height}${this.listening.length ? `, listening on ${this.listening.join(', ')}` : ''}`);
  }

  /** Stops timers and sockets and writes everything (manager, monitors, wallet, graph, scorer, payments). */
  async stop(): Promise<void> {
    if (!this.running) return;
    await this.halt('node stopping');
    this.drainEvents();
    await this.outbox.persist();
    await this.persister.flush();
    await this.store.write('', '', WALLET_KEY, this.wallet.serialize());
    await this.persistSnapshots();
    await this.payments.flush();
    this.log.info(`stopped ${this.nodeId}`);
  }

  /**
   * Stops at once, as if the process died: timers, chain subscriptions and sockets go, and no
   * write is awaited or started. For crash tests (pair it with a store that stops persisting);
   * a real node calls {@link LightningNode.stop}.
   */
  async kill(): Promise<void> {
    if (this.running) await this.halt('killed');
  }

  /** Timers, chain subscriptions, listeners and peers go; nothing is written. */
  private async halt(reason: string): Promise<void> {
    this.running = false;
    this.payments.stop();
    this.routerCache.close();
    for (const i of this.intervals) clearInterval(i);
    this.intervals.length = 0;
    if (this.forwardTimer) clearTimeout(this.forwardTimer);
    for (const l of this.chainListeners) this.options.chain.unsubscribe(l);
    this.chainListeners = [];
    for (const c of this.closers) await c();
    this.closers = [];
    for (const id of this.pm.getPeerNodeIds()) this.pm.disconnectByNodeId(id, reason);
    this.listening = [];
  }

  private async subscribeChain(monitorTips: BestBlock[]): Promise<void> {
    const chain = this.options.chain;
    const tip = chain.bestBlock();
    const wallet = this.wallet;
    const dirty = <T>(f: () => T): T => ((this.walletDirty = true), f());
    // The monitors see each block before the manager (LDK's order), then the wallet and gossip.
    const parts: [Listen, BestBlock][] = [
      [asListen(this.chainMonitor), lowestTip(monitorTips) ?? tip],
      [asListen(this.cm), this.cm.currentBestBlock()],
      [asListen({ blockConnected: (b, h) => dirty(() => wallet.blockConnected(b, h)), blockDisconnected: (hd, h) => dirty(() => wallet.blockDisconnected(hd, h)) }), wallet.bestBlock as BestBlock],
      // From its replay point: the spends it was counting down, and those made while we were down, are found again.
      [this.closeWatch.listener(this.gossip.chainWatcher), this.closeWatch.stored ?? tip],
      [asListen({ blockConnected: (_b, h) => this.onBlock(h), blockDisconnected: () => this.kick() }), tip],
    ];
    for (const [l, at] of parts) {
      try {
        await chain.subscribe(l, at);
      } catch (e) {
        // Only the close watcher's replay point may be gone (reorged out): it then starts at the tip.
        if (at === tip || at !== this.closeWatch.stored) throw e;
        this.log.warn(`the gossip close watcher's replay point ${at.height} is not in the chain (${(e as Error).message}); starting it at the tip`);
        await chain.subscribe(l, tip);
      }
      this.chainListeners.push(l);
    }
  }

  private onBlock(height: number): void {
    this.emit({ type: 'BlockProcessed', height });
    this.kick();
  }

  // =============================================================== the event loop

  /** Schedules one run of the event loop (coalesced). */
  kick(): void {
    if (!this.running || this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      if (this.running) this.guarded(() => this.pump());
    });
  }

  private guarded(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.log.error(`event loop: ${(e as Error).stack ?? e}`);
    }
  }

  /** One run: dispatch the components' events, send messages, persist what changed. */
  private pump(): void {
    this.drainEvents();
    this.pm.processEvents();
    // The PeerManager stops reading peers while the gossip queue is high and resumes them only
    // in processEvents(); the queue drains asynchronously (funding lookups, signature checks),
    // with nothing else to kick the loop: look again every GOSSIP_POLL_MS while it is high.
    if (!this.gossipPoll && this.gossip.processingQueueHigh()) {
      this.gossipPoll = setTimeout(() => {
        this.gossipPoll = undefined;
        this.kick();
      }, GOSSIP_POLL_MS);
    }
    this.maybeAnnounceNode();
    void this.outbox.persist();
    if (this.scorerDirty) {
      this.scorerDirty = false;
      void this.store.write('', '', SCORER_KEY, this.scorer.serialize()).catch((e) => this.log.error(`scorer write failed: ${(e as Error).message}`));
    }
    if (this.walletDirty) {
      this.walletDirty = false;
      void this.store.write('', '', WALLET_KEY, this.wallet.serialize()).catch((e) => this.log.error(`wallet write failed: ${(e as Error).message}`));
    }
  }

  private drainEvents(): void {
    for (let round = 0; round < 8; round++) {
      const ce = this.cm.getAndClearPendingEvents();
      const me = this.chainMonitor.getAndClearPendingEvents();
      for (const e of ce) this.guarded(() => handleChannelEvent(this.eventHost, e));
      for (const e of me) this.guarded(() => handleMonitorEvent(this.eventHost, e));
      if (!ce.length && !me.length) return;
    }
  }

  private onPeerEvent(e: PeerEvent): void {
    if (e.type === 'connected') this.emit({ type: 'PeerConnected', nodeId: bytesToHex(e.nodeId), inbound: e.inbound });
    else if (e.type === 'disconnected' && e.nodeId && !e.duringHandshake) this.emit({ type: 'PeerDisconnected', nodeId: bytesToHex(e.nodeId), reason: e.reason });
  }

  /** Gossip the manager broadcasts about our channels goes into our own graph too. */
  private ownGossip(msg: KnownMessage): void {
    takeOwnGossip(this.gossip, msg, this.log);
  }

  /** BOLT 7 `node_announcement` when our public channels change (see {@link NodeAnnouncer}). */
  private maybeAnnounceNode(onTick = false): void {
    const msg = this.announcer.next(this.graph.node(this.keys.getNodeId())?.channelCount ?? 0, onTick, this.now(), () => this.cm.providedNodeFeatures().toBytes(), this.listening);
    if (!msg) return;
    this.ownGossip(msg);
    this.outbox.broadcastOwn(msg);
  }

  // =============================================================== events

  /** Calls `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: NodeEventListener): () => void {
    return this.hub.subscribe(listener);
  }

  protected emit(e: NodeEvent): void {
    this.hub.emit(e);
  }

  /** Resolves with the first event of `type` that satisfies `match`, or rejects after `timeoutMs`. */
  waitFor<T extends NodeEvent['type']>(type: T, match: (e: NodeEventOf<T>) => boolean = () => true, timeoutMs = 30_000): Promise<NodeEventOf<T>> {
    return this.hub.waitFor(type, match, timeoutMs);
  }

  // =============================================================== peers and channels

  /** Connects to a peer over TCP and resolves once the BOLT 1 `init` exchange is done. */
  async connect(nodeId: string, host: string, port: number, timeoutMs = 10_000): Promise<void> {
    this.requireRunning();
    if (this.pm.getPeerNodeIds().some((id) => bytesToHex(id) === nodeId)) return;
    const connected = this.waitFor('PeerConnected', (e) => e.nodeId === nodeId, timeoutMs);
    connected.catch(() => undefined); // observed below; a failed dial must not leave it unhandled
    await tcpConnect(this.pm, hexToBytes(nodeId), host, port, () => this.kick());
    await connected;
    const address = `${host}:${port}`;
    if (this.peerAddresses.get(nodeId) !== address) {
      this.peerAddresses.set(nodeId, address);
      await writeJson(this.store, PEERS_NAMESPACE, nodeId, { address });
    }
  }

  /** Connects to a peer over WebSocket (`ws://host:port`, BOLT 8 inside binary frames) and resolves once `init` is exchanged. */
  async connectWebSocket(nodeId: string, url: string, timeoutMs = 10_000): Promise<void> {
    this.requireRunning();
    if (this.listPeers().includes(nodeId)) return;
    const connected = this.waitFor('PeerConnected', (e) => e.nodeId === nodeId, timeoutMs);
    connected.catch(() => undefined);
    await connectWebSocketNode(this.pm, hexToBytes(nodeId), url, { onEvent: () => this.kick() });
    await connected;
  }

  /** Peers connected now (hex node ids). */
  listPeers(): string[] {
    return this.pm.getPeerNodeIds().map(bytesToHex);
  }

  private async reconnectPeers(): Promise<void> {
    if (!this.running) return;
    const connected = new Set(this.listPeers());
    const withChannels = new Set(this.cm.listChannels().map((c) => bytesToHex(c.counterpartyNodeId)));
    for (const [id, address] of this.peerAddresses) {
      if (connected.has(id) || !withChannels.has(id)) continue;
      const i = address.lastIndexOf(':');
      try {
        await this.connect(id, address.slice(0, i), Number(address.slice(i + 1)), 5_000);
      } catch (e) {
        this.log.debug(`reconnecting to ${id} at ${address} failed: ${(e as Error).message}`);
      }
    }
  }

  /**
   * Opens a channel of `amountSat` to a connected peer, funded from the wallet (BOLT 2 v1
   * opening). Resolves once the funding transaction is signed by both sides and broadcast.
   */
  async openChannel(nodeId: string, amountSat: bigint, opts: { pushMsat?: bigint; announce?: boolean; timeoutMs?: number } = {}): Promise<{ channelId: string; fundingTxid: string }> {
    this.requireRunning();
    const peer = hexToBytes(nodeId);
    let tempId = '';
    let off = () => {};
    const aborted = new Promise<never>((_, reject) => {
      off = this.subscribe((e) => {
        if (e.type === 'ChannelClosed' && e.channelId === tempId) reject(new NodeError(`the channel was not opened: ${e.reason}`, 'open_failed'));
      });
    });
    const pending = this.waitFor('ChannelPending', (e) => e.counterpartyNodeId === nodeId, opts.timeoutMs ?? 30_000);
    pending.catch(() => undefined);
    aborted.catch(() => undefined);
    let e: NodeEventOf<'ChannelPending'>;
    try {
      tempId = bytesToHex(this.cm.createChannel(peer, amountSat, opts.pushMsat ?? 0n, BigInt(Date.now()), opts.announce === undefined ? undefined : { announce: opts.announce }));
      this.kick();
      e = await Promise.race([pending, aborted]);
    } finally {
      off();
    }
    return { channelId: e.channelId, fundingTxid: e.fundingTxid };
  }

  /**
   * Closes a channel: cooperatively (BOLT 2 `shutdown` and a negotiated closing transaction),
   * or with `force` by broadcasting our latest commitment (BOLT 5; our `to_local` is swept
   * after the `to_self_delay` by the monitor). Resolves once the close is persisted and, for a
   * force close, the commitment handed to the broadcaster.
   */
  closeChannel(channelId: string, opts: { force?: boolean } = {}): Promise<void> {
    this.requireRunning();
    const ch = this.cm.listChannels().find((c) => bytesToHex(c.channelId) === channelId);
    if (!ch) throw new NodeError(`no open channel ${channelId}`, 'not_found');
    if (opts.force) this.cm.forceCloseChannel(ch.channelId, ch.counterpartyNodeId);
    else this.cm.closeChannel(ch.channelId, ch.counterpartyNodeId);
    this.kick();
    // Resolves once the manager is written and the monitor has the close (a force close's commitment is then broadcast).
    return this.outbox.persist();
  }

  /** Every channel not yet closed. */
  listChannels(): NodeChannel[] {
    return this.cm.listChannels().map((c) => channelView(c));
  }

  /** Identity and counts. */
  getInfo(): NodeInfo {
    const chans = this.cm.listChannels();
    return {
      nodeId: this.nodeId, alias: this.options.alias ?? '', network: this.network, blockHeight: this.options.chain.bestBlock().height,
      listening: [...this.listening], peers: this.listPeers(), channels: chans.length, usableChannels: chans.filter((c) => c.isUsable).length,
      graph: { nodes: this.graph.nodeCount, channels: this.graph.channelCount },
    };
  }

  // =============================================================== payments

  /** A BOLT 11 invoice for `amountMsat` (any amount when omitted). */
  createInvoice(amountMsat: bigint | undefined, description = '', expirySecs = 3600): { invoice: string; paymentHash: string } {
    this.requireRunning();
    return this.payments.createInvoice(amountMsat, description, expirySecs);
  }

  /**
   * Pays a BOLT 11 invoice: routes over the graph with our channels as first hops and the
   * invoice's hints, splits into parts when needed (`basic_mpp`), retries failed parts on other
   * paths, and resolves with the outcome (never rejects for a failed payment; it rejects for an
   * invoice that cannot be paid at all).
   */
  async payInvoice(invoice: string, opts: { amountMsat?: bigint; policy?: Partial<PaymentPolicy> } = {}): Promise<PaymentResult> {
    this.requireRunning();
    return this.payments.payInvoice(invoice, opts);
  }

  /** Pays `amountMsat` to `nodeId` without an invoice (keysend). */
  async keysend(nodeId: string, amountMsat: bigint, opts: { policy?: Partial<PaymentPolicy> } = {}): Promise<PaymentResult> {
    this.requireRunning();
    return this.payments.keysend(hexToBytes(nodeId), amountMsat, opts);
  }

  /** Every payment, outbound and inbound, newest first. */
  listPayments(): PaymentRecord[] {
    return this.payments.list();
  }

  /**
   * What the node owns: the wallet, channel balances (ours on our current commitment), and
   * what monitors of closed or closing channels still have to claim on chain for us (outputs
   * that already pay the wallet are counted there, not twice).
   */
  balances(): NodeBalances {
    return nodeBalances(this.cm, this.chainMonitor, this.wallet);
  }

  private get eventHost(): EventHost {
    return {
      cm: this.cm, keys: this.keys, wallet: this.wallet, chain: this.options.chain, payments: this.payments, log: this.log,
      emit: (e) => this.emit(e), walletChanged: () => void (this.walletDirty = true),
    };
  }

  /** A new address of the wallet (its one P2WPKH script). */
  walletScript(): Uint8Array {
    return this.wallet.script;
  }

  /** Writes the graph snapshot and the scorer. */
  async persistSnapshots(): Promise<void> {
    await this.store.write('', '', GRAPH_KEY, saveGraphSnapshot(this.graph));
    const replay = this.closeWatch.serialize();
    if (replay) await this.store.write('', '', CLOSE_WATCH_KEY, replay);
    await this.store.write('', '', SCORER_KEY, this.scorer.serialize());
  }

  protected requireRunning(): void {
    if (!this.running) throw new NodeError('the node is not running (call start())');
  }

  /** Runs `processPendingHtlcForwards` after the configured delay (one batch per delay). */
  protected scheduleForwards(f: () => void): void {
    if (this.forwardTimer) return;
    this.forwardTimer = setTimeout(() => {
      this.forwardTimer = undefined;
      if (this.running) this.guarded(() => {
        f();
        this.kick();
      });
    }, this.timers.forwardDelayMs);
  }
}

export { scidString } from './views.js';
