/**
 * The restart sequence, as two helpers around the channel manager's own restore (LDK does the
 * same steps when a `ChannelManager` is read next to its `ChannelMonitor`s):
 *
 * 1. {@link loadMonitorsForRestart}: read every monitor from the store (stored deltas
 *    replayed), load each into a fresh `ChainMonitor`; it gives the update id of each monitor
 *    (hand it to the manager's restore, e.g. `ChannelManager.deserialize(bytes, opts,
 *    { monitors })` of `@ln/channel`, which marks the in-flight updates the monitors have as done
 *    and hands them the others again) and the lowest monitor tip (replay blocks from there).
 * 2. Restore the manager, replay the blocks each part has not seen.
 * 3. {@link reconcileWithChannelManager}: compare the monitors with the manager's channels;
 *    close from the monitor every channel whose stored manager is older (`MonitorAhead`), and
 *    refuse to go on (a {@link RestartMismatchError}) if a channel has no monitor or a monitor
 *    lacks updates the manager made (its funds would be unprotected).
 *
 * This package never imports `@ln/channel`: the manager's side is data (`KnownChannel`s).
 */
import type { BestBlock } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import type { ChainMonitor } from './chain-monitor.js';
import type { MonitorContext } from './channel-monitor.js';
import { MonitorError } from './errors.js';
import type { LoadedMonitor } from './persist/kvstore-persister.js';
import type { KnownChannel, MonitorMismatch } from './recovery.js';

/** Where monitors are read from on restart (`KVStoreMonitorPersister` is one). */
export interface MonitorSource {
  readAllChannelMonitors(ctx: MonitorContext): Promise<{ monitors: LoadedMonitor[]; errors: { name: string; error: Error }[] }>;
}

/** What {@link loadMonitorsForRestart} read and loaded. */
export interface RestoredMonitors {
  /** Every monitor read back, with how many stored updates it replayed. */
  readonly loaded: readonly LoadedMonitor[];
  /** Each monitor's channel and latest update id: the manager's restore takes these. */
  readonly monitorUpdateIds: readonly KnownChannel[];
  /** The lowest tip among the monitors (replay blocks after it), `undefined` without monitors. */
  readonly replayFrom: BestBlock | undefined;
}

/**
 * Thrown when a restart must not go on: a stored monitor that cannot be read
 * (`code: 'load_failed'`), or a channel of the manager without a monitor or with a monitor
 * behind it (`code: 'restart_mismatch'`, with the findings in `mismatches`). Never run such a
 * channel: restore the missing monitor data first (LDK refuses to start in these cases too).
 */
export class RestartMismatchError extends MonitorError {
  constructor(
    code: 'load_failed' | 'restart_mismatch',
    message: string,
    readonly mismatches: readonly MonitorMismatch[] = [],
  ) {
    super(code, message);
  }
}

/**
 * Step 1 of a restart: reads every stored monitor (replaying its stored deltas) and loads it
 * into `chainMonitor` (which must be new: nothing watched yet). Throws
 * {@link RestartMismatchError} (`load_failed`) if any stored monitor cannot be read.
 */
export async function loadMonitorsForRestart(source: MonitorSource, chainMonitor: ChainMonitor, ctx: MonitorContext): Promise<RestoredMonitors> {
  const { monitors, errors } = await source.readAllChannelMonitors(ctx);
  if (errors.length) throw new RestartMismatchError('load_failed', `stored monitors failed to load: ${errors.map((e) => `${e.name}: ${e.error.message}`).join('; ')}`);
  for (const m of monitors) {
    if (chainMonitor.loadExistingMonitor(m.monitor) !== 'Completed') throw new RestartMismatchError('load_failed', `monitor ${m.name} is loaded twice (channel ${bytesToHex(m.monitor.channelId)})`);
  }
  const replayFrom = monitors.reduce<BestBlock | undefined>((a, m) => (!a || m.monitor.bestBlock.height < a.height ? m.monitor.bestBlock : a), undefined);
  return { loaded: monitors, monitorUpdateIds: monitors.map((m) => ({ channelId: m.monitor.channelId, latestUpdateId: m.monitor.latestUpdateId })), replayFrom };
}

/** What {@link reconcileWithChannelManager} found and did. */
export interface RestartReconciliation {
  readonly mismatches: readonly MonitorMismatch[];
  /** Channels closed from their monitor because the stored manager was older (`MonitorAhead`). */
  readonly forceClosed: readonly Uint8Array[];
  /**
   * Monitors whose channel the manager no longer has (it closed it, or lost it): keep them
   * running until `isFullyResolved()`. If the manager has no record of the channel at all (its
   * copy predates the channel) and the funding output is unspent, the channel cannot run:
   * close it with `ChainMonitor.forceCloseFromMonitor` (not done here: a channel the manager
   * closed cooperatively may still wait for its closing transaction to confirm).
   */
  readonly unknownToManager: readonly Uint8Array[];
}

/**
 * Step 3 of a restart, once the manager is restored (with {@link RestoredMonitors.monitorUpdateIds})
 * and blocks are replayed: compares the monitors with the manager's funded channels that have
 * a monitor (`channels`: each channel's id and the latest monitor update id the manager
 * generated). A channel whose monitor is ahead of the manager is closed from the monitor
 * ({@link ChainMonitor.forceCloseFromMonitor}: the stale manager's own updates would be
 * refused); a channel without a monitor, or with a monitor behind, throws
 * {@link RestartMismatchError} (`restart_mismatch`) before anything is closed.
 */
export function reconcileWithChannelManager(chainMonitor: ChainMonitor, channels: readonly KnownChannel[]): RestartReconciliation {
  const mismatches = chainMonitor.checkAgainstChannelManager(channels);
  const fatal = mismatches.filter((m) => m.type === 'MissingMonitor' || m.type === 'MonitorBehind');
  if (fatal.length) {
    const what = fatal.map((m) => `${m.type} for channel ${bytesToHex(m.channelId)} (manager at update ${m.managerUpdateId}${'monitorUpdateId' in m ? `, monitor at ${m.monitorUpdateId}` : ''})`);
    throw new RestartMismatchError('restart_mismatch', `cannot resume: ${what.join('; ')}`, mismatches);
  }
  const forceClosed: Uint8Array[] = [];
  const unknownToManager: Uint8Array[] = [];
  for (const m of mismatches) {
    if (m.type === 'MonitorAhead') {
      chainMonitor.forceCloseFromMonitor(m.channelId);
      forceClosed.push(m.channelId);
    } else if (m.type === 'UnknownToManager') unknownToManager.push(m.channelId);
  }
  return { mismatches, forceClosed, unknownToManager };
}
