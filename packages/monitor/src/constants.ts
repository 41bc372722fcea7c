/**
 * The block counts the monitor acts on (BOLT 5 leaves them to node policy; these are LDK's).
 */

/**
 * Confirmations after which the monitor treats an on-chain event as final: it then reports
 * HTLCs failed on chain, reports `SpendableOutputs`, and stops rebroadcasting a claim. A
 * transaction with `ANTI_REORG_DELAY` confirmations survives any reorg of fewer blocks.
 */
export const ANTI_REORG_DELAY = 6;

/**
 * An incoming HTLC whose preimage we know must be claimed on chain before it expires (BOLT 5
 * "HTLC Output Handling: Local Commitment, Remote Offers"): while the channel is open, the
 * monitor broadcasts our commitment once `height + CLTV_CLAIM_BUFFER >= cltv_expiry`, leaving
 * this many blocks to confirm the commitment and the HTLC-success transaction.
 */
export const CLTV_CLAIM_BUFFER = 18;

/**
 * An outgoing HTLC that the counterparty neither fulfilled nor failed off chain is timed out
 * on chain: the monitor broadcasts our commitment once `height >= cltv_expiry +
 * LATENCY_GRACE_PERIOD_BLOCKS` (a few blocks of grace for a late `update_fail_htlc`), well
 * before the upstream HTLC, which expires `cltv_expiry_delta` blocks later, can be lost.
 */
export const LATENCY_GRACE_PERIOD_BLOCKS = 3;

/** Claims are not built when the claimed output would be below this (an uneconomic or non-standard output). */
export const CLAIM_DUST_LIMIT_SAT = 330n;

/** Each block a claim stays unconfirmed, its feerate rises by this factor (RBF), at least to the estimator's current rate, up to the cap (see {@link UNCONTESTED_CLAIM_MAX_FEE_SHARE}). */
export const FEE_BUMP_FACTOR = 1.25;

/**
 * The fee cap of claims of outputs only we can spend (our `to_local` and the outputs of our
 * HTLC transactions after their CSV delay): their fee never exceeds this share of the value
 * claimed. Nothing is lost by waiting, so once capped the claim is rebroadcast at the capped
 * feerate every block until fees fall enough for it to confirm.
 *
 * Contested claims (justice transactions, HTLC claims on the counterparty's commitment: the
 * counterparty takes the whole output if ours does not confirm in time) may pay everything
 * above {@link CLAIM_DUST_LIMIT_SAT}, which is still better than losing the output.
 *
 * Every claim's feerate is also capped at the `FeeEstimator`'s `MaximumFeeEstimate`.
 */
export const UNCONTESTED_CLAIM_MAX_FEE_SHARE = 0.5;
