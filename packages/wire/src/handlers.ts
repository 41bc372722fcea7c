/**
 * The interfaces through which `PeerManager` (`@ln/noise-peer`) talks to the components that
 * handle messages: `ChannelManager` implements {@link ChannelMessageHandler}, `P2PGossipSync`
 * implements {@link RoutingMessageHandler}; both hand back what they want sent as
 * {@link MessageSendEvent}s. Node ids are 33-byte compressed public keys.
 */
import type { Features } from './features.js';
import type {
  AcceptChannel, AcceptChannel2, AnnouncementSignatures, ChannelAnnouncement, ChannelReady, ChannelReestablish,
  ChannelUpdate, ClosingComplete, ClosingSig, ClosingSigned, CommitmentSigned, ErrorMessage, FundingCreated, FundingSigned,
  GossipTimestampFilter, Init, NodeAnnouncement, OpenChannel, OpenChannel2, QueryChannelRange, QueryShortChannelIds,
  ReplyChannelRange, ReplyShortChannelIdsEnd, RevokeAndAck, Shutdown, SpliceAck, SpliceInit, SpliceLocked, Stfu,
  TxAbort, TxAckRbf, TxAddInput, TxAddOutput, TxComplete, TxInitRbf, TxRemoveInput, TxRemoveOutput, TxSignatures,
  UpdateAddHtlc, UpdateFailHtlc, UpdateFailMalformedHtlc, UpdateFee, UpdateFulfillHtlc, Warning,
} from './messages/index.js';
import type { KnownMessage } from './registry.js';

/** What to do about a peer after a handler failed (LDK's `ErrorAction`). */
export type ErrorAction =
  | { readonly type: 'DisconnectPeer'; readonly msg?: ErrorMessage }
  | { readonly type: 'DisconnectPeerWithWarning'; readonly msg: Warning }
  | { readonly type: 'SendErrorMessage'; readonly msg: ErrorMessage }
  | { readonly type: 'SendWarningMessage'; readonly msg: Warning }
  | { readonly type: 'IgnoreError' }
  | { readonly type: 'IgnoreAndLog'; readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' };

/** Thrown (or returned) by handlers to tell `PeerManager` what to do with the peer. */
export class LightningError extends Error {
  override readonly name = 'LightningError';
  constructor(
    message: string,
    readonly action: ErrorAction,
  ) {
    super(message);
  }
}

/**
 * A request from a handler to `PeerManager`: send a message to one peer, broadcast gossip to
 * every peer that wants it, or act on an error.
 */
export type MessageSendEvent =
  /** Send `msg` to the peer `nodeId` (any message: channel messages, gossip replies, queries). */
  | { readonly type: 'SendMessage'; readonly nodeId: Uint8Array; readonly msg: KnownMessage }
  /** Relay gossip to all peers that want it (BOLT 7), except the one it came from, if given. */
  | { readonly type: 'BroadcastGossip'; readonly msg: ChannelAnnouncement | NodeAnnouncement | ChannelUpdate; readonly exceptNodeId?: Uint8Array }
  /** Act on an error for `nodeId` (disconnect, send an error or warning). */
  | { readonly type: 'HandleError'; readonly nodeId: Uint8Array; readonly action: ErrorAction };

/** Anything that queues messages to send. */
export interface MessageSendEventsProvider {
  getAndClearPendingMsgEvents(): MessageSendEvent[];
}

/** Common to all handlers: connection events and the features they want in our `init`. */
export interface PeerEventHandler {
  /**
   * A peer finished the `init` exchange. Return `false` to have the connection closed (e.g.
   * the peer lacks a feature we require).
   */
  peerConnected(theirNodeId: Uint8Array, init: Init, inbound: boolean): boolean;
  peerDisconnected(theirNodeId: Uint8Array): void;
  /** Features this handler needs set in the `init` we send to this peer. */
  providedInitFeatures(theirNodeId: Uint8Array): Features;
  /** Features this handler needs set in our `node_announcement`. */
  providedNodeFeatures(): Features;
}

/**
 * Handles BOLT 2 channel messages (implemented by `ChannelManager`). Methods may throw a
 * {@link LightningError} whose action `PeerManager` applies.
 */
export interface ChannelMessageHandler extends PeerEventHandler, MessageSendEventsProvider {
  handleOpenChannel(theirNodeId: Uint8Array, msg: OpenChannel): void;
  handleOpenChannel2(theirNodeId: Uint8Array, msg: OpenChannel2): void;
  handleAcceptChannel(theirNodeId: Uint8Array, msg: AcceptChannel): void;
  handleAcceptChannel2(theirNodeId: Uint8Array, msg: AcceptChannel2): void;
  handleFundingCreated(theirNodeId: Uint8Array, msg: FundingCreated): void;
  handleFundingSigned(theirNodeId: Uint8Array, msg: FundingSigned): void;
  handleChannelReady(theirNodeId: Uint8Array, msg: ChannelReady): void;
  handleTxAddInput(theirNodeId: Uint8Array, msg: TxAddInput): void;
  handleTxAddOutput(theirNodeId: Uint8Array, msg: TxAddOutput): void;
  handleTxRemoveInput(theirNodeId: Uint8Array, msg: TxRemoveInput): void;
  handleTxRemoveOutput(theirNodeId: Uint8Array, msg: TxRemoveOutput): void;
  handleTxComplete(theirNodeId: Uint8Array, msg: TxComplete): void;
  handleTxSignatures(theirNodeId: Uint8Array, msg: TxSignatures): void;
  handleTxInitRbf(theirNodeId: Uint8Array, msg: TxInitRbf): void;
  handleTxAckRbf(theirNodeId: Uint8Array, msg: TxAckRbf): void;
  handleTxAbort(theirNodeId: Uint8Array, msg: TxAbort): void;
  handleStfu(theirNodeId: Uint8Array, msg: Stfu): void;
  handleSpliceInit(theirNodeId: Uint8Array, msg: SpliceInit): void;
  handleSpliceAck(theirNodeId: Uint8Array, msg: SpliceAck): void;
  handleSpliceLocked(theirNodeId: Uint8Array, msg: SpliceLocked): void;
  handleShutdown(theirNodeId: Uint8Array, msg: Shutdown): void;
  handleClosingSigned(theirNodeId: Uint8Array, msg: ClosingSigned): void;
  handleClosingComplete(theirNodeId: Uint8Array, msg: ClosingComplete): void;
  handleClosingSig(theirNodeId: Uint8Array, msg: ClosingSig): void;
  handleUpdateAddHtlc(theirNodeId: Uint8Array, msg: UpdateAddHtlc): void;
  handleUpdateFulfillHtlc(theirNodeId: Uint8Array, msg: UpdateFulfillHtlc): void;
  handleUpdateFailHtlc(theirNodeId: Uint8Array, msg: UpdateFailHtlc): void;
  handleUpdateFailMalformedHtlc(theirNodeId: Uint8Array, msg: UpdateFailMalformedHtlc): void;
  handleCommitmentSigned(theirNodeId: Uint8Array, msg: CommitmentSigned): void;
  handleRevokeAndAck(theirNodeId: Uint8Array, msg: RevokeAndAck): void;
  handleUpdateFee(theirNodeId: Uint8Array, msg: UpdateFee): void;
  handleChannelReestablish(theirNodeId: Uint8Array, msg: ChannelReestablish): void;
  handleAnnouncementSignatures(theirNodeId: Uint8Array, msg: AnnouncementSignatures): void;
  /** A peer's `error` (BOLT 1): fail the channel it names, or all channels with the peer. */
  handleError(theirNodeId: Uint8Array, msg: ErrorMessage): void;
  /** A peer's `channel_update` for one of our private channels. */
  handleChannelUpdate(theirNodeId: Uint8Array, msg: ChannelUpdate): void;
  /** Chains we operate on (`init`'s `networks`); `undefined` accepts any. */
  getChainHashes(): Uint8Array[] | undefined;
}

/**
 * Handles BOLT 7 gossip (implemented by `P2PGossipSync`). The `handle*Announcement`/`Update`
 * methods return whether the message is new and valid and should be relayed; they throw a
 * {@link LightningError} for invalid gossip.
 */
export interface RoutingMessageHandler extends PeerEventHandler, MessageSendEventsProvider {
  handleChannelAnnouncement(theirNodeId: Uint8Array | undefined, msg: ChannelAnnouncement): boolean;
  handleNodeAnnouncement(theirNodeId: Uint8Array | undefined, msg: NodeAnnouncement): boolean;
  handleChannelUpdate(theirNodeId: Uint8Array | undefined, msg: ChannelUpdate): boolean;
  handleQueryChannelRange(theirNodeId: Uint8Array, msg: QueryChannelRange): void;
  handleReplyChannelRange(theirNodeId: Uint8Array, msg: ReplyChannelRange): void;
  handleQueryShortChannelIds(theirNodeId: Uint8Array, msg: QueryShortChannelIds): void;
  handleReplyShortChannelIdsEnd(theirNodeId: Uint8Array, msg: ReplyShortChannelIdsEnd): void;
  handleGossipTimestampFilter(theirNodeId: Uint8Array, msg: GossipTimestampFilter): void;
  /** For initial sync: the next channel announcement (with its updates) after `startingPoint` (a short channel id). */
  getNextChannelAnnouncement(startingPoint: bigint): { announcement: ChannelAnnouncement; update1?: ChannelUpdate; update2?: ChannelUpdate } | undefined;
  /** For initial sync: the next node announcement after node id `startingPoint` (undefined = the first). */
  getNextNodeAnnouncement(startingPoint: Uint8Array | undefined): NodeAnnouncement | undefined;
  /** Whether the handler wants more gossip (false while it is processing a backlog). */
  processingQueueHigh(): boolean;
}

/** Handles messages of types this library does not declare (custom/experimental, odd type numbers). */
export interface CustomMessageHandler extends MessageSendEventsProvider {
  /** Message types this handler understands. */
  readonly customTypes: readonly number[];
  handleCustomMessage(theirNodeId: Uint8Array, typeNumber: number, payload: Uint8Array): void;
  /** Pending custom messages to send: `[nodeId, typeNumber, payload]`. */
  getAndClearPendingCustomMessages(): [Uint8Array, number, Uint8Array][];
}
