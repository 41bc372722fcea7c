/**
 * Ready-made handlers for nodes that lack a component: `IgnoringMessageHandler` drops gossip
 * (a node that does not route), `ErroringMessageHandler` answers every channel message with an
 * `error` (a node without channels, e.g. a router-only gossip service). As in LDK.
 */
import { Features } from './features.js';
import type { ChannelMessageHandler, CustomMessageHandler, MessageSendEvent, RoutingMessageHandler } from './handlers.js';
import type { ErrorMessage, Init } from './messages/index.js';

const enc = new TextEncoder();

/** Ignores all gossip and custom messages; sends nothing. */
export class IgnoringMessageHandler implements RoutingMessageHandler, CustomMessageHandler {
  readonly customTypes: readonly number[] = [];
  peerConnected(_id: Uint8Array, _init: Init, _inbound: boolean): boolean {
    return true;
  }
  peerDisconnected(_id: Uint8Array): void {}
  providedInitFeatures(_id: Uint8Array): Features {
    return Features.empty();
  }
  providedNodeFeatures(): Features {
    return Features.empty();
  }
  getAndClearPendingMsgEvents(): MessageSendEvent[] {
    return [];
  }
  handleChannelAnnouncement(): boolean {
    return false;
  }
  handleNodeAnnouncement(): boolean {
    return false;
  }
  handleChannelUpdate(): boolean {
    return false;
  }
  handleQueryChannelRange(): void {}
  handleReplyChannelRange(): void {}
  handleQueryShortChannelIds(): void {}
  handleReplyShortChannelIdsEnd(): void {}
  handleGossipTimestampFilter(): void {}
  getNextChannelAnnouncement(): undefined {
    return undefined;
  }
  getNextNodeAnnouncement(): undefined {
    return undefined;
  }
  processingQueueHigh(): boolean {
    return false;
  }
  handleCustomMessage(): void {}
  getAndClearPendingCustomMessages(): [Uint8Array, number, Uint8Array][] {
    return [];
  }
}

/** Any channel message: it names its channel by `channelId` or `temporaryChannelId`. */
export type ChannelMsgWithId = { channelId?: Uint8Array; temporaryChannelId?: Uint8Array };

/**
 * Answers every channel message with an `error` for that channel: "this node does not
 * support channels". Use it where a `ChannelMessageHandler` is required but the node runs
 * no `ChannelManager`.
 */
export class ErroringMessageHandler implements ChannelMessageHandler {
  private pending: MessageSendEvent[] = [];
  private reject(nodeId: Uint8Array, msg: ChannelMsgWithId): void {
    const err: ErrorMessage = {
      type: 'error',
      channelId: msg.channelId ?? msg.temporaryChannelId ?? new Uint8Array(32),
      data: enc.encode('This node does not support channels'),
      tlvs: {},
    };
    this.pending.push({ type: 'HandleError', nodeId, action: { type: 'SendErrorMessage', msg: err } });
  }
  peerConnected(): boolean {
    return true;
  }
  peerDisconnected(): void {}
  providedInitFeatures(): Features {
    return Features.empty();
  }
  providedNodeFeatures(): Features {
    return Features.empty();
  }
  getChainHashes(): undefined {
    return undefined;
  }
  getAndClearPendingMsgEvents(): MessageSendEvent[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
  handleOpenChannel = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleOpenChannel2 = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleAcceptChannel = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleAcceptChannel2 = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleFundingCreated = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleFundingSigned = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleChannelReady = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleTxAddInput = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleTxAddOutput = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleTxRemoveInput = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleTxRemoveOutput = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleTxComplete = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleTxSignatures = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleTxInitRbf = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleTxAckRbf = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleTxAbort = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleStfu = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleSpliceInit = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleSpliceAck = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleSpliceLocked = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleShutdown = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleClosingSigned = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleClosingComplete = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleClosingSig = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleUpdateAddHtlc = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleUpdateFulfillHtlc = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleUpdateFailHtlc = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleUpdateFailMalformedHtlc = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleCommitmentSigned = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleRevokeAndAck = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleUpdateFee = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleChannelReestablish = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleAnnouncementSignatures = (id: Uint8Array, m: ChannelMsgWithId) => this.reject(id, m);
  handleError(): void {}
  handleChannelUpdate(): void {}
}
