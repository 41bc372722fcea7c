/**
 * Events `ChannelManager` raises for the user, drained with `getAndClearPendingEvents()`.
 * Each is a discriminated union member with a `type` field (LDK's `Event`).
 */
import type { OutPoint } from '@ln/chain-interfaces';

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
  /** The funding transaction of a channel that closed before it was broadcast may be spent elsewhere. */
  | { readonly type: 'DiscardFunding'; readonly channelId: Uint8Array; readonly fundingTx: Uint8Array };
