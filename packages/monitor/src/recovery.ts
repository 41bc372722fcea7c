/**
 * Restart checks: the monitors read back from storage against the channels the channel
 * manager knows (LDK does the same when it deserializes a `ChannelManager` next to its
 * monitors).
 */
import { bytesToHex } from '@ln/crypto';

/** A channel as the channel manager knows it: its id and the latest monitor update id it generated. */
export interface KnownChannel {
  readonly channelId: Uint8Array;
  readonly latestUpdateId: bigint;
}

/**
 * One disagreement between the monitors and the channel manager, and what to do:
 * - `MissingMonitor`: the manager has a channel with no monitor. Its funds are unprotected;
 *   do not run the channel (LDK refuses to start).
 * - `MonitorBehind`: updates `monitorUpdateId + 1 ..= managerUpdateId` never became durable
 *   (the process died first). The manager must hand them to `updateChannel` again, in order.
 * - `MonitorAhead`: the manager's copy is older than the monitor's: it must not use that
 *   stale state; force-close the channel from the monitor (which holds the newer commitment).
 * - `UnknownToManager`: a monitor whose channel the manager no longer has (closed, or the
 *   manager lost it). Keep it running until {@link ChannelMonitor.isFullyResolved}.
 */
export type MonitorMismatch =
  | { readonly type: 'MissingMonitor'; readonly channelId: Uint8Array; readonly managerUpdateId: bigint }
  | { readonly type: 'MonitorBehind'; readonly channelId: Uint8Array; readonly monitorUpdateId: bigint; readonly managerUpdateId: bigint }
  | { readonly type: 'MonitorAhead'; readonly channelId: Uint8Array; readonly monitorUpdateId: bigint; readonly managerUpdateId: bigint }
  | { readonly type: 'UnknownToManager'; readonly channelId: Uint8Array; readonly monitorUpdateId: bigint };

/** Compares monitors with the manager's channels; an empty list means they agree. */
export function checkMonitorsAgainstChannels(
  monitors: readonly { readonly channelId: Uint8Array; readonly latestUpdateId: bigint }[],
  channels: readonly KnownChannel[],
): MonitorMismatch[] {
  const out: MonitorMismatch[] = [];
  const byId = new Map(monitors.map((m) => [bytesToHex(m.channelId), m]));
  const known = new Set<string>();
  for (const c of channels) {
    const k = bytesToHex(c.channelId);
    known.add(k);
    const m = byId.get(k);
    if (!m) out.push({ type: 'MissingMonitor', channelId: c.channelId, managerUpdateId: c.latestUpdateId });
    else if (m.latestUpdateId < c.latestUpdateId) out.push({ type: 'MonitorBehind', channelId: c.channelId, monitorUpdateId: m.latestUpdateId, managerUpdateId: c.latestUpdateId });
    else if (m.latestUpdateId > c.latestUpdateId) out.push({ type: 'MonitorAhead', channelId: c.channelId, monitorUpdateId: m.latestUpdateId, managerUpdateId: c.latestUpdateId });
  }
  for (const m of monitors) if (!known.has(bytesToHex(m.channelId))) out.push({ type: 'UnknownToManager', channelId: m.channelId, monitorUpdateId: m.latestUpdateId });
  return out;
}
