/**
 * `Persist`: how a `ChainMonitor` makes monitors durable before their channels step forward
 * (the seed: "persist them to disk before the channel steps forward").
 */
import type { ChannelMonitorUpdate, ChannelMonitorUpdateStatus } from '@ln/chain-interfaces';
import type { ChannelMonitor } from '../channel-monitor.js';

/** Where an asynchronous {@link Persist} reports completed writes: the `ChainMonitor`. */
export interface PersistCompletionSink {
  /**
   * A write finished and is durable. With `coversEarlier`, it was the whole monitor as of
   * `updateId`, so every update up to it is durable too; without, only `updateId` itself is.
   */
  channelMonitorUpdated(channelId: Uint8Array, updateId: bigint, coversEarlier?: boolean): void;
}

/**
 * Stores monitors and their updates.
 *
 * Implementer's obligations:
 * - Return `Completed` only when the data is durable; `InProgress` when a write was started and
 *   will be reported through {@link PersistCompletionSink.channelMonitorUpdated}; and
 *   `UnrecoverableError` when it cannot be persisted. For an update, the `ChainMonitor` then
 *   keeps it applied in memory (as LDK does: the running monitor keeps protecting the funds
 *   with everything it was given), reports it `InProgress` to the manager, which does not step
 *   forward and keeps the update in flight (so a restart from the stored, older monitor gets it
 *   again), lists the channel in `listStuckChannels()` and offers the whole monitor again on
 *   every `timerTick` (`updatePersistedChannel` without an update) until a write succeeds: the
 *   operator must restore the storage or shut down. A new monitor that cannot be persisted is
 *   refused (`UnrecoverableError` to the manager) and forgotten.
 * - A write that fails may be retried later (the `ChainMonitor` calls {@link Persist.retryFailed}
 *   on `timerTick`); until it succeeds its update stays "in progress", so the channel does not
 *   step forward.
 * - After a restart, what was stored must give back a monitor whose `latestUpdateId` is at
 *   least every update ever reported complete.
 */
export interface Persist {
  /** A new channel's monitor (update id 0). */
  persistNewChannel(monitorName: string, monitor: ChannelMonitor): ChannelMonitorUpdateStatus;
  /**
   * `update` was applied to `monitor`; or, with `update` undefined, the monitor's on-chain state
   * changed (a block) and the whole monitor may be written.
   */
  updatePersistedChannel(monitorName: string, update: ChannelMonitorUpdate | undefined, monitor: ChannelMonitor): ChannelMonitorUpdateStatus;
  /** Called once by the `ChainMonitor` it is given to, so asynchronous writes can report back. */
  attach?(sink: PersistCompletionSink): void;
  /** Retries writes that failed (called on `ChainMonitor.timerTick`). */
  retryFailed?(): void;
}
