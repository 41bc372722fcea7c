/**
 * One node of the multi-node harness: a real `ChannelManager` (`@ln/channel`), a real
 * `ChainMonitor` with the `KVStoreMonitorPersister` (`@ln/monitor`) on a crash-injecting
 * store, a `KeysManager` from a seed, and gossip (`P2PGossipSync` over a `NetworkGraph`).
 * It is built (and rebuilt on restart) from what its store holds, as a real process would be.
 * Its `Watch` holds each monitor update until the manager (which keeps it as in flight) is
 * persisted, then hands it to the ChainMonitor: see {@link HarnessNode.persistManager}.
 */
import type { Block, BlockHeader, ChannelMonitorInit, ChannelMonitorUpdate, ChannelMonitorUpdateStatus, FeeEstimator, KVStore, Logger, MonitorEvent, TransactionData, Txid, Watch } from '@ln/chain-interfaces';
import { ChannelManager, type ChannelEvent, type UserConfigOverrides } from '@ln/channel';
import { bytesToHex, equalBytes, type Secp256k1 } from '@ln/crypto';
import { NetworkGraph, P2PGossipSync } from '@ln/gossip';
import {
  ChainMonitor, encodeChannelMonitorInit, encodeChannelMonitorUpdate, KVStoreMonitorPersister, loadMonitorsForRestart, reconcileWithChannelManager, RestartMismatchError,
  type MonitorMismatch, type MonitorUserEvent,
} from '@ln/monitor';
import { DeterministicEntropySource, type MemoryChain, type ChainListener, testSeed } from '@ln/test-kit';
import { KeysManager } from '@ln/transactions';
import { Features, type KnownMessage } from '@ln/wire';
import { CrashableStore, InjectedWriteFailure } from './crash-store.js';

/** Where the harness stores each node's serialized `ChannelManager`. */
export const MANAGER_NAMESPACE = 'manager';
/** Key of the serialized `ChannelManager` in {@link MANAGER_NAMESPACE}. */
export const MANAGER_KEY = 'channel_manager';

/** What a node is made of (everything but its state, which lives in its store). */
export interface NodeSpec {
  readonly name: string;
  readonly config: UserConfigOverrides;
  readonly fees: FeeEstimator;
  /** Fee estimator of the monitor (claims); defaults to `fees`. */
  readonly monitorFees?: FeeEstimator;
  readonly logger?: Logger;
}

/** What restarting a node found when it compared the monitors with the manager (LDK's checks on load). */
export interface RestartReport {
  readonly mismatches: readonly MonitorMismatch[];
  /** Monitors read from the store, and how many stored updates each replayed. */
  readonly monitorsLoaded: readonly { readonly channelId: Uint8Array; readonly latestUpdateId: bigint; readonly replayedUpdates: number }[];
  /** Monitor updates the stored manager had in flight and handed again to monitors that lacked them. */
  readonly replayedByManager: number;
  /**
   * Channels force-closed from their monitor because the stored manager was older
   * (`MonitorAhead`): by the manager itself on `deserialize`, or else by this restart.
   */
  readonly forceClosedStale: readonly Uint8Array[];
}

/**
 * A node. `cm`, `chainMonitor`, `gossip` and `store` are replaced on {@link HarnessNode}
 * restart; keep the node, not them.
 */
export class HarnessNode {
  readonly keys: KeysManager;
  readonly nodeId: Uint8Array;
  cm!: ChannelManager;
  chainMonitor!: ChainMonitor;
  persister!: KVStoreMonitorPersister;
  /** The `Watch` the manager talks to: {@link HarnessNode.chainMonitor}, recording the events it releases. */
  watch!: Watch;
  gossip!: P2PGossipSync;
  graph!: NetworkGraph;
  /** The node's durable storage (monitors, updates and the manager). */
  store: NodeStore;
  /** Channel events not yet consumed by the test (see `Network.takeEvents`). */
  events: ChannelEvent[] = [];
  /** Monitor events for the user (`SpendableOutputs`, `BumpTransaction`) not yet consumed. */
  monitorEvents: MonitorUserEvent[] = [];
  /** Every `MonitorEvent` the manager received from the `ChainMonitor` (a copy, for assertions). */
  readonly seenMonitorEvents: MonitorEvent[] = [];
  /**
   * Receives, encoded with `@ln/monitor`'s data codec, every `ChannelMonitorInit` and
   * `ChannelMonitorUpdate` the node's monitors get (in order, as they get them): feed a
   * watchtower-like remote `ChainMonitor` with it.
   */
  mirror: ((data: { readonly init?: Uint8Array; readonly update?: Uint8Array }) => void) | undefined;
  /** The process died (its store crashed): it sends, receives and sees nothing until restarted. */
  dead = false;
  /** How many times the node was (re)started. */
  generation = 0;
  private listeners: ChainListener[] = [];
  private queued: ChannelMonitorUpdate[] = [];
  /** The manager bytes last made durable (an unchanged manager is not written again). */
  private lastPersisted: Uint8Array | undefined;

  constructor(
    readonly spec: NodeSpec,
    private readonly chain: MemoryChain,
    private readonly secp: Secp256k1,
    store: NodeStore = new CrashableStore(),
    private readonly feed: 'listen' | 'confirm' = 'listen',
  ) {
    this.keys = this.makeKeys();
    this.nodeId = this.keys.getNodeId();
    this.store = store;
  }

  get name(): string {
    return this.spec.name;
  }

  private makeKeys(): KeysManager {
    // A fresh entropy stream per generation, so channel keys ids never repeat across restarts.
    return new KeysManager(testSeed(this.spec.name), this.secp, new DeterministicEntropySource(testSeed(`${this.spec.name}/entropy/${this.generation}`)));
  }

  /** The `Watch`, fee estimator, broadcaster, chain hash and keys the manager is built with. */
  private managerOptions(keys: KeysManager) {
    return {
      chainHash: this.chain.chainHash, keys, watch: this.watch, fees: this.spec.fees, broadcaster: this.chain.broadcaster,
      bestBlock: { blockHash: this.chain.tip.hash, height: this.chain.tipHeight }, config: this.spec.config, secp: this.secp,
      ...(this.spec.logger ? { logger: this.spec.logger } : {}),
    };
  }

  private buildMonitorSide(keys: KeysManager): void {
    this.persister = new KVStoreMonitorPersister(this.store, this.spec.logger ? { logger: this.spec.logger } : {});
    const cmon = (this.chainMonitor = new ChainMonitor({
      secp: this.secp, signerProvider: keys, broadcaster: this.chain.broadcaster, feeEstimator: this.spec.monitorFees ?? this.spec.fees,
      persister: this.persister, filter: this.chain.filter, ...(this.spec.logger ? { logger: this.spec.logger } : {}),
    }));
    const seen = this.seenMonitorEvents;
    const queued: ChannelMonitorUpdate[] = [];
    this.queued = queued;
    // The manager's `Watch`: the real ChainMonitor, recording the events it hands over. Updates
    // are held (`InProgress`) until the manager that generated them is persisted (it keeps them
    // as in flight), then handed to the ChainMonitor (see forwardUpdates).
    this.watch = {
      watchChannel: (init: ChannelMonitorInit): ChannelMonitorUpdateStatus => {
        this.mirror?.({ init: encodeChannelMonitorInit(init) });
        return cmon.watchChannel(init);
      },
      updateChannel: (u: ChannelMonitorUpdate): ChannelMonitorUpdateStatus => {
        queued.push(u);
        return 'InProgress';
      },
      releasePendingMonitorEvents: (): MonitorEvent[] => {
        const evs = cmon.releasePendingMonitorEvents();
        seen.push(...evs);
        return evs;
      },
    };
  }

  /** Monitor updates the manager generated that wait for the manager to be persisted. */
  get queuedUpdates(): number {
    return this.queued.length;
  }

  /**
   * Hands the held updates to the ChainMonitor, in order. A refused one is an error in the
   * harness (the manager only replays what a monitor lacks).
   */
  forwardUpdates(): void {
    for (const u of this.queued.splice(0)) {
      this.mirror?.({ update: encodeChannelMonitorUpdate(u) });
      const status = this.chainMonitor.updateChannel(u);
      if (status === 'UnrecoverableError') throw new Error(`${this.name}: the ChainMonitor refused update ${u.updateId}`);
    }
  }

  private buildGossip(): void {
    this.graph = new NetworkGraph({ chainHash: this.chain.chainHash });
    this.gossip = new P2PGossipSync({ graph: this.graph, utxoLookup: this.chain, now: () => this.chain.tip.time, initialSync: 'none', ...(this.spec.logger ? { logger: this.spec.logger } : {}) });
  }

  /** First start: an empty store; the fresh manager is persisted at once. */
  async start(): Promise<void> {
    this.generation++;
    const keys = this.generation === 1 ? this.keys : this.makeKeys();
    this.buildMonitorSide(keys);
    this.buildGossip();
    this.cm = new ChannelManager(this.managerOptions(keys));
    this.subscribe();
    await this.persistManager();
  }

  /**
   * Restart from the store (what survived): monitors are read back with their stored updates
   * replayed, loaded into a new `ChainMonitor`, blocks since each one's tip replayed; the
   * manager is deserialized and compared with the monitors (`checkAgainstChannelManager`).
   * A monitor ahead of the stored manager means the manager is stale: as LDK does, that channel
   * is force-closed from the monitor (which holds the newest state). A monitor behind the
   * manager, or a missing one, cannot be repaired (the manager keeps no copy of its updates):
   * this throws. `restoreFrom` restarts from another store instead (e.g. an old backup).
   */
  async restart(restoreFrom?: NodeStore): Promise<RestartReport> {
    this.unsubscribe();
    this.store = await (restoreFrom ?? this.store).durableCopy();
    this.lastPersisted = undefined;
    this.dead = false;
    this.generation++;
    const keys = this.makeKeys();
    this.buildMonitorSide(keys);
    this.buildGossip();
    // The restart sequence of @ln/monitor's README ("Restart"): monitors first.
    const restored = await loadMonitorsForRestart(this.persister, this.chainMonitor, {
      secp: this.secp, signerProvider: keys, broadcaster: this.chain.broadcaster, feeEstimator: this.spec.monitorFees ?? this.spec.fees, filter: this.chain.filter,
      ...(this.spec.logger ? { logger: this.spec.logger } : {}),
    });
    const monitors = restored.loaded;
    const bytes = await this.store.read(MANAGER_NAMESPACE, '', MANAGER_KEY);
    if (!bytes) throw new Error(`${this.name}: no stored ChannelManager (the first one is written at start)`);
    const forcedBefore = new Map(monitors.map((m) => [bytesToHex(m.monitor.channelId), m.monitor.state.broadcastHolder]));
    const loaded = monitors.map((m) => ({ channelId: m.monitor.channelId, latestUpdateId: m.monitor.latestUpdateId, replayedUpdates: m.replayedUpdates }));
    // The manager marks its in-flight updates the monitors have as done, and replays the rest.
    this.cm = ChannelManager.deserialize(bytes, this.managerOptions(keys), { monitors: restored.monitorUpdateIds });
    await this.persistManager();
    // Replay the blocks each part has not seen (monitors and the manager have their own tips).
    const from = Math.min(this.cm.currentBestBlock().height, restored.replayFrom?.height ?? Infinity);
    for (let h = from + 1; h <= this.chain.tipHeight; h++) {
      const block = this.chain.getBlock(h)!;
      this.chainMonitor.blockConnected(block, h);
      if (h > this.cm.currentBestBlock().height) this.cm.blockConnected(block, h);
    }
    // A manager older than a monitor may close that channel itself (from the monitor's newer
    // state): its monitor was told to broadcast by the deserialized manager.
    const closedByManager = loaded.filter((m) => !forcedBefore.get(bytesToHex(m.channelId)) && this.chainMonitor.getMonitor(m.channelId)!.state.broadcastHolder).map((m) => m.channelId);
    const replayedByManager = loaded.reduce((n, m) => n + Number(this.chainMonitor.getMonitor(m.channelId)!.latestUpdateId - m.latestUpdateId), 0);
    const known = this.cm.allChannels().filter((c) => c.s.phase === 'Funded' && c.s.monitorCreated).map((c) => ({ channelId: c.channelId, latestUpdateId: c.s.latestMonitorUpdateId }));
    // MissingMonitor / MonitorBehind cannot be repaired (the manager keeps no copy of those
    // updates): RestartMismatchError. MonitorAhead (LDK: "a ChannelManager is stale compared to
    // the current ChannelMonitor"): closed from the monitor, which holds the newest commitment
    // (ChainMonitor.forceCloseFromMonitor; the stale manager's own force-close would be refused).
    let reconciled;
    try {
      reconciled = reconcileWithChannelManager(this.chainMonitor, known);
    } catch (e) {
      if (e instanceof RestartMismatchError) throw new Error(`${this.name}: ${e.message}`);
      throw e;
    }
    const mismatches = reconciled.mismatches;
    const forceClosedStale: Uint8Array[] = [...closedByManager, ...reconciled.forceClosed];
    this.subscribe();
    await this.persistManager();
    return {
      replayedByManager,
      mismatches, forceClosedStale,
      monitorsLoaded: loaded,
    };
  }

  private subscribe(): void {
    const cmon = this.chainMonitor;
    const cm = this.cm;
    const watcher = this.gossip.chainWatcher;
    // The monitors see each block before the manager (as LDK's examples order them).
    this.listeners =
      this.feed === 'listen'
        ? [cmon, cm, watcher].map((l) => ({ blockConnected: (b: Block, h: number) => l.blockConnected(b, h), blockDisconnected: (hd: BlockHeader, h: number) => l.blockDisconnected(hd, h) }))
        : [cmon, cm, watcher].map((l) => ({
            transactionsConfirmed: (hd: BlockHeader, t: readonly TransactionData[], h: number) => l.transactionsConfirmed(hd, t, h),
            transactionUnconfirmed: (txid: Txid) => l.transactionUnconfirmed(txid),
            bestBlockUpdated: (hd: BlockHeader, h: number) => l.bestBlockUpdated(hd, h),
            getRelevantTxids: () => l.getRelevantTxids(),
          }));
    for (const l of this.listeners) this.chain.subscribe(l);
  }

  private unsubscribe(): void {
    for (const l of this.listeners) this.chain.unsubscribe(l);
    this.listeners = [];
  }

  /** The process dies now: no more blocks, messages or durable writes until {@link HarnessNode.restart}. */
  kill(): void {
    this.dead = true;
    this.store.crashNow?.();
    this.unsubscribe();
  }

  /**
   * Persists the manager (with the monitor updates it has in flight), then hands those updates
   * to the ChainMonitor: a stored manager is never behind the stored monitors, and a monitor
   * behind the stored manager gets the missing updates from it on restart. Its `Completed`
   * monitor events are applied first. Returns whether it was written.
   */
  async persistManager(): Promise<boolean> {
    if (this.dead) return false;
    this.cm.processMonitorEvents();
    const bytes = this.cm.serialize();
    let written = false;
    if (!this.lastPersisted || !equalBytes(bytes, this.lastPersisted)) {
      try {
        await this.store.write(MANAGER_NAMESPACE, '', MANAGER_KEY, bytes);
        this.lastPersisted = bytes;
        written = true;
      } catch (e) {
        if (this.dead) return false; // killed during the write
        if (!(e instanceof InjectedWriteFailure)) throw e;
        // The stored manager stays older; its updates wait for the next successful persist.
        return false;
      }
    }
    if (this.dead) return false;
    this.forwardUpdates();
    return written;
  }

  /** Our `init` features: the channel handler's and the routing handler's (as `PeerManager` sends them). */
  initFeatures(theirNodeId: Uint8Array): Features {
    return Features.fromBits([...this.cm.providedInitFeatures(theirNodeId).setBits(), ...this.gossip.providedInitFeatures(theirNodeId).setBits()]);
  }

  /** Moves the manager's and the monitors' user events into {@link HarnessNode.events} / {@link HarnessNode.monitorEvents}. */
  drainEvents(): void {
    if (this.dead) return;
    this.events.push(...this.cm.getAndClearPendingEvents());
    this.monitorEvents.push(...this.chainMonitor.getAndClearPendingEvents());
  }

  /** Whether `id` is this node. */
  is(id: Uint8Array): boolean {
    return equalBytes(id, this.nodeId);
  }

  /** Our wallet's script: where our closing outputs and on-chain claims pay. */
  get walletScript(): Uint8Array {
    return this.keys.getDestinationScript(new Uint8Array(32));
  }
}

/**
 * A node's storage: a `KVStore` that can give back what is durable to a restarted process.
 * {@link CrashableStore} (in memory, crash injection) and {@link FilesystemNodeStore} implement it.
 */
export interface NodeStore extends KVStore {
  /** A store with exactly what survived, for the restarted process. */
  durableCopy(): NodeStore | Promise<NodeStore>;
  /** Kills the process: later writes never become durable (where the store can simulate it). */
  crashNow?(): void;
  /** Called when the store's armed crash happens. */
  onCrash?: (() => void) | undefined;
}

/**
 * Any `KVStore` as a node's store: `reopen` gives what a restarted process finds. For a
 * directory (test-kit's `FilesystemKVStore`): open it again. For test-kit's `MemoryKVStore`:
 * `() => store.clone()` (held writes are not in the clone: they were never durable).
 */
export class FilesystemNodeStore implements NodeStore {
  constructor(
    private readonly inner: KVStore,
    private readonly reopen: () => Promise<KVStore>,
  ) {}
  read(p: string, s: string, k: string): Promise<Uint8Array | undefined> {
    return this.inner.read(p, s, k);
  }
  write(p: string, s: string, k: string, v: Uint8Array): Promise<void> {
    return this.inner.write(p, s, k, v);
  }
  remove(p: string, s: string, k: string, lazy?: boolean): Promise<void> {
    return this.inner.remove(p, s, k, lazy);
  }
  list(p: string, s: string): Promise<string[]> {
    return this.inner.list(p, s);
  }
  async durableCopy(): Promise<NodeStore> {
    return new FilesystemNodeStore(await this.reopen(), this.reopen);
  }
}

/** Delivers a decoded message to the handler method BOLT names it by (`update_add_htlc` → `handleUpdateAddHtlc`). */
export function handlerName(type: KnownMessage['type']): string {
  return 'handle' + type.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}
