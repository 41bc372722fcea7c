/**
 * Events `ChannelManager` raises for the user, drained with `getAndClearPendingEvents()`.
 * Each is a discriminated union member with a `type` field (LDK's `Event`).
 */
import type { OutPoint } from '@ln/chain-interfaces';
import type { PaymentFailureReason, PaymentPath } from './payments/types.js';

/** Why a channel closed. */
export type ClosureReason =
  | { readonly type: 'CooperativeClosure'; readonly closingTxid?: Uint8Array }
  | { readonly type: 'HolderForceClosed'; readonly message: string }
  | { readonly type: 'CounterpartyForceClosed'; readonly peerMessage: string }
  /** We could not proceed (protocol violation by the peer, or a local failure); we broadcast our commitment. */
  | { readonly type: 'ProcessingError'; readonly message: string }
  /** The funding was never completed (peer disconnected or rejected before funding). */
  | { readonly type: 'FundingAborted'; readonly message: string }
  /** The peer proved our state is stale (BOLT 2 `option_data_loss_protect`): we must not broadcast; wait for their commitment. */
  | { readonly type: 'DataLossDetected'; readonly message: string }
  /** A commitment transaction of the channel confirmed on chain. */
  | { readonly type: 'CommitmentTxConfirmed' };

/** Everything the user hears from a `ChannelManager`. */
export type ChannelEvent =
  /** Build (but do not broadcast) a transaction paying `channelValueSat` to `outputScript`, then call `fundingTransactionGenerated`. */
  | {
      readonly type: 'FundingGenerationReady';
      readonly temporaryChannelId: Uint8Array;
      readonly counterpartyNodeId: Uint8Array;
      readonly channelValueSat: bigint;
      readonly outputScript: Uint8Array;
      readonly userChannelId: bigint;
    }
  /** An inbound `open_channel` awaits `acceptInboundChannel` or `rejectInboundChannel` (with `manuallyAcceptInboundChannels`). */
  | {
      readonly type: 'OpenChannelRequest';
      readonly temporaryChannelId: Uint8Array;
      readonly counterpartyNodeId: Uint8Array;
      readonly fundingSatoshis: bigint;
      readonly pushMsat: bigint;
      readonly announced: boolean;
      readonly channelType: Uint8Array;
    }
  /** The funding transaction is signed by both sides and the monitor is persisted; it awaits confirmations. */
  | {
      readonly type: 'ChannelPending';
      readonly channelId: Uint8Array;
      readonly formerTemporaryChannelId: Uint8Array;
      readonly counterpartyNodeId: Uint8Array;
      readonly fundingTxo: OutPoint;
      readonly userChannelId: bigint;
    }
  /** Both sides sent `channel_ready`: the channel can carry payments. */
  | { readonly type: 'ChannelReady'; readonly channelId: Uint8Array; readonly counterpartyNodeId: Uint8Array; readonly userChannelId: bigint; readonly shortChannelId?: bigint }
  | {
      readonly type: 'ChannelClosed';
      readonly channelId: Uint8Array;
      readonly counterpartyNodeId: Uint8Array;
      readonly userChannelId: bigint;
      readonly reason: ClosureReason;
      readonly channelCapacitySat?: bigint;
    }
  /**
   * The `Watch` refused (`UnrecoverableError`) the `ChannelForceClosed` update of a channel we
   * closed (BOLT 5 "Failing a Channel"): the channel is closed here (`ChannelClosed` came first),
   * but its monitor did NOT take the close, so our latest commitment may not be broadcast. Close
   * it from the monitor's own (newest) state, e.g. `@ln/monitor`'s
   * `ChainMonitor.forceCloseFromMonitor(channelId, { shouldBroadcast })`. Typical cause: a stale
   * `ChannelManager` restored without `RestoreOptions.monitors` (its update ids are behind).
   */
  | {
      readonly type: 'ForceCloseRefused';
      readonly channelId: Uint8Array;
      readonly counterpartyNodeId: Uint8Array;
      readonly userChannelId: bigint;
      /** The id of the refused update. */
      readonly monitorUpdateId: bigint;
      /** Whether the close asked the monitor to broadcast our commitment (false after `DataLossDetected`). */
      readonly shouldBroadcast: boolean;
    }
  /** The funding transaction of a channel that closed before it was broadcast may be spent elsewhere. */
  | { readonly type: 'DiscardFunding'; readonly channelId: Uint8Array; readonly fundingTx: Uint8Array }
  // ---------------------------------------------------------------- payments (BOLT 4)
  /** An outbound payment succeeded: the preimage came back (the first part to succeed). */
  | { readonly type: 'PaymentSent'; readonly paymentId: Uint8Array; readonly paymentHash: Uint8Array; readonly paymentPreimage: Uint8Array; readonly feePaidMsat: bigint }
  /** One path (part) of an outbound payment succeeded. */
  | { readonly type: 'PaymentPathSuccessful'; readonly paymentId: Uint8Array; readonly paymentHash: Uint8Array; readonly path: PaymentPath }
  /**
   * One path of an outbound payment failed. `errorHopIndex` is the index in `path.hops` of the
   * node that reported the failure; `shortChannelId`/`failingNodeId` name what to blame (for a
   * scorer). `paymentFailedPermanently` when the recipient rejected it (no retry can succeed).
   */
  | {
      readonly type: 'PaymentPathFailed';
      readonly paymentId: Uint8Array;
      readonly paymentHash: Uint8Array;
      readonly paymentFailedPermanently: boolean;
      readonly failure?: PaymentPathFailure;
      readonly errorHopIndex?: number;
      readonly shortChannelId?: bigint;
      readonly failingNodeId?: Uint8Array;
      readonly path: PaymentPath;
    }
  /** An outbound payment is over without success: no part is in flight and no retry will be made. */
  | { readonly type: 'PaymentFailed'; readonly paymentId: Uint8Array; readonly paymentHash: Uint8Array; readonly reason: PaymentFailureReason }
  /** HTLCs paying us add up to the payment's total: call `claimFunds(preimage)` (or `failHtlcBackwards`). */
  | {
      readonly type: 'PaymentClaimable';
      readonly paymentHash: Uint8Array;
      readonly amountMsat: bigint;
      readonly purpose: PaymentPurpose;
      readonly viaChannelIds: readonly Uint8Array[];
      /** The block height by which `claimFunds` must be called, or the HTLCs are failed back. */
      readonly claimDeadline?: number;
      readonly paymentMetadata?: Uint8Array;
    }
  /** We released the preimage for a claimable payment (the monitors have it). */
  | { readonly type: 'PaymentClaimed'; readonly paymentHash: Uint8Array; readonly amountMsat: bigint; readonly purpose: PaymentPurpose }
  /** HTLCs wait to be forwarded: call `processPendingHtlcForwards()` (soon, optionally after a short random delay). */
  | { readonly type: 'PendingHTLCsForwardable' }
  /** We forwarded a payment and it succeeded: the fee is ours. */
  | { readonly type: 'PaymentForwarded'; readonly prevChannelId: Uint8Array; readonly nextChannelId?: Uint8Array; readonly feeEarnedMsat?: bigint; readonly outboundAmountForwardedMsat?: bigint; readonly claimedOnChain: boolean }
  /** We failed an HTLC back: where it was going. */
  | { readonly type: 'HTLCHandlingFailed'; readonly prevChannelId: Uint8Array; readonly failedNextDestination: HtlcDestination };

/** What a failing node said (BOLT 4 "Failure Messages"), decoded. */
export interface PaymentPathFailure {
  readonly code: number;
  readonly name: string;
  readonly data: Record<string, unknown>;
}

/** How an incoming payment was asked for. */
export type PaymentPurpose =
  /** Through an invoice (`createInboundPayment*`): `paymentPreimage` is known when we created the hash. */
  | { readonly type: 'InvoicePayment'; readonly paymentPreimage?: Uint8Array; readonly paymentSecret: Uint8Array }
  /** Keysend: the sender chose the preimage. */
  | { readonly type: 'SpontaneousPayment'; readonly paymentPreimage: Uint8Array };

/** Where an HTLC we failed back was headed (`HTLCHandlingFailed`). */
export type HtlcDestination =
  | { readonly type: 'NextHop'; readonly nodeId?: Uint8Array; readonly channelId: Uint8Array }
  | { readonly type: 'UnknownNextHop'; readonly requestedScid: bigint }
  | { readonly type: 'InvalidOnion' }
  | { readonly type: 'FailedPayment'; readonly paymentHash: Uint8Array };
