/** Errors of `@ln/monitor`. */

/** Why a monitor refused an update or an operation. */
export type MonitorErrorCode =
  /** An update's `updateId` is not `latestUpdateId + 1` (a gap or a replay). */
  | 'update_out_of_order'
  /** An update is for another channel. */
  | 'wrong_channel'
  /** An update step is inconsistent with the monitor's state (bad secret, commitment number going backwards, ...). */
  | 'invalid_update'
  /** A channel is already watched, or not watched. */
  | 'unknown_channel'
  | 'duplicate_channel'
  /** Persisting failed. */
  | 'persist_failed'
  /** Restart: a stored monitor cannot be read. */
  | 'load_failed'
  /** Restart: a channel of the manager has no monitor, or its monitor lacks updates the manager made. */
  | 'restart_mismatch'
  /** A justice input's signature does not verify against the revocation key its script commits to (never broadcast). */
  | 'invalid_justice_key';

/** Thrown by `ChannelMonitor` and `ChainMonitor` for refused updates and misuse. */
export class MonitorError extends Error {
  override readonly name = 'MonitorError';
  constructor(
    readonly code: MonitorErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Thrown by every decoder of this package (monitors, updates, events) given malformed bytes:
 * decoders of untrusted bytes throw nothing else.
 */
export class MonitorDecodeError extends Error {
  override readonly name = 'MonitorDecodeError';
}
