/**
 * The monitor's view of a closed channel's outputs (BOLT 5): what was spent, what we can
 * claim and when, which outgoing HTLCs resolved how.
 */
import type { BlockHash, HtlcData, OutPoint, Txid } from '@ln/chain-interfaces';
import type { Transaction } from '@ln/transactions';

/** A confirmed transaction the monitor cares about: it spends the funding output or an output of another relevant transaction. */
export interface RelevantTx {
  readonly txid: Txid;
  readonly raw: Uint8Array;
  readonly tx: Transaction;
  readonly height: number;
  readonly blockHash: BlockHash;
}

/** What spent an output: the transaction, the input that spent it, and its height. */
export interface SpentBy {
  readonly rtx: RelevantTx;
  readonly inputIndex: number;
}

/**
 * How a closed channel's funding output was spent (BOLT 5):
 * - `holder`: our commitment (we or the monitor broadcast it);
 * - `counterparty`: one of their unrevoked commitments (current or previous);
 * - `revoked`: one of their revoked commitments (the ugly way: justice);
 * - `unknown_commitment`: a commitment of theirs we have no data for (our state is stale): only `to_remote` is ours;
 * - `cooperative`: a mutual close; nothing to claim.
 */
export type FundingSpendKind = 'holder' | 'counterparty' | 'revoked' | 'unknown_commitment' | 'cooperative';

/** What kind of output a {@link Claimable} is, and so how it is claimed. */
export type ClaimableKind =
  /** `to_local` of our commitment: swept with our delayed key after `to_self_delay` (BOLT 5 "Local Commitment"). */
  | 'holder_to_local'
  /** An HTLC we offered, on our commitment: the pre-signed HTLC-timeout transaction after `cltv_expiry`. */
  | 'holder_htlc_timeout'
  /** An HTLC they offered, on our commitment: the pre-signed HTLC-success transaction, once we know the preimage. */
  | 'holder_htlc_success'
  /** The output of our HTLC-timeout/success transaction: swept with our delayed key after `to_self_delay`. */
  | 'holder_second_stage'
  /** An HTLC they offered, on their commitment: claimed with the preimage (BOLT 5 "Remote Commitment, Remote Offers"). */
  | 'cp_htlc_preimage'
  /** An HTLC we offered, on their commitment: claimed after `cltv_expiry` (BOLT 5 "Remote Commitment, Local Offers"). */
  | 'cp_htlc_timeout'
  /** Their `to_local` on a revoked commitment: taken with the revocation key. */
  | 'revoked_to_local'
  /** Any HTLC output of a revoked commitment: taken with the revocation key. */
  | 'revoked_htlc'
  /** The output of the cheater's HTLC-timeout/success transaction on a revoked commitment: taken with the revocation key. */
  | 'revoked_second_stage';

/** An output the monitor may claim (or watch being claimed). */
export interface Claimable {
  readonly kind: ClaimableKind;
  readonly outpoint: OutPoint;
  readonly valueSat: bigint;
  readonly witnessScript: Uint8Array;
  /** The transaction holding the output (claims of one revoked transaction go into one justice transaction). */
  readonly sourceTxid: Txid;
  readonly sourceHeight: number;
  /** The first chain tip height at which a claim may be broadcast (its timelocks let it into the next block). */
  readonly readyHeight: number;
  /** Input `nSequence` of the claim (the CSV delay, 1 for anchors, else RBF-signalling). */
  readonly sequence: number;
  /** Minimum `nLockTime` of the claim (an HTLC's `cltv_expiry` for timeouts). */
  readonly locktime: number;
  /** The per-commitment point to sign with: ours for delayed outputs, theirs for HTLC claims on their commitment. */
  readonly point?: Uint8Array;
  /** The revealed per-commitment secret (revoked outputs). */
  readonly secret?: Uint8Array;
  /** The revocation pubkey (witness of a revoked HTLC claim). */
  readonly revocationPubkey?: Uint8Array;
  /** The HTLC, for HTLC outputs (`offered` as on the commitment that holds it). */
  readonly htlc?: HtlcData;
  /** Whether the HTLC is one we offered. */
  readonly outbound?: boolean;
  /** The preimage, when known (needed for `holder_htlc_success` and `cp_htlc_preimage`). */
  readonly preimage?: Uint8Array;
  /** For pre-signed HTLC transactions of our commitment: the counterparty's signature and our commitment number. */
  readonly presigned?: { readonly counterpartySignature: Uint8Array; readonly commitmentNumber: bigint; readonly feeratePerKw: number; readonly keysPoint: Uint8Array };
  /** Set when a confirmed transaction spends this output. */
  readonly spentBy?: SpentBy;
}

/** How one of our outgoing HTLCs ended on chain. */
export interface HtlcOutcome {
  readonly htlcId: bigint;
  readonly paymentHash: Uint8Array;
  readonly amountMsat: bigint;
  /** `preimage`: the counterparty claimed it (fulfil upstream); `failed`: timed out, revoked or absent from the confirmed commitment (fail upstream). */
  readonly result: 'preimage' | 'failed' | 'pending';
  readonly preimage?: Uint8Array;
  /** Height of the transaction that settles it (the claim, or the commitment for an absent HTLC). */
  readonly height?: number;
}

/** An output paid to us that the user's wallet can spend, with the height it confirmed at. */
export interface OwnedOutput {
  readonly kind: 'to_remote' | 'claim';
  readonly outpoint: OutPoint;
  readonly valueSat: bigint;
  readonly scriptPubkey: Uint8Array;
  readonly height: number;
  /** For an anchors `to_remote`: its witness script (a 1-block CSV). */
  readonly witnessScript?: Uint8Array;
}

/** The monitor's whole on-chain picture, recomputed from the relevant confirmed transactions. */
export interface OnchainView {
  readonly fundingSpend?: { readonly rtx: RelevantTx; readonly kind: FundingSpendKind; readonly commitmentNumber?: bigint };
  readonly claimables: readonly Claimable[];
  readonly owned: readonly OwnedOutput[];
  readonly outcomes: readonly HtlcOutcome[];
  /** Preimages seen in witnesses on chain (hash hex to preimage). */
  readonly preimagesSeen: ReadonlyMap<string, Uint8Array>;
}
