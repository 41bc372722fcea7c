/**
 * The persisted state of one channel: plain data, so that `ChannelManager` serializes it with
 * one codec and a restart rebuilds the same channel. Behaviour lives in `Channel`.
 *
 * Commitment bookkeeping follows BOLT 2 "Normal Operation" with commitment numbers (`ctn`):
 * every update records the number of the first holder ("local") and counterparty ("remote")
 * commitment that includes it, so that any commitment of either side can be rebuilt exactly
 * (this is how retransmission after a reconnect and the monitor data are produced).
 */
import type { ChannelMonitorUpdate, ChannelPublicKeys, OutPoint } from '@ln/chain-interfaces';

/**
 * Where a channel is in its life (BOLT 2 "Channel Establishment" v1, "Channel Close").
 * - `OutboundAwaitingAccept`: we sent `open_channel`.
 * - `InboundAwaitingUser`: an `open_channel` waits for the user to accept it (manual acceptance).
 * - `OutboundAwaitingFunding`: `accept_channel` received; the user builds the funding transaction.
 * - `InboundAwaitingFundingCreated`: we sent `accept_channel`.
 * - `OutboundAwaitingFundingSigned`: we sent `funding_created`.
 * - `Funded`: both commitments signed; the funding transaction confirms, then the channel operates.
 * - `Closed`: terminal.
 */
export type ChannelPhase =
  | 'OutboundAwaitingAccept'
  | 'InboundAwaitingUser'
  | 'OutboundAwaitingFunding'
  | 'InboundAwaitingFundingCreated'
  | 'OutboundAwaitingFundingSigned'
  | 'Funded'
  | 'Closed';

/** The parameters one side sent in `open_channel`/`accept_channel` (BOLT 2): constraints on the *other* side, plus its own dust limit. */
export interface SideParams {
  /** The sender's `dust_limit_satoshis` (applies to the sender's own commitment). */
  readonly dustLimitSat: bigint;
  /** Cap on the value of HTLCs offered *to* the sender. */
  readonly maxHtlcValueInFlightMsat: bigint;
  /** The reserve the *other* side must keep on its own commitment. */
  readonly channelReserveSat: bigint;
  /** Smallest HTLC the sender accepts. */
  readonly htlcMinimumMsat: bigint;
  /** Delay on the *other* side's `to_local` outputs. */
  readonly toSelfDelay: number;
  /** Most HTLCs the sender accepts at once. */
  readonly maxAcceptedHtlcs: number;
}

/** How an HTLC left the channel. */
export type HtlcRemoval =
  | { readonly kind: 'fulfill'; readonly preimage: Uint8Array }
  | { readonly kind: 'fail'; readonly reason: Uint8Array }
  | { readonly kind: 'malformed'; readonly sha256OfOnion: Uint8Array; readonly failureCode: number };

/** One HTLC and the commitments that include it. */
export interface HtlcRecord {
  readonly id: bigint;
  /** `true`: we offered it (outbound); `false`: the counterparty offered it. */
  readonly outbound: boolean;
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  readonly onion: Uint8Array;
  /** First holder commitment number including the HTLC. */
  addLocal?: bigint;
  /** First counterparty commitment number including the HTLC. */
  addRemote?: bigint;
  removal?: HtlcRemoval;
  /** First holder commitment number no longer including it. */
  removeLocal?: bigint;
  /** First counterparty commitment number no longer including it. */
  removeRemote?: bigint;
  /** Opaque data of the layer above (payments): where the HTLC came from or goes. */
  meta?: Uint8Array;
  /** The payments layer was told this HTLC is irrevocably committed (inbound) or irrevocably failed (outbound). */
  notified?: boolean;
  /** Our add / our removal: its position among the updates we sent (retransmitted in that order). */
  addSeq?: number;
  removeSeq?: number;
  /** Inbound: a reason to fail it as soon as it is committed (BOLT 2 dust exposure: "SHOULD fail this HTLC once it's committed"). */
  failOnLock?: string;
}

/** A feerate change (`update_fee`) and the commitments it applies from. */
export interface FeeUpdate {
  readonly feeratePerKw: number;
  /** Its position among the updates we sent (ours only). */
  seq?: number;
  local?: bigint;
  remote?: bigint;
}

/** Cooperative close progress (BOLT 2 "Channel Close"). */
export interface ClosingState {
  /** Our `shutdown.scriptpubkey`, once decided (sent unless `shutdownPending`). */
  ourScript?: Uint8Array;
  /** Our `shutdown` waits until our updates are signed (BOLT 2: none pending on the peer's commitment). */
  shutdownPending?: boolean;
  /** Theirs, once received. */
  theirScript?: Uint8Array;
  /** `closing_signed` negotiation (legacy): the last fee we offered and the last they offered. */
  lastSentFeeSat?: bigint;
  lastReceivedFeeSat?: bigint;
  /** Their fee range, when they sent one. */
  theirFeeRange?: { readonly min: bigint; readonly max: bigint };
  /** Rounds of `closing_signed` sent (for tests and logs). */
  rounds?: number;
  /** The fee both sides signed (legacy close). */
  agreedFeeSat?: bigint;
  /** We already repeated our agreed `closing_signed` on this connection. */
  repeatedAgreement?: boolean;
  /** The fully signed closing transaction, once agreed. */
  closingTx?: Uint8Array;
  /** Whether the closing flow is `closing_complete`/`closing_sig` (`option_simple_close`). */
  simple?: boolean;
  /** Our `closing_complete`, once sent: fee, locktime and the signature fields we set. */
  sentComplete?: { readonly feeSat: bigint; readonly locktime: number; readonly fields: readonly ('closerOutputOnly' | 'closeeOutputOnly' | 'closerAndCloseeOutputs')[] };
}

/** The whole persisted state of a channel. */
export interface ChannelState {
  phase: ChannelPhase;
  temporaryChannelId: Uint8Array;
  channelId: Uint8Array;
  readonly counterpartyNodeId: Uint8Array;
  readonly userChannelId: bigint;
  readonly isOutbound: boolean;
  /** `channel_flags` bit 0: the channel is announced (BOLT 7). */
  readonly announce: boolean;
  readonly channelType: Uint8Array;
  readonly anchors: boolean;
  readonly channelValueSat: bigint;
  readonly pushMsat: bigint;
  readonly channelKeysId: Uint8Array;
  readonly holderPubkeys: ChannelPublicKeys;
  counterpartyPubkeys?: ChannelPublicKeys;
  /** What we sent in `open_channel`/`accept_channel`. */
  readonly ourParams: SideParams;
  /** What they sent. */
  theirParams?: SideParams;
  /** Confirmations required before `channel_ready`. */
  minimumDepth: number;
  /** Their `upfront_shutdown_script`, if any. */
  theirUpfrontShutdownScript?: Uint8Array;
  /** The feerate of the initial commitments. */
  readonly initialFeeratePerKw: number;

  fundingOutpoint?: OutPoint;
  /** The funding transaction (funder only, until it is broadcast). */
  fundingTx?: Uint8Array;
  fundingBroadcast?: boolean;
  /** `ChannelPending` was raised (the monitor is durable). */
  channelPendingEmitted?: boolean;
  /** Monitor updates handed to the `Watch` and not yet reported durable (replayed after a restart; see `ChannelManager.deserialize`). */
  inFlightUpdates?: ChannelMonitorUpdate[];
  /** Height of the block that confirmed the funding transaction, and its index there. */
  fundingConfirmedHeight?: number;
  fundingTxIndex?: number;
  shortChannelId?: bigint;

  /** Current holder commitment number (we hold their signature for it). */
  holderCtn: bigint;
  /** The counterparty's oldest unrevoked commitment number. */
  counterpartyOldestCtn: bigint;
  /** The counterparty's latest commitment number we signed (= oldest, or oldest + 1 while we await `revoke_and_ack`). */
  counterpartyLatestCtn: bigint;
  /** Their per-commitment point for `counterpartyOldestCtn` / for `counterpartyLatestCtn` (same when not awaiting). */
  counterpartyCurrentPoint?: Uint8Array;
  /** Their per-commitment point for `counterpartyLatestCtn + 1`, from `channel_ready`/`revoke_and_ack`. */
  counterpartyNextPoint?: Uint8Array;
  /** Their point for the previous (revoked) commitment, needed to rebuild it in rare cases. */
  counterpartyPrevPoint?: Uint8Array;
  /** The last per-commitment secret they revealed (for `channel_reestablish.your_last_per_commitment_secret`). */
  lastCounterpartySecret?: Uint8Array;
  /** Their latest signature on our commitment (`holderCtn`) and its HTLC signatures. */
  holderCommitmentSig?: Uint8Array;
  holderHtlcSigs?: Uint8Array[];

  /** Balances (msat) before any live HTLC and fee log entry: the settled part of history. */
  baseToLocalMsat: bigint;
  baseToRemoteMsat: bigint;
  baseFeeratePerKw: number;
  htlcs: HtlcRecord[];
  feeUpdates: FeeUpdate[];
  nextOutboundHtlcId: bigint;
  nextInboundHtlcId: bigint;
  /** Counter of the updates we send, so a retransmission keeps their original order (BOLT 2). */
  updateSeq?: number;
  /** Our updates waiting for a `revoke_and_ack` (the holding cell). */
  holdingCell: HoldingCellUpdate[];

  /** Monitor update ids: the latest handed to the `Watch`, and the latest it reported durable. */
  latestMonitorUpdateId: bigint;
  completedMonitorUpdateId: bigint;
  monitorCreated: boolean;

  channelReadySent: boolean;
  channelReadyReceived: boolean;
  announcementSigsSent: boolean;
  theirAnnouncementSigs?: { readonly nodeSignature: Uint8Array; readonly bitcoinSignature: Uint8Array };
  announced: boolean;
  /** Timestamp of our last `channel_update` for this channel. */
  lastUpdateTimestamp: number;
  /** The counterparty's `channel_update` of this channel (their direction), for routing hints. */
  counterpartyForwardingPolicy?: { feeBaseMsat: number; feeProportionalMillionths: number; cltvExpiryDelta: number };

  closing?: ClosingState;
  /** Whether our last `revoke_and_ack` was sent before our last `commitment_signed` (BOLT 2 retransmission order). */
  lastSentWasRevoke?: boolean;
  /** The peer is connected and the reestablish exchange is done. */
  connected: boolean;
  /** We sent `channel_reestablish` and wait for theirs. */
  awaitingReestablish: boolean;
}

/** An update queued in the holding cell. */
export type HoldingCellUpdate =
  | { readonly type: 'add'; readonly amountMsat: bigint; readonly paymentHash: Uint8Array; readonly cltvExpiry: number; readonly onion: Uint8Array; readonly meta?: Uint8Array }
  | { readonly type: 'fulfill'; readonly htlcId: bigint; readonly preimage: Uint8Array }
  | { readonly type: 'fail'; readonly htlcId: bigint; readonly reason: Uint8Array }
  | { readonly type: 'malformed'; readonly htlcId: bigint; readonly sha256OfOnion: Uint8Array; readonly failureCode: number }
  | { readonly type: 'fee'; readonly feeratePerKw: number };
