/**
 * Errors of `@ln/channel`'s state machine. A {@link ChannelError} says what the protocol asks
 * us to do about a problem (BOLT 1/2): ignore the message, warn the peer, or fail the channel.
 */

/** How bad a channel problem is. */
export type ChannelErrorKind =
  /** Ignore the message (log it). */
  | 'ignore'
  /** Send a `warning` and (usually) disconnect; the channel stays open. */
  | 'warn'
  /** Fail the channel: send `error`, broadcast our latest commitment if funded (BOLT 5 "Failing a Channel"). */
  | 'close';

/** A problem with a channel message or a user call, and what to do about it. */
export class ChannelError extends Error {
  override readonly name = 'ChannelError';
  constructor(
    readonly kind: ChannelErrorKind,
    message: string,
  ) {
    super(message);
  }
  static close(message: string): ChannelError {
    return new ChannelError('close', message);
  }
  static warn(message: string): ChannelError {
    return new ChannelError('warn', message);
  }
  static ignore(message: string): ChannelError {
    return new ChannelError('ignore', message);
  }
}

/** A user call that cannot be carried out (unknown channel, wrong state, bad argument). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
}
