/**
 * A multi-node harness for @ln/channel's own tests (in the spirit of LDK's functional test
 * utils): real `ChannelManager`s, an in-memory `Watch` that enforces update order, the test
 * kit's `MemoryChain`, and messages passed by draining `MessageSendEvent`s — each encoded and
 * decoded on the way, as on the wire.
 */
import {
  type ChannelMonitorInit, type ChannelMonitorUpdate, type FeeEstimator, type ChannelMonitorUpdateStatus, type MonitorEvent, type Watch,
} from '@ln/chain-interfaces';
import { bytesToHex, equalBytes, type Secp256k1, type SymmetricCrypto } from '@ln/crypto';
import { loadBestSecp256k1, nodeSymmetric } from '@ln/crypto/node';
import { KeysManager, p2wpkh } from '@ln/transactions';
import { DeterministicEntropySource, MemoryChain, TestWallet, ScriptedFeeEstimator, testSeed } from '@ln/test-kit';
import { decodeMessage, encodeMessage, makeMessage, type ChannelAnnouncement, type ChannelUpdate, type NodeAnnouncement, type KnownMessage, type MessageSendEvent } from '@ln/wire';
import { ChannelManager, type ChannelEvent, type RestoreOptions, type UserConfigOverrides } from '../../src/index.js';

/** The fastest backend available (native on this machine): the protocol is the same on every backend, the tests just run faster. */
export const secp = loadBestSecp256k1('native').backend;
export const sym = nodeSymmetric;

/** 2,500 sat/kw for everything, with realistic bounds on what a peer may propose. */
export function defaultFees(): ScriptedFeeEstimator {
  return new ScriptedFeeEstimator({ MaximumFeeEstimate: 50_000, MinAllowedNonAnchorChannelRemoteFee: 253, MinAllowedAnchorChannelRemoteFee: 253 }, 2500);
}

/** An in-memory `Watch`: records monitors and updates, enforces update order, can persist asynchronously. */
export class TestWatch implements Watch {
  readonly inits = new Map<string, ChannelMonitorInit>();
  readonly updates = new Map<string, ChannelMonitorUpdate[]>();
  readonly forceClosed = new Map<string, boolean>();
  /** `InProgress` mode: updates complete only when {@link TestWatch.completeAll} is called. */
  async = false;
  failNext = false;
  /** Updates this returns true for are refused (`UnrecoverableError`, not applied), as a monitor refusing a stale id does. */
  refuse: ((update: ChannelMonitorUpdate) => boolean) | undefined;
  private pending: MonitorEvent[] = [];
  private inProgress: { channelId: Uint8Array; updateId: bigint }[] = [];

  watchChannel(init: ChannelMonitorInit): ChannelMonitorUpdateStatus {
    const k = bytesToHex(init.channelId);
    if (this.inits.has(k)) return 'UnrecoverableError';
    this.inits.set(k, init);
    this.updates.set(k, []);
    return this.status(init.channelId, 0n);
  }
  updateChannel(update: ChannelMonitorUpdate): ChannelMonitorUpdateStatus {
    const k = bytesToHex(update.channelId);
    const list = this.updates.get(k);
    if (!list || this.refuse?.(update)) return 'UnrecoverableError';
    const last = list.length ? list[list.length - 1]!.updateId : 0n;
    if (update.updateId !== last + 1n) throw new Error(`TestWatch: update ${update.updateId} after ${last} (out of order)`);
    list.push(update);
    for (const s of update.steps) if (s.type === 'ChannelForceClosed') this.forceClosed.set(k, s.shouldBroadcast);
    return this.status(update.channelId, update.updateId);
  }
  private status(channelId: Uint8Array, updateId: bigint): ChannelMonitorUpdateStatus {
    if (this.failNext) {
      this.failNext = false;
      return 'UnrecoverableError';
    }
    if (this.async) {
      this.inProgress.push({ channelId, updateId });
      return 'InProgress';
    }
    return 'Completed';
  }
  /** Queues a monitor event (e.g. `HtlcResolved` as a real monitor would report it). */
  pushEvent(e: MonitorEvent): void {
    this.pending.push(e);
  }
  /** Every update step handed over for a channel, in order. */
  steps(channelId: Uint8Array): ChannelMonitorUpdate['steps'][number][] {
    return (this.updates.get(bytesToHex(channelId)) ?? []).flatMap((u) => u.steps);
  }
  completeAll(): void {
    for (const p of this.inProgress) this.pending.push({ type: 'Completed', channelId: p.channelId, monitorUpdateId: p.updateId });
    this.inProgress = [];
  }
  releasePendingMonitorEvents(): MonitorEvent[] {
    const e = this.pending;
    this.pending = [];
    return e;
  }
  latestHolderSig(channelId: Uint8Array): Uint8Array | undefined {
    const k = bytesToHex(channelId);
    let sig = this.inits.get(k)?.initialHolderCommitment.counterpartySignature;
    for (const u of this.updates.get(k) ?? []) for (const s of u.steps) if (s.type === 'LatestHolderCommitment') sig = s.commitment.counterpartySignature;
    return sig;
  }
}

/** One node of the harness. */
export interface TestNode {
  readonly name: string;
  readonly keys: KeysManager;
  readonly watch: TestWatch;
  cm: ChannelManager;
  readonly fees: FeeEstimator;
  readonly config: UserConfigOverrides;
  /** Events drained so far, for assertions. */
  events: ChannelEvent[];
  readonly nodeId: Uint8Array;
}

/** The network of nodes, the chain, and the message pump. */
export class Harness {
  /** The crypto backends every node uses (default: the fastest available, see {@link secp}). */
  constructor(readonly crypto: { readonly secp: Secp256k1; readonly sym: SymmetricCrypto } = { secp, sym }) {}
  readonly chain = new MemoryChain();
  readonly nodes: TestNode[] = [];
  readonly gossip: (ChannelAnnouncement | ChannelUpdate | NodeAnnouncement)[] = [];
  /** Every message delivered, `[from, to, type]`. */
  readonly log: [string, string, string][] = [];
  private connected = new Set<string>();
  /** A filter that may drop or hold messages: return false to drop. */
  filter: ((from: TestNode, to: TestNode, msg: KnownMessage) => boolean) | undefined;

  addNode(name: string, config: UserConfigOverrides = {}, fees: FeeEstimator = defaultFees()): TestNode {
    const keys = new KeysManager(testSeed(name), this.crypto.secp, new DeterministicEntropySource(testSeed(`${name}/entropy`)));
    const watch = new TestWatch();
    const node: TestNode = { name, keys, watch, fees, config, events: [], nodeId: keys.getNodeId(), cm: undefined as unknown as ChannelManager };
    node.cm = this.makeManager(node);
    this.chain.subscribe(node.cm);
    this.nodes.push(node);
    return node;
  }

  private makeManager(node: TestNode, bytes?: Uint8Array, restore?: RestoreOptions): ChannelManager {
    const opts = {
      chainHash: this.chain.chainHash, keys: node.keys, watch: node.watch, fees: node.fees, broadcaster: this.chain.broadcaster,
      bestBlock: { blockHash: this.chain.tip.hash, height: this.chain.tipHeight }, config: node.config, secp: this.crypto.secp, sym: this.crypto.sym,
    };
    return bytes ? ChannelManager.deserialize(bytes, opts, restore) : new ChannelManager(opts);
  }

  /** Restarts a node from its serialized manager (its peers see a disconnect first). */
  restart(node: TestNode, stored?: Uint8Array, restore?: RestoreOptions): void {
    // The user handled the events so far, persisted, then the process stopped.
    this.drainEvents();
    const bytes = stored ?? node.cm.serialize();
    for (const other of this.nodes) if (other !== node && this.isConnected(node, other)) this.disconnect(node, other);
    this.chain.unsubscribe(node.cm);
    node.cm = this.makeManager(node, bytes, restore);
    // Replay blocks the stored manager has not seen.
    const from = node.cm.currentBestBlock().height;
    for (let h = from + 1; h <= this.chain.tipHeight; h++) node.cm.blockConnected(this.chain.getBlock(h)!, h);
    this.chain.subscribe(node.cm);
  }

  private key(a: TestNode, b: TestNode): string {
    return [a.name, b.name].sort().join('|');
  }
  isConnected(a: TestNode, b: TestNode): boolean {
    return this.connected.has(this.key(a, b));
  }

  connect(a: TestNode, b: TestNode): void {
    this.connected.add(this.key(a, b));
    const initOf = (n: TestNode) => makeMessage('init', { globalfeatures: new Uint8Array(0), features: n.cm.providedInitFeatures(new Uint8Array(33)).toBytes(), tlvs: {} });
    a.cm.peerConnected(b.nodeId, initOf(b), false);
    b.cm.peerConnected(a.nodeId, initOf(a), true);
  }

  disconnect(a: TestNode, b: TestNode): void {
    this.connected.delete(this.key(a, b));
    a.cm.peerDisconnected(b.nodeId);
    b.cm.peerDisconnected(a.nodeId);
  }

  byId(id: Uint8Array): TestNode {
    const n = this.nodes.find((x) => equalBytes(x.nodeId, id));
    if (!n) throw new Error('unknown node');
    return n;
  }

  /** Delivers messages until no node has any left. Returns how many were delivered. */
  pump(max = 10_000): number {
    let delivered = 0;
    for (let round = 0; round < max; round++) {
      let any = false;
      for (const from of this.nodes) {
        const evs: MessageSendEvent[] = from.cm.getAndClearPendingMsgEvents();
        for (const ev of evs) {
          any = true;
          if (ev.type === 'BroadcastGossip') {
            this.gossip.push(ev.msg);
            continue;
          }
          const to = this.byId(ev.nodeId);
          if (!this.isConnected(from, to)) continue;
          if (ev.type === 'HandleError') {
            const a = ev.action;
            if ((a.type === 'SendErrorMessage' || a.type === 'DisconnectPeer') && a.msg) this.deliver(from, to, a.msg);
            if (a.type === 'SendWarningMessage' || a.type === 'DisconnectPeerWithWarning') this.log.push([from.name, to.name, 'warning']);
            if (a.type === 'DisconnectPeer' || a.type === 'DisconnectPeerWithWarning') this.disconnect(from, to);
            continue;
          }
          this.deliver(from, to, ev.msg);
          delivered++;
        }
      }
      if (!any) return delivered;
    }
    throw new Error('pump did not settle');
  }

  deliver(from: TestNode, to: TestNode, msg: KnownMessage): void {
    if (this.filter && !this.filter(from, to, msg)) return;
    const wire = decodeMessage(encodeMessage(msg)) as KnownMessage;
    this.log.push([from.name, to.name, wire.type]);
    const name = 'handle' + wire.type.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
    const cm = to.cm as unknown as Record<string, (id: Uint8Array, m: KnownMessage) => void>;
    if (typeof cm[name] !== 'function') throw new Error(`no handler ${name}`);
    cm[name]!.call(to.cm, from.nodeId, wire);
  }

  /** Drains every node's user events into `node.events`. */
  drainEvents(): void {
    for (const n of this.nodes) n.events.push(...n.cm.getAndClearPendingEvents());
  }

  eventsOf(node: TestNode, type: ChannelEvent['type']): ChannelEvent[] {
    this.drainEvents();
    return node.events.filter((e) => e.type === type);
  }

  /** Builds a segwit-spending funding transaction paying `valueSat` to `script` (wallet coins from the faucet). */
  fundingTx(payer: TestNode, script: Uint8Array, valueSat: bigint): Uint8Array {
    // A really signed spend of a wallet coin (MemoryChain verifies scripts); change to the payer's script.
    return new TestWallet(this.chain, payer.name).fundingTx(script, valueSat, { changeScript: p2wpkh(payer.keys.getNodeId()) });
  }

  /** Mines `n` blocks (including the mempool), then pumps messages. */
  mine(n = 1): void {
    this.chain.mine(n);
    this.pump();
  }

  /**
   * Opens a channel from `a` to `b` and runs it to `channel_ready` (and announcement for a
   * public channel). Returns the channel id.
   */
  openChannel(a: TestNode, b: TestNode, valueSat: bigint, pushMsat = 0n, opts: { announce?: boolean; confirm?: boolean } = {}): Uint8Array {
    if (!this.isConnected(a, b)) this.connect(a, b);
    a.cm.createChannel(b.nodeId, valueSat, pushMsat, 42n, opts.announce === undefined ? undefined : { announce: opts.announce });
    this.pump();
    const ready = this.eventsOf(a, 'FundingGenerationReady').pop() as Extract<ChannelEvent, { type: 'FundingGenerationReady' }>;
    a.events = a.events.filter((e) => e !== ready);
    a.cm.fundingTransactionGenerated(ready.temporaryChannelId, b.nodeId, this.fundingTx(a, ready.outputScript, valueSat));
    this.pump();
    const pending = this.eventsOf(a, 'ChannelPending').pop() as Extract<ChannelEvent, { type: 'ChannelPending' }>;
    if (opts.confirm !== false) this.mine(opts.announce ? 6 : 3);
    return pending.channelId;
  }
}
