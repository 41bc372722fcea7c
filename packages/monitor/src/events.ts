/**
 * What monitors tell the user (rather than the channel manager): outputs their wallet can now
 * spend, and the claimable balances of each channel.
 */
import type { OutPoint, TxOut } from '@ln/chain-interfaces';

/**
 * An output the user's wallet can spend, with what is needed to spend it (LDK's
 * `SpendableOutputDescriptor`).
 * - `StaticOutput`: pays a script of the user's wallet (our claims pay the channel's
 *   `destinationScript`); spend it like any wallet output.
 * - `StaticPaymentOutput`: our `to_remote` on a counterparty commitment (BOLT 3
 *   `option_static_remotekey`): P2WPKH of the channel's `payment_basepoint`, or with anchors
 *   the P2WSH `witnessScript` with a 1-block CSV; sign with the channel signer re-derived from
 *   `channelKeysId` (`EcdsaChannelSigner.signToRemoteInput`).
 */
export type SpendableOutputDescriptor =
  | { readonly type: 'StaticOutput'; readonly outpoint: OutPoint; readonly output: TxOut; readonly channelKeysId: Uint8Array }
  | {
      readonly type: 'StaticPaymentOutput';
      readonly outpoint: OutPoint;
      readonly output: TxOut;
      readonly channelKeysId: Uint8Array;
      readonly channelValueSat: bigint;
      /** With anchors: the `to_remote` witness script; absent for a P2WPKH. */
      readonly witnessScript?: Uint8Array;
      /** The input's relative timelock: 1 with anchors, else 0. */
      readonly csvDelay: number;
    };

/** Events for the user, from `getAndClearPendingEvents()`. */
export type MonitorUserEvent =
  /**
   * Outputs the user's wallet can spend, reported once they have {@link ANTI_REORG_DELAY}
   * confirmations. Persist them (or sweep them) before dropping the event.
   */
  | { readonly type: 'SpendableOutputs'; readonly channelId: Uint8Array; readonly outputs: readonly SpendableOutputDescriptor[] }
  /**
   * An anchor channel's transaction has no fee of its own (our commitment, or a zero-fee
   * HTLC transaction, BOLT 3 `option_anchors`): the user's wallet must add one (CPFP through
   * the anchor output, or an extra input and change output on the HTLC transaction, whose
   * counterparty signature uses `SIGHASH_SINGLE|SIGHASH_ANYONECANPAY`). The monitor has
   * broadcast `tx` as it is.
   */
  | {
      readonly type: 'BumpTransaction';
      readonly channelId: Uint8Array;
      readonly kind: 'ChannelClose' | 'HtlcResolution';
      readonly tx: Uint8Array;
      /** The feerate (sat/kw) the package should reach. */
      readonly targetFeeratePerKw: number;
      /** For `ChannelClose`: our anchor output and its witness script (signed with the funding key). */
      readonly anchor?: { readonly outpoint: OutPoint; readonly witnessScript: Uint8Array; readonly valueSat: bigint };
    };

/**
 * One part of a channel's claimable balance (LDK's `Balance`), in satoshis.
 * - `ClaimableOnChannelClose`: the channel is open; what we would get from our commitment.
 * - `ClaimableAwaitingConfirmations`: ours, claimable (or reported spendable) once the chain
 *   reaches `confirmationHeight` (CSV delays, or {@link ANTI_REORG_DELAY} confirmations).
 * - `ContentiousClaimable`: an incoming HTLC we know the preimage of; ours unless the
 *   counterparty times it out at `timeoutHeight` first.
 * - `MaybeTimeoutClaimableHTLC`: an outgoing HTLC; ours after `claimableHeight` unless the
 *   counterparty claims it with the preimage.
 * - `MaybePreimageClaimableHTLC`: an incoming HTLC without a known preimage; ours only if
 *   we learn it before `expiryHeight`.
 * - `CounterpartyRevokedOutputClaimable`: an output of a revoked commitment being taken by justice.
 */
export type Balance =
  | { readonly type: 'ClaimableOnChannelClose'; readonly amountSat: bigint }
  | { readonly type: 'ClaimableAwaitingConfirmations'; readonly amountSat: bigint; readonly confirmationHeight: number; readonly source: 'to_local' | 'to_remote' | 'htlc' | 'claim' }
  | { readonly type: 'ContentiousClaimable'; readonly amountSat: bigint; readonly timeoutHeight: number; readonly paymentHash: Uint8Array }
  | { readonly type: 'MaybeTimeoutClaimableHTLC'; readonly amountSat: bigint; readonly claimableHeight: number; readonly paymentHash: Uint8Array }
  | { readonly type: 'MaybePreimageClaimableHTLC'; readonly amountSat: bigint; readonly expiryHeight: number; readonly paymentHash: Uint8Array }
  | { readonly type: 'CounterpartyRevokedOutputClaimable'; readonly amountSat: bigint };

/** Sum of the amounts of `balances`, in satoshis. */
export function totalBalanceSat(balances: readonly Balance[]): bigint {
  return balances.reduce((a, b) => a + b.amountSat, 0n);
}
