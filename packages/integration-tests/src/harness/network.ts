/**
 * `Network`: N real nodes in one process (rust-lightning's `functional_test_utils`), one shared
 * `MemoryChain`, and a message pump that drains every node's `MessageSendEvent`s and hands each
 * message, encoded and decoded through `@ln/wire` on the way, to the peer's handler — as a
 * `PeerManager` would: channel messages to the `ChannelManager`, gossip and queries to
 * `P2PGossipSync`, `channel_update`s to both, broadcasts to every connected peer.
 *
 * Persistence runs for real: each round the pump waits for the monitors' store writes, the
 * managers pick up the `Completed` monitor events (released messages go out on the next round),
 * and each touched manager is persisted with its in-flight monitor updates, which only then go
 * to the `ChainMonitor` (see `HarnessNode.persistManager`). A node whose store "crashes" dies on
 * the spot.
 *
 * {@link Network.teardown} fails on anything left over: messages not delivered, monitor updates
 * still in flight, or events the test did not consume.
 */
import type { FeeEstimator, Logger, OutPoint } from '@ln/chain-interfaces';
import type { ChannelEvent, UserConfigOverrides } from '@ln/channel';
import { bytesToHex, equalBytes, type Secp256k1 } from '@ln/crypto';
import { loadBestSecp256k1 } from '@ln/crypto/node';
import type { MonitorUserEvent } from '@ln/monitor';
import { MemoryChain, TestWallet, ScriptedFeeEstimator } from '@ln/test-kit';
import { p2wpkh, txidOf, parseTx } from '@ln/transactions';
import { decodeMessage, encodeMessage, LightningError, makeMessage, type KnownMessage, type MessageSendEvent } from '@ln/wire';
import { CrashableStore } from './crash-store.js';
import { HarnessNode, handlerName, type NodeStore, type RestartReport } from './node.js';

const GOSSIP = new Set(['channel_announcement', 'node_announcement', 'channel_update']);
const ROUTING = new Set(['query_channel_range', 'reply_channel_range', 'query_short_channel_ids', 'reply_short_channel_ids_end', 'gossip_timestamp_filter']);

/** Monitor updates of `n` handed to its ChainMonitor and not yet durable. */
function pendingCount(n: HarnessNode): number {
  return n.chainMonitor.listMonitors().reduce((x, m) => x + n.chainMonitor.pendingUpdates(m.channelId).length, 0);
}

/** 2,500 sat/kw for everything, with the bounds a peer's proposals are checked against. */
export function defaultFees(): ScriptedFeeEstimator {
  return new ScriptedFeeEstimator({ MaximumFeeEstimate: 50_000, MinAllowedNonAnchorChannelRemoteFee: 253, MinAllowedAnchorChannelRemoteFee: 253 }, 2500);
}

/**
 * How the nodes hear about blocks: `listen` hands every node whole blocks (`Listen`);
 * `confirm` uses `Confirm` (only the transactions matching what was registered with the
 * chain's `Filter`, plus tips), as an Electrum or Esplora chain source would.
 */
export type ChainFeed = 'listen' | 'confirm';

/** Options of a {@link Network}. */
export interface NetworkOptions {
  /** The secp256k1 backend (default: the fastest that loads). */
  readonly secp?: Secp256k1;
  readonly feed?: ChainFeed;
}

/** Options of {@link Network.addNode}. */
export interface AddNodeOptions {
  readonly config?: UserConfigOverrides;
  readonly fees?: FeeEstimator;
  /** The monitors' fee estimator (claims and sweeps); default `fees`. */
  readonly monitorFees?: FeeEstimator;
  /** The node's store; default a fresh {@link CrashableStore}. */
  readonly store?: NodeStore;
  readonly logger?: Logger;
}

/** A channel the harness opened. */
export interface OpenedChannel {
  readonly channelId: Uint8Array;
  /** The funding outpoint (for ledgers: `channelLedger(chain, ch.funding, value)`). */
  readonly funding: OutPoint;
  readonly valueSat: bigint;
  readonly shortChannelId?: bigint;
}

/** The `ChannelEvent` (from `@ln/channel`) whose `type` is `T`. */
export type EventOf<T extends ChannelEvent['type']> = Extract<ChannelEvent, { type: T }>;
/** The monitor user event (from `@ln/monitor`) whose `type` is `T`. */
export type MonitorEventOf<T extends MonitorUserEvent['type']> = Extract<MonitorUserEvent, { type: T }>;

/** The in-process network (see the module comment). */
export class Network {
  readonly chain = new MemoryChain();
  readonly nodes: HarnessNode[] = [];
  /** Every message delivered: `[from, to, type]`. */
  readonly log: [string, string, string][] = [];
  /** Messages dropped because the receiver was dead or not connected: `[from, to, type]`. */
  readonly dropped: [string, string, string][] = [];
  /** Return false to drop a message (a lossy link); it is logged in {@link Network.dropped}. */
  filter: ((from: HarnessNode, to: HarnessNode, msg: KnownMessage) => boolean) | undefined;
  readonly secp: Secp256k1;
  /** `settle` calls `processPendingHtlcForwards` on `PendingHTLCsForwardable` (default true). */
  autoForward = true;
  private readonly links = new Set<string>();
  /** Message events drained from a node at the end of a round, delivered first in the next. */
  private readonly outbox = new Map<HarnessNode, MessageSendEvent[]>();

  /** How nodes are fed blocks (see {@link NetworkOptions.feed}). */
  readonly feed: ChainFeed;

  constructor(opts: NetworkOptions = {}) {
    this.secp = opts.secp ?? loadBestSecp256k1().backend;
    this.feed = opts.feed ?? 'listen';
  }

  /** A network of started nodes named `names` (e.g. `['alice', 'bob']`). */
  static async create(names: readonly string[], opts: AddNodeOptions = {}, netOpts: NetworkOptions = {}): Promise<Network> {
    const net = new Network(netOpts);
    for (const n of names) await net.addNode(n, opts);
    return net;
  }

  /** Adds and starts a node; its keys come from a seed derived from `name`. */
  async addNode(name: string, opts: AddNodeOptions = {}): Promise<HarnessNode> {
    const fees = opts.fees ?? defaultFees();
    const node = new HarnessNode(
      { name, config: opts.config ?? {}, fees, ...(opts.monitorFees ? { monitorFees: opts.monitorFees } : {}), ...(opts.logger ? { logger: opts.logger } : {}) },
      this.chain, this.secp, opts.store ?? new CrashableStore(), this.feed,
    );
    this.armCrash(node);
    await node.start();
    this.nodes.push(node);
    return node;
  }

  private armCrash(node: HarnessNode): void {
    node.store.onCrash = () => this.died(node);
  }

  /** The node with this id. */
  byId(id: Uint8Array): HarnessNode {
    const n = this.nodes.find((x) => x.is(id));
    if (!n) throw new Error(`unknown node ${bytesToHex(id)}`);
    return n;
  }

  // ---------------------------------------------------------------- connections

  private key(a: HarnessNode, b: HarnessNode): string {
    return [a.name, b.name].sort().join('|');
  }
  isConnected(a: HarnessNode, b: HarnessNode): boolean {
    return this.links.has(this.key(a, b));
  }
  /** Peers of `n` it is connected to. */
  peersOf(n: HarnessNode): HarnessNode[] {
    return this.nodes.filter((o) => o !== n && this.isConnected(n, o));
  }

  /** Connects two nodes: each side's handlers get `peerConnected` with the other's `init`. */
  connect(a: HarnessNode, b: HarnessNode): void {
    if (a.dead || b.dead) throw new Error('cannot connect a dead node');
    if (this.isConnected(a, b)) return;
    this.links.add(this.key(a, b));
    const initOf = (n: HarnessNode, to: HarnessNode) =>
      decodeMessage(encodeMessage(makeMessage('init', { globalfeatures: new Uint8Array(0), features: n.initFeatures(to.nodeId).toBytes(), tlvs: { networks: [this.chain.chainHash] } }))) as Extract<KnownMessage, { type: 'init' }>;
    a.cm.peerConnected(b.nodeId, initOf(b, a), false);
    a.gossip.peerConnected(b.nodeId, initOf(b, a), false);
    b.cm.peerConnected(a.nodeId, initOf(a, b), true);
    b.gossip.peerConnected(a.nodeId, initOf(a, b), true);
  }

  /** Connects `a` and `b` unless they are (the TCP variant dials). */
  protected async ensureConnected(a: HarnessNode, b: HarnessNode): Promise<void> {
    if (!this.isConnected(a, b)) this.connect(a, b);
  }

  /** Disconnects two nodes (each live side is told). */
  disconnect(a: HarnessNode, b: HarnessNode): void {
    if (!this.links.delete(this.key(a, b))) return;
    // What was queued for the lost connection is lost with it.
    for (const [x, y] of [[a, b], [b, a]] as const) {
      const q = this.outbox.get(x);
      if (q) this.outbox.set(x, q.filter((ev) => ev.type === 'BroadcastGossip' || !y.is(ev.nodeId)));
    }
    for (const [x, y] of [[a, b], [b, a]] as const) {
      if (x.dead) continue;
      x.cm.peerDisconnected(y.nodeId);
      x.gossip.peerDisconnected(y.nodeId);
    }
  }

  /** A node's process died: it is marked dead and its connections drop. */
  protected died(node: HarnessNode): void {
    node.kill();
    this.outbox.delete(node);
    for (const o of this.nodes) if (o !== node && this.isConnected(node, o)) this.disconnect(node, o);
  }

  /**
   * Restarts a node from its store, or from `restoreFrom` (e.g. a stale backup: a
   * `store.durableCopy()` taken earlier); see {@link HarnessNode.restart}. Its peers see a
   * disconnection first. Reconnect with {@link Network.connect}.
   */
  async restart(node: HarnessNode, restoreFrom?: NodeStore): Promise<RestartReport> {
    if (!node.dead) this.kill(node);
    const report = await node.restart(restoreFrom);
    this.armCrash(node);
    return report;
  }

  /** Kills a node now (as if its process died): what its store had made durable survives. */
  kill(node: HarnessNode): void {
    node.store.crashNow?.(); // a crashable store reports the crash through onCrash → died()
    if (!node.dead) this.died(node);
  }

  // ---------------------------------------------------------------- the pump

  /**
   * Runs the network until it is quiet: waits for store writes, delivers every queued message
   * (and what the answers queue), persists each touched manager, drains user events into
   * `node.events` / `node.monitorEvents`. Returns the number of messages delivered.
   */
  async settle(maxRounds = 2000): Promise<number> {
    let delivered = 0;
    for (let round = 0; round < maxRounds; round++) {
      const live = this.nodes.filter((n) => !n.dead);
      const touched = new Set<HarnessNode>();
      const inFlight = new Map<HarnessNode, number>();
      for (const n of live) {
        // Writes that complete now queue `Completed` events: the manager must get another round.
        const before = pendingCount(n);
        await n.persister.flush();
        if (n.dead) continue;
        const after = pendingCount(n);
        if (after < before) touched.add(n);
        inFlight.set(n, after);
      }
      let moved = 0;
      for (const from of live) {
        if (from.dead) continue;
        const evs: MessageSendEvent[] = [...(this.outbox.get(from) ?? []), ...from.cm.getAndClearPendingMsgEvents(), ...from.gossip.getAndClearPendingMsgEvents()];
        this.outbox.delete(from);
        if (evs.length) touched.add(from);
        for (const ev of evs) moved += this.dispatch(from, ev, touched);
      }
      for (const n of this.nodes) if (!n.dead && (touched.has(n) || n.queuedUpdates)) await n.persistManager();
      for (const n of this.nodes) n.drainEvents();
      // As a node's event handler would: forward HTLCs when the manager asks.
      if (this.autoForward) {
        for (const n of this.nodes) {
          if (n.dead || !n.events.some((e) => e.type === 'PendingHTLCsForwardable')) continue;
          n.events = n.events.filter((e) => e.type !== 'PendingHTLCsForwardable');
          n.cm.processPendingHtlcForwards();
          touched.add(n);
        }
      }
      for (const n of this.nodes) {
        if (n.dead) continue;
        // Handling monitor events (in `drainEvents` too) may have started updates or queued messages.
        if (n.queuedUpdates || pendingCount(n) > (inFlight.get(n) ?? 0)) touched.add(n);
        const more = [...n.cm.getAndClearPendingMsgEvents(), ...n.gossip.getAndClearPendingMsgEvents()];
        if (more.length) {
          this.outbox.set(n, more);
          touched.add(n);
        }
      }
      delivered += moved;
      if (touched.size === 0) return delivered;
    }
    throw new Error('the network did not settle');
  }

  private dispatch(from: HarnessNode, ev: MessageSendEvent, touched: Set<HarnessNode>): number {
    if (from.dead) return 0;
    if (ev.type === 'BroadcastGossip') {
      let n = 0;
      for (const to of this.peersOf(from)) if (!ev.exceptNodeId || !to.is(ev.exceptNodeId)) n += this.deliver(from, to, ev.msg, touched);
      return n;
    }
    const to = this.byId(ev.nodeId);
    if (ev.type === 'SendMessage') return this.deliver(from, to, ev.msg, touched);
    const a = ev.action;
    let n = 0;
    if ((a.type === 'SendErrorMessage' || a.type === 'SendWarningMessage' || a.type === 'DisconnectPeerWithWarning' || a.type === 'DisconnectPeer') && a.msg) n += this.deliver(from, to, a.msg, touched);
    if (a.type === 'DisconnectPeer' || a.type === 'DisconnectPeerWithWarning') this.disconnect(from, to);
    return n;
  }

  /** Delivers one message (through the wire codec) to `to`'s handlers; returns 1 if delivered. */
  deliver(from: HarnessNode, to: HarnessNode, msg: KnownMessage, touched: Set<HarnessNode> = new Set()): number {
    if (to.dead || from.dead || !this.isConnected(from, to) || (this.filter && !this.filter(from, to, msg))) {
      this.dropped.push([from.name, to.name, msg.type]);
      return 0;
    }
    const wire = decodeMessage(encodeMessage(msg));
    if (wire.type === 'unknown') throw new Error(`message ${msg.type} decoded as unknown type ${wire.typeNumber}`);
    this.log.push([from.name, to.name, wire.type]);
    touched.add(to);
    try {
      if (GOSSIP.has(wire.type)) {
        const relay = (to.gossip as unknown as Record<string, (id: Uint8Array, m: KnownMessage) => boolean>)[handlerName(wire.type)]!.call(to.gossip, from.nodeId, wire);
        if (wire.type === 'channel_update') to.cm.handleChannelUpdate(from.nodeId, wire);
        if (relay) for (const o of this.peersOf(to)) if (o !== from) this.deliver(to, o, wire, touched);
      } else if (ROUTING.has(wire.type)) {
        (to.gossip as unknown as Record<string, (id: Uint8Array, m: KnownMessage) => void>)[handlerName(wire.type)]!.call(to.gossip, from.nodeId, wire);
      } else if (wire.type === 'warning' || wire.type === 'ping' || wire.type === 'pong') {
        // PeerManager logs warnings and answers pings itself.
      } else {
        const fn = (to.cm as unknown as Record<string, ((id: Uint8Array, m: KnownMessage) => void) | undefined>)[handlerName(wire.type)];
        if (!fn) throw new Error(`ChannelManager has no handler for ${wire.type}`);
        fn.call(to.cm, from.nodeId, wire);
      }
    } catch (e) {
      if (!(e instanceof LightningError)) throw e;
      if (e.action.type === 'DisconnectPeer' || e.action.type === 'DisconnectPeerWithWarning') this.disconnect(from, to);
    }
    return 1;
  }

  /**
   * A timer tick on every live node (the library starts no timers): `timerTickOccurred` of the
   * manager and the gossip sync, `timerTick` of the ChainMonitor (retries failed writes); then settles.
   */
  async tick(): Promise<void> {
    for (const n of this.nodes) {
      if (n.dead) continue;
      n.cm.timerTickOccurred();
      n.gossip.timerTickOccurred();
      n.chainMonitor.timerTick();
    }
    await this.settle();
  }

  // ---------------------------------------------------------------- chain

  /** Mines `n` blocks (the mempool goes into the first), settling the network after each. */
  async mine(n = 1): Promise<void> {
    for (let i = 0; i < n; i++) {
      this.chain.mine(1);
      await this.settle();
    }
  }

  /** Mines one block with exactly `txs` (plus nothing else from the mempool), then settles. */
  async mineTxs(txs: readonly Uint8Array[]): Promise<void> {
    this.chain.mine(1, { txs });
    await this.settle();
  }

  /**
   * A funding transaction from `payer`'s wallet paying `valueSat` to `script`: a faucet coin
   * to the payer's wallet script is confirmed first; the transaction spends it (segwit, as
   * BOLT 2 requires) with change back to the wallet.
   */
  fundingTx(payer: HarnessNode, script: Uint8Array, valueSat: bigint): Uint8Array {
    // A really signed spend of a wallet coin (MemoryChain verifies scripts); change to the payer's script.
    return new TestWallet(this.chain, payer.spec.name).fundingTx(script, valueSat, { changeScript: p2wpkh(payer.nodeId) });
  }

  /**
   * Opens a channel `a` → `b` (connecting them if needed) and runs it to `ChannelReady` on both
   * sides (with `announce`, also through the 6-block announcement). Consumes the opening events.
   */
  async openChannel(a: HarnessNode, b: HarnessNode, valueSat: bigint, pushMsat = 0n, opts: { announce?: boolean; userChannelId?: bigint } = {}): Promise<OpenedChannel> {
    await this.ensureConnected(a, b);
    a.cm.createChannel(b.nodeId, valueSat, pushMsat, opts.userChannelId ?? 42n, opts.announce === undefined ? undefined : { announce: opts.announce });
    await this.settle();
    const ready = this.expectEvent(a, 'FundingGenerationReady');
    const raw = this.fundingTx(a, ready.outputScript, valueSat);
    a.cm.fundingTransactionGenerated(ready.temporaryChannelId, b.nodeId, raw);
    await this.settle();
    const pa = this.expectEvent(a, 'ChannelPending');
    const ours = (e: { channelId: Uint8Array }) => equalBytes(e.channelId, pa.channelId);
    this.expectEvent(b, 'ChannelPending', ours);
    const depth = Math.max(a.cm.config.channelHandshakeConfig.minimumDepth, b.cm.config.channelHandshakeConfig.minimumDepth, 1);
    await this.mine(opts.announce ? Math.max(6, depth) : depth);
    const ra = this.expectEvent(a, 'ChannelReady', ours);
    this.expectEvent(b, 'ChannelReady', ours);
    if (!equalBytes(pa.fundingTxo.txid, txidOf(parseTx(raw)))) throw new Error('ChannelPending names another funding transaction');
    return { channelId: pa.channelId, funding: pa.fundingTxo, valueSat, ...(ra.shortChannelId !== undefined ? { shortChannelId: ra.shortChannelId } : {}) };
  }

  // ---------------------------------------------------------------- events

  /** Removes and returns every pending event of `type` of `node` (that `where` accepts). */
  takeEvents<T extends ChannelEvent['type']>(node: HarnessNode, type: T, where: (e: EventOf<T>) => boolean = () => true): EventOf<T>[] {
    node.drainEvents();
    const hit = (e: ChannelEvent) => e.type === type && where(e as EventOf<T>);
    const out = node.events.filter(hit) as EventOf<T>[];
    node.events = node.events.filter((e) => !hit(e));
    return out;
  }

  /** Removes and returns the one pending event of `type` (that `where` accepts); throws if there is none or more than one. */
  expectEvent<T extends ChannelEvent['type']>(node: HarnessNode, type: T, where?: (e: EventOf<T>) => boolean): EventOf<T> {
    const evs = this.takeEvents(node, type, where);
    if (evs.length !== 1) throw new Error(`${node.name}: expected one ${type} event, got ${evs.length} (pending: ${node.events.map((e) => e.type).join(', ') || 'none'})`);
    return evs[0]!;
  }

  /** Removes and returns every pending monitor event of `type` (`SpendableOutputs`, `BumpTransaction`). */
  takeMonitorEvents<T extends MonitorUserEvent['type']>(node: HarnessNode, type: T): MonitorEventOf<T>[] {
    node.drainEvents();
    const out = node.monitorEvents.filter((e) => e.type === type) as MonitorEventOf<T>[];
    node.monitorEvents = node.monitorEvents.filter((e) => e.type !== type);
    return out;
  }

  /** The `ChannelClosed` reason of `node` for its one pending close (consumed). */
  closedReason(node: HarnessNode): string {
    return this.expectEvent(node, 'ChannelClosed').reason.type;
  }

  // ---------------------------------------------------------------- teardown

  /**
   * Fails (throws) on anything left over, as LDK's test nodes do when dropped: messages queued
   * and never delivered, monitor updates still being persisted, channel or monitor events the
   * test did not consume. Call it at the end of every scenario (it does not settle first).
   */
  async teardown(): Promise<void> {
    const problems: string[] = [];
    for (const n of this.nodes) {
      if (n.dead) continue;
      await n.persister.flush();
      const msgs = [...(this.outbox.get(n) ?? []), ...n.cm.getAndClearPendingMsgEvents(), ...n.gossip.getAndClearPendingMsgEvents()];
      if (msgs.length) problems.push(`${n.name}: ${msgs.length} undelivered message event(s): ${msgs.map((m) => (m.type === 'HandleError' ? `HandleError/${m.action.type}` : m.msg.type)).join(', ')}`);
      if (n.queuedUpdates) problems.push(`${n.name}: ${n.queuedUpdates} monitor update(s) never handed to the ChainMonitor (settle first)`);
      for (const m of n.chainMonitor.listMonitors()) {
        const pending = n.chainMonitor.pendingUpdates(m.channelId);
        if (pending.length) problems.push(`${n.name}: monitor updates ${pending.join(', ')} still being persisted`);
      }
      n.drainEvents();
      if (n.events.length) problems.push(`${n.name}: unconsumed events: ${n.events.map((e) => e.type).join(', ')}`);
      if (n.monitorEvents.length) problems.push(`${n.name}: unconsumed monitor events: ${n.monitorEvents.map((e) => e.type).join(', ')}`);
    }
    if (problems.length) throw new Error(`teardown found leftovers:\n  ${problems.join('\n  ')}`);
  }
}
