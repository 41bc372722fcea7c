/**
 * The `Watch` seam between `ChannelManager` (`@ln/channel`) and channel monitors
 * (`@ln/monitor`'s `ChainMonitor`): the seed's `ManyChannelMonitor`.
 *
 * The two packages never import each other. The channel hands the monitor *data*: a
 * {@link ChannelMonitorInit} when the channel is funded, then a {@link ChannelMonitorUpdate}
 * for every state change. The monitor answers with a {@link ChannelMonitorUpdateStatus}
 * and, later, {@link MonitorEvent}s.
 *
 * Persist before you step forward: a channel sends no message that commits it to a new
 * state until the matching update is `Completed` (durably persisted), either at once or
 * later through a {@link MonitorEvent} of type `Completed`.
 *
 * @packageDocumentation
 */
import type { ChannelPublicKeys } from './keys.js';
import type { BestBlock, OutPoint, Txid } from './primitives.js';

/** An HTLC on a commitment transaction, as the monitor needs it (BOLT 3 "Offered/Received HTLC Outputs"). */
export interface HtlcData {
  /** `true` if the commitment's broadcaster offered this HTLC. */
  readonly offered: boolean;
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  /** 32 bytes. */
  readonly paymentHash: Uint8Array;
  /** The output index on the commitment transaction; `undefined` when trimmed to dust. */
  readonly transactionOutputIndex?: number;
  /** The channel-local HTLC id (`update_add_htlc.id`), to tie claims back to payments. */
  readonly htlcId: bigint;
}

/** Our (holder) commitment: the counterparty has signed it, we can broadcast it. */
export interface HolderCommitmentData {
  /** BOLT 3 commitment number (counts up from 0). */
  readonly commitmentNumber: bigint;
  readonly feeratePerKw: number;
  /** Our balance on this commitment before fees, msat. */
  readonly toSelfValueMsat: bigint;
  /** Their balance on this commitment before fees, msat. */
  readonly toRemoteValueMsat: bigint;
  readonly htlcs: readonly HtlcData[];
  /** The counterparty's 64-byte compact signature of this commitment (`commitment_signed.signature`). */
  readonly counterpartySignature: Uint8Array;
  /** Their signatures of our HTLC transactions, in the order of the commitment's non-dust HTLC outputs. */
  readonly counterpartyHtlcSignatures: readonly Uint8Array[];
  /** Our per-commitment point for this commitment. */
  readonly perCommitmentPoint: Uint8Array;
}

/** The counterparty's commitment: we have signed it, they can broadcast it. */
export interface CounterpartyCommitmentData {
  readonly commitmentNumber: bigint;
  readonly txid: Txid;
  readonly feeratePerKw: number;
  /** Their balance (the broadcaster's) before fees, msat. */
  readonly toBroadcasterValueMsat: bigint;
  /** Our balance (the countersignatory's) before fees, msat. */
  readonly toCountersignatoryValueMsat: bigint;
  readonly htlcs: readonly HtlcData[];
  /** Their per-commitment point for this commitment. */
  readonly perCommitmentPoint: Uint8Array;
}

/** Everything a monitor needs to act alone on chain, given once when a channel is funded. */
export interface ChannelMonitorInit {
  readonly channelId: Uint8Array;
  readonly counterpartyNodeId: Uint8Array;
  readonly fundingOutpoint: OutPoint;
  /** The P2WSH script of the 2-of-2 funding output. */
  readonly fundingScriptPubkey: Uint8Array;
  readonly channelValueSat: bigint;
  /** Lets the monitor re-derive the channel signer through `SignerProvider.deriveChannelSigner`. */
  readonly channelKeysId: Uint8Array;
  readonly holderPubkeys: ChannelPublicKeys;
  readonly counterpartyPubkeys: ChannelPublicKeys;
  /** `to_self_delay` we impose on the counterparty (applies to their commitments' `to_local`). */
  readonly holderSelectedContestDelay: number;
  /** `to_self_delay` the counterparty imposes on us (applies to our commitments' `to_local`). */
  readonly counterpartySelectedContestDelay: number;
  /** Whether we funded the channel (BOLT 3: the funder is the "opener" for commitment-number obscuring). */
  readonly isOutbound: boolean;
  /** The negotiated `channel_type` feature bits (BOLT 2), raw. */
  readonly channelType: Uint8Array;
  /** BOLT 3 obscuring factor: lower 48 bits of SHA256(opener payment_basepoint || accepter payment_basepoint). */
  readonly commitmentNumberObscureFactor: bigint;
  /** Where our swept funds go. */
  readonly destinationScript: Uint8Array;
  /** The counterparty's `upfront_shutdown_script`/`shutdown` script, when known. */
  readonly counterpartyShutdownScript?: Uint8Array;
  readonly initialHolderCommitment: HolderCommitmentData;
  readonly initialCounterpartyCommitment: CounterpartyCommitmentData;
  /** The chain tip when the monitor was created. */
  readonly bestBlock: BestBlock;
}

/** One step of a {@link ChannelMonitorUpdate}. */
export type ChannelMonitorUpdateStep =
  | { readonly type: 'LatestHolderCommitment'; readonly commitment: HolderCommitmentData }
  | { readonly type: 'LatestCounterpartyCommitment'; readonly commitment: CounterpartyCommitmentData }
  | { readonly type: 'PaymentPreimage'; readonly paymentPreimage: Uint8Array }
  /** The counterparty revoked the commitment at secret index `idx` by revealing `secret`. */
  | { readonly type: 'CommitmentSecret'; readonly idx: bigint; readonly secret: Uint8Array }
  /** The channel was force-closed; with `shouldBroadcast` the monitor broadcasts our latest commitment. */
  | { readonly type: 'ChannelForceClosed'; readonly shouldBroadcast: boolean }
  | { readonly type: 'ShutdownScript'; readonly scriptPubkey: Uint8Array };

/**
 * A state change of one channel, applied by its monitor strictly in `updateId` order:
 * update ids start at 1 after the {@link ChannelMonitorInit} and increase by one; a gap or a
 * replay is an error, never silently applied.
 */
export interface ChannelMonitorUpdate {
  readonly channelId: Uint8Array;
  readonly updateId: bigint;
  readonly steps: readonly ChannelMonitorUpdateStep[];
}

/**
 * The outcome of handing a monitor (or an update) to a {@link Watch}.
 * - `Completed`: durably persisted; the channel may step forward now.
 * - `InProgress`: persisting asynchronously; the channel holds its messages until a
 *   `Completed` {@link MonitorEvent} for this update id arrives.
 * - `UnrecoverableError`: it could not be persisted and never will; the channel must stop
 *   (and is force-closed from the latest persisted state).
 */
export type ChannelMonitorUpdateStatus = 'Completed' | 'InProgress' | 'UnrecoverableError';

/** What monitors tell the channel manager. */
export type MonitorEvent =
  /** An `InProgress` update is now durable: the channel may step forward up to `monitorUpdateId`. */
  | { readonly type: 'Completed'; readonly channelId: Uint8Array; readonly monitorUpdateId: bigint }
  /** An HTLC was resolved on chain: with a preimage (claim it upstream) or without (fail it upstream). */
  | {
      readonly type: 'HtlcResolved';
      readonly channelId: Uint8Array;
      readonly htlcId: bigint;
      readonly paymentHash: Uint8Array;
      readonly paymentPreimage?: Uint8Array;
      readonly amountMsat: bigint;
    }
  /** Our commitment was broadcast by the monitor (e.g. an HTLC was near expiry). */
  | { readonly type: 'HolderForceClosed'; readonly channelId: Uint8Array; readonly reason: string }
  /** A commitment transaction of this channel confirmed on chain: the channel is closed. */
  | { readonly type: 'CommitmentTxConfirmed'; readonly channelId: Uint8Array; readonly txid: Txid };

/**
 * The seam through which `ChannelManager` hands channel state to monitors (the seed's
 * `ManyChannelMonitor`); `@ln/monitor`'s `ChainMonitor` implements it.
 *
 * Caller's obligations (the channel manager's side):
 * - Call {@link Watch.watchChannel} once per channel, before sending `funding_signed` (as
 *   fundee) or broadcasting the funding transaction (as funder).
 * - Call {@link Watch.updateChannel} with every update in `updateId` order, and send no
 *   message that depends on an update until it is `Completed`.
 * - Poll {@link Watch.releasePendingMonitorEvents} regularly (e.g. in its event processing).
 *
 * Implementer's obligations (the monitor side):
 * - Return `Completed` only once the state is durable; otherwise `InProgress`, and later a
 *   `Completed` event.
 * - Reject an update with a wrong `updateId` (`UnrecoverableError`), never apply it.
 */
export interface Watch {
  watchChannel(init: ChannelMonitorInit): ChannelMonitorUpdateStatus;
  updateChannel(update: ChannelMonitorUpdate): ChannelMonitorUpdateStatus;
  releasePendingMonitorEvents(): MonitorEvent[];
}
