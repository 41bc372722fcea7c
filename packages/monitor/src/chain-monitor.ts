/**
 * `ChainMonitor`: the seed's `ManyChannelMonitor`. Implements `Watch` for the channel
 * manager (every new monitor and every update is persisted through a {@link Persist} before
 * it is reported `Completed`), and `Listen`/`Confirm` for the chain source, fanning blocks
 * out to every `ChannelMonitor` through an index of watched outpoints, so a block costs one
 * pass over its inputs however many channels there are.
 */
import {
  moduleLogger, NULL_LOGGER,
  type Block, type BlockHeader, type ChannelMonitorInit, type ChannelMonitorUpdate, type ChannelMonitorUpdateStatus, type Confirm,
  type Listen, type ModuleLogger, type MonitorEvent, type RelevantTxid, type TransactionData, type Txid, type Watch,
} from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import { BlockTx } from './block-scan.js';
import { ChannelMonitor, type MonitorContext } from './channel-monitor.js';
import { MonitorError } from './errors.js';
import type { Balance, MonitorUserEvent } from './events.js';
import type { Persist, PersistCompletionSink } from './persist/persist.js';
import { checkMonitorsAgainstChannels, type KnownChannel, type MonitorMismatch } from './recovery.js';

/** Options of a {@link ChainMonitor}: the monitors' context and where to persist them. */
export interface ChainMonitorOptions extends MonitorContext {
  readonly persister: Persist;
}

interface Entry {
  readonly monitor: ChannelMonitor;
  readonly name: string;
  /** Update ids not yet durable. */
  readonly pending: Set<bigint>;
  /** Whether an update was reported `InProgress` and its `Completed` event is still owed. */
  owed: boolean;
  /** Updates whose write failed for good (`UnrecoverableError`): the channel is stuck until a whole monitor covering them is durable. */
  readonly failed: Set<bigint>;
  /** A whole-monitor rewrite to do on `timerTick` (stuck, or a chain-state write that failed for good). */
  rewrite: boolean;
  /** Update id of a whole-monitor rewrite in flight: its completion covers every earlier update. */
  rewriteOf?: bigint;
}

/** A channel whose monitor could not be persisted (see {@link ChainMonitor.listStuckChannels}). */
export interface StuckChannel {
  readonly channelId: Uint8Array;
  /** The first update whose write failed for good; it and every later one wait to be durable. */
  readonly failedUpdateId: bigint;
  /** The update the in-memory monitor is at (it applied them all). */
  readonly inMemoryUpdateId: bigint;
}

/** Claimable balances of one channel. */
export interface ChannelBalances {
  readonly channelId: Uint8Array;
  readonly balances: readonly Balance[];
}

/** The monitors of every channel (see the module comment). */
export class ChainMonitor implements Watch, Listen, Confirm, PersistCompletionSink {
  private readonly entries = new Map<string, Entry>();
  /** Outpoint key to the monitors watching it. */
  private readonly index = new Map<string, ChannelMonitor[]>();
  private readonly events: MonitorEvent[] = [];
  private readonly log: ModuleLogger;

  constructor(private readonly opts: ChainMonitorOptions) {
    this.log = moduleLogger(opts.logger ?? NULL_LOGGER, 'chain-monitor');
    opts.persister.attach?.(this);
  }

  // ---------------------------------------------------------------- Watch

  /** Creates and persists the monitor of a newly funded channel. */
  watchChannel(init: ChannelMonitorInit): ChannelMonitorUpdateStatus {
    const k = bytesToHex(init.channelId);
    if (this.entries.has(k)) {
      this.log.error(`watchChannel: channel ${k} is already watched`);
      return 'UnrecoverableError';
    }
    const monitor = ChannelMonitor.fromInit(init, this.opts);
    const entry = this.add(monitor);
    const status = this.opts.persister.persistNewChannel(entry.name, monitor);
    if (status === 'UnrecoverableError') {
      // Nothing depends on a monitor the manager was refused (no funding_signed, no funding
      // broadcast): forget it, so what runs is what is stored (nothing).
      this.log.error(`persisting the new monitor failed for good: the channel is refused`, { channelId: init.channelId });
      this.remove(entry);
      return status;
    }
    return this.persisted(entry, 0n, status);
  }

  /**
   * Applies an update (strictly in order) and persists it. A gap or a replay is refused
   * (`UnrecoverableError`), never applied, whatever its steps: a force-close with an old id
   * too (a stale manager closes a channel through {@link ChainMonitor.forceCloseFromMonitor}).
   * The update is applied in memory first; if its write then fails for good, the channel is
   * frozen rather than failed (see {@link ChainMonitor.listStuckChannels}).
   */
  updateChannel(update: ChannelMonitorUpdate): ChannelMonitorUpdateStatus {
    const entry = this.entries.get(bytesToHex(update.channelId));
    if (!entry) {
      this.log.error(`updateChannel: no monitor for channel ${bytesToHex(update.channelId)}`);
      return 'UnrecoverableError';
    }
    try {
      entry.monitor.update(update);
    } catch (e) {
      if (!(e instanceof MonitorError)) throw e;
      this.log.error(`update ${update.updateId} refused: ${e.message}`, { channelId: update.channelId });
      return 'UnrecoverableError';
    }
    this.reindex(entry.monitor);
    return this.persisted(entry, update.updateId, this.opts.persister.updatePersistedChannel(entry.name, update, entry.monitor));
  }

  releasePendingMonitorEvents(): MonitorEvent[] {
    const out = this.events.splice(0);
    for (const e of this.entries.values()) out.push(...e.monitor.releasePendingMonitorEvents());
    return out;
  }

  /** Events for the user from every monitor (`SpendableOutputs`, `BumpTransaction`). */
  getAndClearPendingEvents(): MonitorUserEvent[] {
    const out: MonitorUserEvent[] = [];
    for (const e of this.entries.values()) out.push(...e.monitor.getAndClearPendingEvents());
    return out;
  }

  /**
   * Turns the persister's status into the one reported to the manager. A write that failed for
   * good (`UnrecoverableError`) is reported `InProgress` and never completes on its own: the
   * update stays applied in memory (LDK's choice: the running monitor keeps everything that
   * protects the funds, preimages and revocation secrets included), the channel is frozen (it
   * does not step forward, and is not force-closed: a commitment only this in-memory monitor
   * knows could be broadcast), the manager keeps the update in flight (so a restart from the
   * stored monitor gets it again), and the channel is listed by {@link ChainMonitor.listStuckChannels}
   * until a whole-monitor rewrite on {@link ChainMonitor.timerTick} succeeds.
   */
  private persisted(entry: Entry, updateId: bigint, status: ChannelMonitorUpdateStatus): ChannelMonitorUpdateStatus {
    if (status === 'UnrecoverableError') {
      entry.failed.add(updateId);
      entry.rewrite = true;
      entry.pending.add(updateId);
      entry.owed = true;
      this.log.error(
        `persisting update ${updateId} failed for good: the channel is frozen (its in-memory monitor, at update ${entry.monitor.latestUpdateId}, is ahead of the stored one) until the monitor is written; restore the storage, or shut down and restart (the manager replays the update)`,
        { channelId: entry.monitor.channelId },
      );
      return 'InProgress';
    }
    if (status === 'InProgress') {
      entry.pending.add(updateId);
      entry.owed = true;
      return status;
    }
    // Completed now, but an earlier update may still be in flight: the channel waits for it.
    if (entry.pending.size) {
      entry.owed = true;
      return 'InProgress';
    }
    return 'Completed';
  }

  /**
   * An asynchronous write finished (called by the {@link Persist}, or by the user for their own
   * `Persist`). Once no update of the channel is left in flight, a `Completed` event for the
   * latest update lets the channel step forward.
   */
  channelMonitorUpdated(channelId: Uint8Array, updateId: bigint, coversEarlier = false): void {
    const entry = this.entries.get(bytesToHex(channelId));
    if (!entry) return;
    if (entry.rewriteOf !== undefined && updateId >= entry.rewriteOf) coversEarlier = true; // our whole-monitor rewrite
    if (coversEarlier) {
      for (const id of [...entry.pending]) if (id <= updateId) entry.pending.delete(id);
      if (entry.failed.size) {
        for (const id of [...entry.failed]) if (id <= updateId) entry.failed.delete(id);
        if (!entry.failed.size) this.log.info(`the monitor is durable again at update ${updateId}: the channel resumes`, { channelId: entry.monitor.channelId });
      }
      if (entry.rewriteOf !== undefined && updateId >= entry.rewriteOf) delete entry.rewriteOf;
    } else entry.pending.delete(updateId);
    if (entry.pending.size === 0 && entry.owed) {
      entry.owed = false;
      this.events.push({ type: 'Completed', channelId: entry.monitor.channelId, monitorUpdateId: entry.monitor.latestUpdateId });
    }
  }

  /** Update ids of a channel still being persisted. */
  pendingUpdates(channelId: Uint8Array): bigint[] {
    return [...(this.entries.get(bytesToHex(channelId))?.pending ?? [])].sort((a, b) => (a < b ? -1 : 1));
  }

  // ---------------------------------------------------------------- monitors

  /**
   * Adds a monitor read back from storage (restart) without persisting it again. Returns
   * `UnrecoverableError` if the channel is already watched.
   *
   * Everything the loaded monitor holds is durable, so a `Completed` event for its
   * `latestUpdateId` is queued: a channel manager restarted beside it that still counted those
   * updates (or the initial `watchChannel`) as in progress steps forward instead of waiting for
   * an event its previous process never received.
   */
  loadExistingMonitor(monitor: ChannelMonitor): ChannelMonitorUpdateStatus {
    if (this.entries.has(bytesToHex(monitor.channelId))) return 'UnrecoverableError';
    this.add(monitor);
    monitor.registerWithFilter(this.opts.filter);
    this.events.push({ type: 'Completed', channelId: monitor.channelId, monitorUpdateId: monitor.latestUpdateId });
    return 'Completed';
  }

  private add(monitor: ChannelMonitor): Entry {
    const entry: Entry = { monitor, name: monitor.persistenceKey, pending: new Set(), owed: false, failed: new Set(), rewrite: false };
    this.entries.set(bytesToHex(monitor.channelId), entry);
    this.reindex(monitor);
    return entry;
  }

  private remove(entry: Entry): void {
    this.entries.delete(bytesToHex(entry.monitor.channelId));
    for (const [k, list] of this.index) {
      const rest = list.filter((m) => m !== entry.monitor);
      if (rest.length) this.index.set(k, rest);
      else this.index.delete(k);
    }
  }

  /**
   * Channels whose monitor could not be persisted for good (the persister answered
   * `UnrecoverableError`): frozen, with an in-memory monitor ahead of the stored one. The
   * operator must intervene: restore the storage (each {@link ChainMonitor.timerTick} rewrites
   * the whole monitor; once that is durable the channel resumes), or shut down and restart
   * (the manager hands the stored monitor the updates it lacks). Do not force-close such a
   * channel from the manager: see {@link ChainMonitor.updateChannel}.
   */
  listStuckChannels(): StuckChannel[] {
    const out: StuckChannel[] = [];
    for (const e of this.entries.values()) {
      if (e.failed.size) out.push({ channelId: e.monitor.channelId, failedUpdateId: [...e.failed].reduce((a, b) => (b < a ? b : a)), inMemoryUpdateId: e.monitor.latestUpdateId });
    }
    return out;
  }

  private reindex(monitor: ChannelMonitor): void {
    for (const k of monitor.watchedOutpointKeys()) {
      const list = this.index.get(k);
      if (!list) this.index.set(k, [monitor]);
      else if (!list.includes(monitor)) list.push(monitor);
    }
  }

  getMonitor(channelId: Uint8Array): ChannelMonitor | undefined {
    return this.entries.get(bytesToHex(channelId))?.monitor;
  }
  listMonitors(): ChannelMonitor[] {
    return [...this.entries.values()].map((e) => e.monitor);
  }

  /** Claimable balances of every channel (or of those given). */
  getClaimableBalances(channelIds?: readonly Uint8Array[]): ChannelBalances[] {
    const want = channelIds && new Set(channelIds.map(bytesToHex));
    return [...this.entries.entries()].filter(([k]) => !want || want.has(k)).map(([, e]) => ({ channelId: e.monitor.channelId, balances: e.monitor.getClaimableBalances() }));
  }

  /**
   * Compares the loaded monitors with the channels the channel manager knows (restart): see
   * {@link MonitorMismatch} for what each finding asks the caller to do.
   */
  checkAgainstChannelManager(channels: readonly KnownChannel[]): MonitorMismatch[] {
    return checkMonitorsAgainstChannels(this.listMonitors().map((m) => ({ channelId: m.channelId, latestUpdateId: m.latestUpdateId })), channels);
  }

  /**
   * Recovery only: force-closes a channel from its monitor's own state (see
   * {@link ChannelMonitor.forceCloseFromMonitor}), then persists the whole monitor. Call it for
   * a `MonitorAhead` finding of {@link ChainMonitor.checkAgainstChannelManager} (the stored
   * manager is older than the monitor: its updates, whose ids the monitor already applied, are
   * refused), or as an operator's last resort. This is the only way a force-close that does
   * not follow the monitor's latest update id takes effect: {@link ChainMonitor.updateChannel}
   * refuses every stale id, so nothing a peer can make the manager send closes a channel this
   * way. Returns the persister's status (`UnrecoverableError` for an unknown channel).
   */
  forceCloseFromMonitor(channelId: Uint8Array, opts: { readonly shouldBroadcast?: boolean } = {}): ChannelMonitorUpdateStatus {
    const entry = this.entries.get(bytesToHex(channelId));
    if (!entry) {
      this.log.error(`forceCloseFromMonitor: no monitor for channel ${bytesToHex(channelId)}`);
      return 'UnrecoverableError';
    }
    entry.monitor.forceCloseFromMonitor(opts.shouldBroadcast ?? true);
    entry.monitor.takeChanged();
    return this.opts.persister.updatePersistedChannel(entry.name, undefined, entry.monitor);
  }

  /**
   * Retries failed persists (see `Persist.retryFailed`), and rewrites whole every monitor whose
   * write failed for good (stuck channels, chain-state writes). Call it every minute or so.
   */
  timerTick(): void {
    this.opts.persister.retryFailed?.();
    for (const e of this.entries.values()) {
      if (!e.rewrite) continue;
      const upTo = e.monitor.latestUpdateId;
      const status = this.opts.persister.updatePersistedChannel(e.name, undefined, e.monitor);
      if (status === 'UnrecoverableError') continue; // still failing: retried next tick
      e.rewrite = false;
      if (status === 'Completed') this.channelMonitorUpdated(e.monitor.channelId, upTo, true);
      else e.rewriteOf = upTo;
    }
  }

  /** Rebroadcasts every monitor's pending claims now. */
  rebroadcastPendingClaims(): void {
    for (const e of this.entries.values()) e.monitor.rebroadcastPendingClaims();
  }

  // ---------------------------------------------------------------- chain

  private dispatch(txs: readonly BlockTx[], header: BlockHeader, height: number, skipAtOrBelowTip: boolean): void {
    for (const t of txs) {
      const keys = t.spentKeys;
      let hit: ChannelMonitor[] | undefined;
      for (const k of keys) {
        const ms = this.index.get(k);
        if (ms) for (const m of ms) (hit ??= []).includes(m) || hit.push(m);
      }
      if (!hit) continue;
      for (const m of hit) {
        if (skipAtOrBelowTip && height <= m.bestBlock.height) continue;
        if (m.processTxs([t], header, height)) this.reindex(m);
      }
    }
  }

  private persistChanged(): void {
    for (const e of this.entries.values()) {
      if (!e.monitor.takeChanged()) continue;
      const status = this.opts.persister.updatePersistedChannel(e.name, undefined, e.monitor);
      if (status === 'UnrecoverableError') {
        e.rewrite = true;
        this.log.error('persisting the on-chain state failed (rewritten on timerTick; a restart re-scans the blocks)', { channelId: e.monitor.channelId });
      }
    }
  }

  blockConnected(block: Block, height: number): void {
    this.dispatch(block.transactions.map((raw) => new BlockTx(raw)), block.header, height, true);
    for (const e of this.entries.values()) if (height > e.monitor.bestBlock.height) e.monitor.bestBlockUpdated(block.header, height);
    this.persistChanged();
  }
  filteredBlockConnected(header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    this.dispatch(txdata.map((t) => new BlockTx(t.tx)), header, height, true);
    for (const e of this.entries.values()) if (height > e.monitor.bestBlock.height) e.monitor.bestBlockUpdated(header, height);
    this.persistChanged();
  }
  blockDisconnected(header: BlockHeader, height: number): void {
    for (const e of this.entries.values()) e.monitor.blockDisconnected(header, height);
    this.persistChanged();
  }
  transactionsConfirmed(header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    this.dispatch(txdata.map((t) => new BlockTx(t.tx)), header, height, false);
    this.persistChanged();
  }
  transactionUnconfirmed(txid: Txid): void {
    for (const e of this.entries.values()) e.monitor.transactionUnconfirmed(txid);
    this.persistChanged();
  }
  bestBlockUpdated(header: BlockHeader, height: number): void {
    for (const e of this.entries.values()) e.monitor.bestBlockUpdated(header, height);
    this.persistChanged();
  }
  getRelevantTxids(): RelevantTxid[] {
    const seen = new Map<string, RelevantTxid>();
    for (const e of this.entries.values()) for (const r of e.monitor.getRelevantTxids()) seen.set(bytesToHex(r.txid), r);
    return [...seen.values()];
  }
}
