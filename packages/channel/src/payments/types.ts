/**
 * The payment API's vocabulary: paths, recipient fields, send errors, and the constants of the
 * payments layer (BOLT 4 "Basic Multi-Part Payments", BOLT 2 "Forwarding HTLCs").
 */

/** One hop of a path; structurally compatible with `@ln/router`'s `RouteHop` (no import). */
export interface PaymentHop {
  /** The node this hop's HTLC goes to. */
  readonly nodeId: Uint8Array;
  /** The channel the HTLC travels over. */
  readonly shortChannelId: bigint;
  /** HTLC amount on that channel: what `nodeId` receives, msat. */
  readonly amountMsat: bigint;
  /** Absolute `cltv_expiry` of the HTLC on that channel. */
  readonly cltvExpiry: number;
}

/** A path to the recipient, first hop first (`@ln/router`'s `Route` satisfies it). */
export interface PaymentPath {
  readonly hops: readonly PaymentHop[];
}

/** What the recipient asked for in its invoice (BOLT 11 `s`, `m`) and the total of a multi-part payment. */
export interface RecipientOnionFields {
  readonly paymentSecret?: Uint8Array;
  readonly paymentMetadata?: Uint8Array;
  /** Default: the sum of the paths' final amounts. */
  readonly totalMsat?: bigint;
}

/** Why `sendPayment` refused (nothing was sent). */
export type PaymentSendErrorCode =
  | 'duplicate_payment'
  | 'unknown_payment'
  | 'invalid_path'
  | 'no_channel'
  | 'channel_unusable'
  | 'insufficient_capacity';

/** A payment could not be started; `code` says why. */
export class PaymentSendError extends Error {
  override readonly name = 'PaymentSendError';
  constructor(
    readonly code: PaymentSendErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Why an outbound payment finally failed (`PaymentFailed.reason`). */
export type PaymentFailureReason = 'RecipientRejected' | 'RetriesExhausted' | 'UserAbandoned' | 'PaymentExpired' | 'RouteNotFound' | 'UnexpectedError';

/** Timer ticks an incomplete multi-part payment waits for its remaining parts before all fail with `mpp_timeout` (BOLT 4: at least 60 s at one tick a minute). */
export const MPP_TIMEOUT_TICKS = 3;
/** Timer ticks a forward waits for its disconnected outgoing peer before failing back with `temporary_channel_failure`. */
export const FORWARD_WAIT_TICKS = 2;
/** Timer ticks a finished payment id is remembered, so that a repeated `sendPayment` is refused (LDK: `IDEMPOTENCY_TIMEOUT_TICKS`). */
export const IDEMPOTENCY_TIMEOUT_TICKS = 7;
/** Timer ticks a payment with no part in flight waits for a retry before it fails with `RetriesExhausted`. */
export const RETRY_TIMEOUT_TICKS = 3;
/** We fail an incoming HTLC back when its `cltv_expiry` is this close (blocks), rather than risk a force close. */
export const HTLC_FAIL_BACK_BUFFER = 3 + 6;
/** Our default `min_final_cltv_expiry_delta` for invoices (BOLT 11 default is 18). */
export const DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA = 18;
/** `cltv_expiry` farther than this many blocks ahead is `expiry_too_far` (BOLT 4 `max_htlc_cltv`, two weeks). */
export const MAX_CLTV_EXPIRY_DELTA = 2016;
/** A forward must leave at least this many blocks before its outgoing `cltv_expiry` (else `expiry_too_soon`). */
export const MIN_FORWARD_EXPIRY_BLOCKS = 3 + 6;
