/**
 * The default {@link Persist} on a `KVStore`: the whole monitor is written once, then each
 * update is stored as a small delta; every `maxPendingUpdates` updates (and whenever the
 * on-chain state changes) the whole monitor is written again and the deltas it covers are
 * removed. A payment thus costs a few hundred bytes of writes instead of a whole monitor.
 *
 * Layout (LDK's `MonitorUpdatingPersister`):
 * - `monitors` / `""` / `<funding txid>_<vout>`: the serialized `ChannelMonitor`;
 * - `monitor_updates` / `<funding txid>_<vout>` / `<update id, 20 digits>`: each encoded
 *   `ChannelMonitorUpdate` newer than the stored monitor.
 *
 * On load ({@link KVStoreMonitorPersister.readAllChannelMonitors}) each monitor replays its
 * stored updates in order, stopping at the first gap (a later update whose predecessor never
 * became durable was never reported complete, so the channel manager still has it).
 */
import type { ChannelMonitorUpdate, ChannelMonitorUpdateStatus, KVStore } from '@ln/chain-interfaces';
import { moduleLogger, NULL_LOGGER, type Logger, type ModuleLogger } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import { ChannelMonitor, type MonitorContext } from '../channel-monitor.js';
import { decodeChannelMonitorUpdate, encodeChannelMonitorUpdate } from '../data-codec.js';
import type { Persist, PersistCompletionSink } from './persist.js';

/** Primary namespace of full monitors. */
export const MONITOR_NAMESPACE = 'monitors';
/** Primary namespace of update deltas (the secondary namespace is the monitor's name). */
export const MONITOR_UPDATE_NAMESPACE = 'monitor_updates';

/** Options of a {@link KVStoreMonitorPersister}. */
export interface KVStorePersisterOptions {
  /** Every update whose id is a multiple of this is written as a whole monitor (default 100). */
  readonly maxPendingUpdates?: number;
  readonly logger?: Logger;
}

/** A monitor read back from the store. */
export interface LoadedMonitor {
  readonly name: string;
  readonly monitor: ChannelMonitor;
  /** How many stored updates were replayed on top of the stored monitor. */
  readonly replayedUpdates: number;
  /** Stored updates that could not be applied (after a gap, or invalid), by id. */
  readonly skippedUpdates: readonly bigint[];
}

const updateKey = (id: bigint) => id.toString().padStart(20, '0');

/** The `KVStore` persister (see the module comment). */
export class KVStoreMonitorPersister implements Persist {
  private sink?: PersistCompletionSink;
  private readonly maxPending: number;
  private readonly log: ModuleLogger;
  /** Monitors whose last write failed, to rewrite whole on {@link retryFailed}. */
  private readonly failed = new Map<string, ChannelMonitor>();
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * The last whole-monitor write of each monitor: the next one starts after it settles, so a
   * store that does not order writes to one key cannot leave an older monitor last (whose
   * deltas a newer write's cleanup already removed).
   */
  private readonly lastFull = new Map<string, Promise<void>>();
  /** Writes that failed so far (for monitoring and tests). */
  failures = 0;

  constructor(
    private readonly store: KVStore,
    opts: KVStorePersisterOptions = {},
  ) {
    this.maxPending = Math.max(1, opts.maxPendingUpdates ?? 100);
    this.log = moduleLogger(opts.logger ?? NULL_LOGGER, 'monitor-persist');
  }

  attach(sink: PersistCompletionSink): void {
    this.sink = sink;
  }

  persistNewChannel(name: string, monitor: ChannelMonitor): ChannelMonitorUpdateStatus {
    this.writeFull(name, monitor);
    return 'InProgress';
  }

  updatePersistedChannel(name: string, update: ChannelMonitorUpdate | undefined, monitor: ChannelMonitor): ChannelMonitorUpdateStatus {
    if (update === undefined || update.updateId % BigInt(this.maxPending) === 0n || this.failed.has(name)) {
      this.writeFull(name, monitor);
    } else {
      const channelId = monitor.channelId;
      const id = update.updateId;
      this.track(
        this.store.write(MONITOR_UPDATE_NAMESPACE, name, updateKey(id), encodeChannelMonitorUpdate(update)).then(
          () => this.sink?.channelMonitorUpdated(channelId, id, false),
          (e) => this.onFailure(name, monitor, e),
        ),
      );
    }
    return 'InProgress';
  }

  /** Rewrites, whole, every monitor whose last write failed. */
  retryFailed(): void {
    const list = [...this.failed];
    this.failed.clear();
    for (const [name, monitor] of list) this.writeFull(name, monitor);
  }

  /** Resolves once every write started so far has settled. */
  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private onFailure(name: string, monitor: ChannelMonitor, e: unknown): void {
    this.failures++;
    this.failed.set(name, monitor);
    this.log.error(`persisting monitor ${name} failed (will retry): ${(e as Error)?.message ?? e}`);
  }

  private writeFull(name: string, monitor: ChannelMonitor): void {
    const channelId = monitor.channelId;
    const upTo = monitor.latestUpdateId;
    const bytes = monitor.serialize();
    const write = () =>
      this.store.write(MONITOR_NAMESPACE, '', name, bytes).then(
        async () => {
          this.sink?.channelMonitorUpdated(channelId, upTo, true);
          await this.removeUpdatesUpTo(name, upTo);
        },
        (e) => this.onFailure(name, monitor, e),
      );
    const before = this.lastFull.get(name);
    const p = before ? before.then(write) : write();
    this.lastFull.set(name, p);
    void p.finally(() => {
      if (this.lastFull.get(name) === p) this.lastFull.delete(name);
    });
    this.track(p);
  }

  /** Removes (lazily) the stored deltas a durable whole monitor covers. */
  private async removeUpdatesUpTo(name: string, upTo: bigint): Promise<void> {
    try {
      const keys = await this.store.list(MONITOR_UPDATE_NAMESPACE, name);
      for (const k of keys) if (/^\d{20}$/.test(k) && BigInt(k) <= upTo) await this.store.remove(MONITOR_UPDATE_NAMESPACE, name, k, true);
    } catch (e) {
      this.log.warn(`removing old updates of ${name} failed (harmless, retried later): ${(e as Error)?.message ?? e}`);
    }
  }

  /**
   * Reads every stored monitor and replays its stored updates (restart). Monitors that fail to
   * decode are reported in `errors` and left in the store.
   */
  async readAllChannelMonitors(ctx: MonitorContext): Promise<{ monitors: LoadedMonitor[]; errors: { name: string; error: Error }[] }> {
    const monitors: LoadedMonitor[] = [];
    const errors: { name: string; error: Error }[] = [];
    for (const name of (await this.store.list(MONITOR_NAMESPACE, '')).sort()) {
      try {
        monitors.push(await this.readChannelMonitor(name, ctx));
      } catch (e) {
        errors.push({ name, error: e as Error });
      }
    }
    return { monitors, errors };
  }

  /** Reads one monitor by name and replays its stored updates. */
  async readChannelMonitor(name: string, ctx: MonitorContext): Promise<LoadedMonitor> {
    const bytes = await this.store.read(MONITOR_NAMESPACE, '', name);
    if (!bytes) throw new Error(`no stored monitor ${name}`);
    const monitor = ChannelMonitor.deserialize(bytes, ctx);
    const ids = (await this.store.list(MONITOR_UPDATE_NAMESPACE, name)).filter((k) => /^\d{20}$/.test(k)).map((k) => BigInt(k)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let replayed = 0;
    const skipped: bigint[] = [];
    for (const id of ids) {
      if (id <= monitor.latestUpdateId) continue; // covered by the stored monitor; removed lazily
      if (skipped.length || id !== monitor.latestUpdateId + 1n) {
        skipped.push(id);
        continue;
      }
      try {
        const raw = await this.store.read(MONITOR_UPDATE_NAMESPACE, name, updateKey(id));
        if (!raw) throw new Error('vanished');
        monitor.update(decodeChannelMonitorUpdate(raw));
        replayed++;
      } catch (e) {
        this.log.error(`stored update ${id} of ${name} cannot be applied: ${(e as Error).message}`, { channelId: monitor.channelId });
        skipped.push(id);
      }
    }
    if (skipped.length) this.log.warn(`monitor ${name}: updates ${skipped.join(', ')} follow a gap; the channel manager must replay them`, { channelId: monitor.channelId });
    this.log.info(`loaded monitor ${name} (${bytesToHex(monitor.channelId)}) at update ${monitor.latestUpdateId}, ${replayed} replayed`);
    return { name, monitor, replayedUpdates: replayed, skippedUpdates: skipped };
  }
}
