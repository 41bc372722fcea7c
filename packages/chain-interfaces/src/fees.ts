/**
 * Fee estimation: what the user provides so that commitments, closes and claims pay
 * sensible fees.
 *
 * @packageDocumentation
 */

/**
 * The lowest feerate bitcoind relays with default settings, in satoshis per 1000 weight
 * units: 1 sat/vbyte = 250 sat/kw, rounded up to 253 so that rounding of weights never
 * drops a transaction below the relay floor (BOLT 2 and BOLT 3 use 253 as the minimum).
 */
export const FEERATE_FLOOR_SATS_PER_KW = 253;

/**
 * What a feerate is for. Implementations map each target to a confirmation goal
 * (the suggested block counts are guidance, not rules).
 */
export type ConfirmationTarget =
  /** Claims of funds on chain that are at risk (HTLC claims, justice transactions): confirm within ~6 blocks or less, when it is urgent within 1-2. */
  | 'OnChainSweep'
  /** The highest feerate we accept from a counterparty for a channel without anchors; above it we close. Generous: e.g. 10x a high-priority estimate. */
  | 'MaximumFeeEstimate'
  /** Lower bound we accept for the feerate of an anchor channel's commitment (anchors let fees be bumped later). */
  | 'MinAllowedAnchorChannelRemoteFee'
  /** Lower bound we accept for the feerate of a non-anchor channel's commitment: it must still confirm without bumping. */
  | 'MinAllowedNonAnchorChannelRemoteFee'
  /** Feerate we set on anchor channel commitments we fund (may be low; bumped via CPFP when needed). */
  | 'AnchorChannelFee'
  /** Feerate we set on non-anchor channel commitments we fund: must confirm in a reasonable time without bumping. */
  | 'NonAnchorChannelFee'
  /** The lowest feerate we accept for a cooperative close. */
  | 'ChannelCloseMinimum'
  /** Sweeping outputs that are already ours and not time-critical (e.g. `SpendableOutputs`). */
  | 'OutputSpendingFee';

/** Every {@link ConfirmationTarget}, for iteration in tests and adapters. */
export const CONFIRMATION_TARGETS: readonly ConfirmationTarget[] = [
  'OnChainSweep',
  'MaximumFeeEstimate',
  'MinAllowedAnchorChannelRemoteFee',
  'MinAllowedNonAnchorChannelRemoteFee',
  'AnchorChannelFee',
  'NonAnchorChannelFee',
  'ChannelCloseMinimum',
  'OutputSpendingFee',
];

/**
 * Gives feerates for a confirmation target.
 *
 * Caller's obligations (the implementer's contract):
 * - Return satoshis per 1000 weight units (sat/kw; 1 sat/vB = 250 sat/kw), as an integer.
 * - Never return less than {@link FEERATE_FLOOR_SATS_PER_KW}; the library clamps with
 *   {@link clampFeerate} anyway, but a lower value is a bug in the estimator.
 * - Must be synchronous and cheap: it is called from inside state machines. Fetch estimates
 *   in the background and answer from a cache.
 */
export interface FeeEstimator {
  getEstSatPer1000Weight(target: ConfirmationTarget): number;
}

/** Clamps a feerate (sat/kw) to at least {@link FEERATE_FLOOR_SATS_PER_KW} and rounds it to an integer. */
export function clampFeerate(satPerKw: number): number {
  if (!Number.isFinite(satPerKw)) return FEERATE_FLOOR_SATS_PER_KW;
  return Math.max(FEERATE_FLOOR_SATS_PER_KW, Math.ceil(satPerKw));
}

/** Converts sat/vbyte to sat/kw (x250), rounding up. */
export function satPerVbyteToSatPerKw(satPerVbyte: number): number {
  return Math.ceil(satPerVbyte * 250);
}
