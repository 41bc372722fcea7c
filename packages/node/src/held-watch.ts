/**
 * The `Watch` a `LightningNode` gives its `ChannelManager`: new monitors go straight to the
 * `ChainMonitor` (the manager sends nothing for the channel before that monitor is persisted),
 * but each `ChannelMonitorUpdate` is held (`InProgress`) until the manager that generated it has
 * been written with it in flight, and only then handed to the `ChainMonitor`. So a stored
 * manager is never behind the stored monitors, and after a crash between the two writes the
 * manager, restored with the monitors' update ids (`ChannelManager.deserialize(..., { monitors })`),
 * hands the monitors the updates they lack (instead of a stale manager force-closing the channel).
 */
import type { ChannelMonitorInit, ChannelMonitorUpdate, ChannelMonitorUpdateStatus, ModuleLogger, MonitorEvent, Watch } from '@ln/chain-interfaces';
import { bytesToHex } from '@ln/crypto';
import type { ChainMonitor } from '@ln/monitor';

/**
 * The `Watch` between a node's `ChannelManager` and its `ChainMonitor` (BOLT 2: a state is
 * durable before the message committing to it leaves): monitors are registered at once, each
 * update is held `InProgress` until the manager that produced it is written, then released to
 * the `ChainMonitor`. Exposed as `LightningNode.watch` for tests and diagnostics.
 */
export class HeldWatch implements Watch {
  private readonly queue: ChannelMonitorUpdate[] = [];
  private readonly completed: MonitorEvent[] = [];

  constructor(
    private readonly inner: ChainMonitor,
    private readonly log: ModuleLogger,
  ) {}

  watchChannel(init: ChannelMonitorInit): ChannelMonitorUpdateStatus {
    return this.inner.watchChannel(init);
  }

  updateChannel(update: ChannelMonitorUpdate): ChannelMonitorUpdateStatus {
    this.queue.push(update);
    return 'InProgress';
  }

  releasePendingMonitorEvents(): MonitorEvent[] {
    return [...this.completed.splice(0), ...this.inner.releasePendingMonitorEvents()];
  }

  /** Updates held now (the manager serialized now has them all in flight). */
  get heldCount(): number {
    return this.queue.length;
  }

  /** Hands the first `count` held updates to the `ChainMonitor`, in order (after the manager that has them was written). */
  forward(count: number): void {
    for (const u of this.queue.splice(0, count)) {
      const status = this.inner.updateChannel(u);
      if (status === 'Completed') this.completed.push({ type: 'Completed', channelId: u.channelId, monitorUpdateId: u.updateId });
      else if (status === 'UnrecoverableError') this.log.error(`the ChainMonitor refused update ${u.updateId} of channel ${bytesToHex(u.channelId)}`);
    }
  }
}
