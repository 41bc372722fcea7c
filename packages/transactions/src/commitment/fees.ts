/** BOLT 3 "Fee Calculation" and "Trimmed Outputs": weights, fees and dust trimming. */

/** Expected weights (BOLT 3 "Expected Weight of the Commitment Transaction" and of HTLC transactions). */
export const WEIGHTS = {
  commitmentBase: 724,
  commitmentBaseAnchors: 1124,
  perHtlcOutput: 172,
  htlcTimeout: 663,
  htlcTimeoutAnchors: 666,
  htlcSuccess: 703,
  htlcSuccessAnchors: 706,
} as const;

/** The value of each anchor output (BOLT 3: 330 sat, the P2WSH dust limit). */
export const ANCHOR_OUTPUT_VALUE_SAT = 330n;

/** Fee of an HTLC-timeout transaction: 0 with `option_anchors`, else `feerate × 663 / 1000` rounded down. */
export function htlcTimeoutFeeSat(feeratePerKw: number, anchors: boolean): bigint {
  return anchors ? 0n : (BigInt(feeratePerKw) * BigInt(WEIGHTS.htlcTimeout)) / 1000n;
}
/** Fee of an HTLC-success transaction: 0 with `option_anchors`, else `feerate × 703 / 1000` rounded down. */
export function htlcSuccessFeeSat(feeratePerKw: number, anchors: boolean): bigint {
  return anchors ? 0n : (BigInt(feeratePerKw) * BigInt(WEIGHTS.htlcSuccess)) / 1000n;
}
/** Commitment weight for `untrimmedHtlcs` HTLC outputs. */
export function commitmentWeight(untrimmedHtlcs: number, anchors: boolean): number {
  return (anchors ? WEIGHTS.commitmentBaseAnchors : WEIGHTS.commitmentBase) + WEIGHTS.perHtlcOutput * untrimmedHtlcs;
}
/** The base fee of a commitment transaction: `feerate × weight / 1000` rounded down. */
export function commitmentFeeSat(feeratePerKw: number, untrimmedHtlcs: number, anchors: boolean): bigint {
  return (BigInt(feeratePerKw) * BigInt(commitmentWeight(untrimmedHtlcs, anchors))) / 1000n;
}

/**
 * Whether an HTLC is trimmed on a commitment (BOLT 3 "Trimmed Outputs"): an offered HTLC when
 * its amount is below `dust_limit + htlc_timeout_fee`, a received one below
 * `dust_limit + htlc_success_fee` (amounts rounded down to satoshis).
 */
export function isHtlcTrimmed(offered: boolean, amountMsat: bigint, dustLimitSat: bigint, feeratePerKw: number, anchors: boolean): boolean {
  const fee = offered ? htlcTimeoutFeeSat(feeratePerKw, anchors) : htlcSuccessFeeSat(feeratePerKw, anchors);
  return amountMsat / 1000n < dustLimitSat + fee;
}
