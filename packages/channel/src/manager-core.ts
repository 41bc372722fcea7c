/**
 * The core of `ChannelManager` (see `channel-manager.ts`): the channels of a node, the
 * `ChannelMessageHandler` for established channels (closing, HTLC updates, reestablishment,
 * errors), the close and lifecycle API, events, errors and closing, and the payments layer's
 * wiring. The layers on top: establishment (`manager-open.ts`), peers and chain
 * (`manager-chain.ts`), then the payment API and persistence (`ChannelManager`):
 * `ChannelManager` extends `ChannelManagerChain` extends `ChannelManagerOpen` extends `ChannelManagerCore`.
 */
import {
  moduleLogger, NULL_LOGGER, type BestBlock, type Block, type BlockHeader, type ModuleLogger, type RelevantTxid,
  type TransactionData, type Txid,
} from '@ln/chain-interfaces';
import { bytesToHex, defaultSecp256k1, defaultSymmetric, equalBytes, type Secp256k1 } from '@ln/crypto';
import {
  Features, makeMessage, type AcceptChannel2, type AnnouncementSignatures, type ChannelReady,
  type ChannelReestablish, type ChannelUpdate, type ClosingComplete, type ClosingSig, type ClosingSigned, type CommitmentSigned, type ErrorMessage,
  type Init, type MessageSendEvent, type OpenChannel2, type RevokeAndAck,
  type Shutdown, type SpliceAck, type SpliceInit, type SpliceLocked, type Stfu, type TxAbort, type TxAckRbf, type TxAddInput, type TxAddOutput,
  type TxComplete, type TxInitRbf, type TxRemoveInput, type TxRemoveOutput, type TxSignatures, type UpdateAddHtlc, type UpdateFailHtlc,
  type UpdateFailMalformedHtlc, type UpdateFee, type UpdateFulfillHtlc,
} from '@ln/wire';
import { Channel } from './channel/channel.js';
import { onClosingComplete, onClosingSig, onClosingSigned, onShutdown, startShutdown } from './channel/closing.js';
import type { ChannelContext } from './channel/context.js';
import { onChannelReestablish } from './channel/reestablish.js';
import {
  onCommitmentSigned, onRevokeAndAck, onUpdateAddHtlc, onUpdateFailHtlc, onUpdateFailMalformedHtlc, onUpdateFee,
  onUpdateFulfillHtlc, maybeSendCommitment, releaseHoldingCell, resolveIrrevocable,
} from './channel/updates.js';
import { pruneSettled } from './channel/commitment.js';
import { Payments } from './payments/payments.js';
import type { PaymentsHost } from './payments/host.js';
import { userConfig, type UserConfig } from './config.js';
import { ApiError, ChannelError } from './errors.js';
import type { ChannelEvent, ClosureReason } from './events.js';

const enc = new TextEncoder();

import type { ChannelManagerOptions, ChannelDetails } from './manager-types.js';
import { channelDetails } from './manager-types.js';

/** Everything of `ChannelManager` but establishment, peers and chain, the payment API and persistence (which extend it). */
export abstract class ChannelManagerCore {
  readonly config: UserConfig;
  protected readonly secp: Secp256k1;
  protected readonly log: ModuleLogger;
  protected readonly ctx: ChannelContext;
  protected channels: Channel[] = [];
  protected readonly peers = new Map<string, Features>();
  protected events: ChannelEvent[] = [];
  protected msgEvents: MessageSendEvent[] = [];
  protected best: BestBlock;
  protected lastBlockTime = 0;
  /**
   * The payments layer (sending, receiving, forwarding); internal: use the payment methods.
   * @hidden
   */
  protected readonly payments: Payments;
  /** Latest monitor update id of closed channels, so that late preimages still reach their monitors. */
  protected closedMonitors = new Map<string, { channelId: Uint8Array; latestMonitorUpdateId: bigint }>();

  constructor(protected readonly opts: ChannelManagerOptions) {
    this.config = userConfig(opts.config);
    this.secp = opts.secp ?? defaultSecp256k1();
    this.log = moduleLogger(opts.logger ?? NULL_LOGGER, 'channel');
    this.best = opts.bestBlock;
    const self = this;
    this.ctx = {
      secp: this.secp, signerProvider: opts.keys, nodeSigner: opts.keys, watch: opts.watch, fees: opts.fees, log: this.log,
      chainHash: opts.chainHash, config: this.config, ourNodeId: opts.keys.getNodeId(),
      bestBlock: () => self.best,
      now: () => (opts.now ? opts.now() : self.lastBlockTime),
      send: (nodeId, msg) => self.msgEvents.push({ type: 'SendMessage', nodeId, msg }),
      broadcastGossip: (msg) => self.msgEvents.push({ type: 'BroadcastGossip', msg }),
      event: (e) => self.events.push(e),
      broadcastTransaction: (tx) => opts.broadcaster.broadcastTransactions([tx]),
      peerSupports: (nodeId, f) => self.peers.get(bytesToHex(nodeId))?.supports(f) ?? false,
      htlcHooks: () => self.payments,
      monitorRestored: (ch) => {
        resolveIrrevocable(ch);
        pruneSettled(ch.s, true);
        releaseHoldingCell(ch);
      },
    };
    const host: PaymentsHost = {
      ctx: this.ctx,
      onion: { secp: this.secp, sym: opts.sym ?? defaultSymmetric() },
      channels: () => self.channels,
      find: (id) => self.channel(id),
      guard: (ch, f) => {
        let err: string | undefined;
        self.guard(ch, () => {
          try {
            f();
          } catch (e) {
            if (e instanceof ChannelError) err = e.message;
            throw e;
          }
        });
        return err;
      },
      random: () => opts.keys.getSecureRandomBytes(),
      preimageToClosedChannel: (channelId, preimage) => self.preimageToClosedChannel(channelId, preimage),
    };
    this.payments = new Payments(host);
  }

  protected preimageToClosedChannel(channelId: Uint8Array, preimage: Uint8Array): void {
    const c = this.closedMonitors.get(bytesToHex(channelId));
    if (!c) return;
    c.latestMonitorUpdateId++;
    const status = this.opts.watch.updateChannel({ channelId, updateId: c.latestMonitorUpdateId, steps: [{ type: 'PaymentPreimage', paymentPreimage: preimage }] });
    if (status === 'UnrecoverableError') this.log.error(`the monitor of closed channel ${bytesToHex(channelId)} refused a preimage`);
  }

  /** Our node id. */
  get nodeId(): Uint8Array {
    return this.ctx.ourNodeId;
  }

  // ================================================================ API

  /** Starts a cooperative close (`shutdown`). `script` overrides our shutdown script. */
  closeChannel(channelId: Uint8Array, theirNodeId: Uint8Array, script?: Uint8Array): void {
    const ch = this.find(theirNodeId, channelId);
    if (!ch) throw new ApiError('no channel with that id');
    if (ch.s.phase !== 'Funded') {
      this.closeWith(ch, { type: 'FundingAborted', message: 'closed by the user before funding' }, false);
      return;
    }
    this.guard(ch, () => startShutdown(ch, script), true);
  }

  /** Force-closes: the monitor broadcasts our latest commitment; the peer gets an `error`. */
  forceCloseChannel(channelId: Uint8Array, theirNodeId: Uint8Array, message = 'force-closed by the user'): void {
    const ch = this.find(theirNodeId, channelId);
    if (!ch) throw new ApiError('no channel with that id');
    this.sendError(theirNodeId, ch.channelId, message);
    this.closeWith(ch, { type: 'HolderForceClosed', message }, true);
  }

  /** Force-closes every channel (e.g. on shutdown of a compromised node). */
  forceCloseAllChannels(): void {
    for (const ch of [...this.channels]) this.forceCloseChannel(ch.channelId, ch.peer);
  }

  /** Changes our forwarding policy; fresh `channel_update`s go out for announced channels (BOLT 7). */
  updateChannelConfig(config: Partial<UserConfig['channelConfig']>): void {
    Object.assign(this.config.channelConfig as object, { ...this.config.channelConfig, ...config });
    for (const ch of this.channels) {
      if (ch.s.phase !== 'Funded' || ch.s.shortChannelId === undefined || !ch.s.channelReadyReceived) continue;
      if (ch.s.announced) this.ctx.broadcastGossip(ch.channelUpdate());
      else if (ch.s.connected) ch.send(ch.channelUpdate());
    }
  }

  /** Every channel not yet closed. */
  listChannels(): ChannelDetails[] {
    return this.channels.filter((c) => c.s.phase !== 'Closed').map((c) => channelDetails(c));
  }

  /** Channels that can carry a payment now. */
  listUsableChannels(): ChannelDetails[] {
    return this.listChannels().filter((c) => c.isUsable);
  }


  /** The channel object (for the payments layer and tests). */
  channel(channelId: Uint8Array): Channel | undefined {
    return this.channels.find((c) => equalBytes(c.channelId, channelId));
  }

  /** All live channels (for the payments layer). */
  allChannels(): readonly Channel[] {
    return this.channels;
  }

  getAndClearPendingEvents(): ChannelEvent[] {
    this.processMonitorEvents();
    const e = this.events;
    this.events = [];
    return e;
  }

  getAndClearPendingMsgEvents(): MessageSendEvent[] {
    this.processMonitorEvents();
    // Updates queued since the last call go out with one commitment_signed per channel.
    for (const ch of [...this.channels]) if (ch.s.phase === 'Funded') this.guard(ch, () => maybeSendCommitment(ch));
    const e = this.msgEvents;
    this.msgEvents = [];
    return e;
  }

  /** Applies what monitors reported: completed updates release held messages; on-chain closes end channels. */
  processMonitorEvents(): void {
    for (const ev of this.opts.watch.releasePendingMonitorEvents()) {
      if (ev.type === 'HtlcResolved') {
        this.payments.monitorEvent(ev);
        continue;
      }
      const ch = this.channels.find((c) => equalBytes(c.channelId, ev.channelId));
      if (!ch) continue;
      switch (ev.type) {
        case 'Completed':
          this.guard(ch, () => ch.monitorUpdateCompleted(ev.monitorUpdateId));
          break;
        case 'HolderForceClosed':
          if (ch.s.phase !== 'Closed') this.closeWith(ch, { type: 'HolderForceClosed', message: ev.reason }, false);
          break;
        case 'CommitmentTxConfirmed':
          if (ch.s.phase !== 'Closed') this.closeWith(ch, { type: 'CommitmentTxConfirmed' }, false);
          break;
      }
    }
  }

  /** Call about once a minute: multi-part payments time out, idle outbound payments give up, finished payment ids are forgotten. */
  timerTickOccurred(): void {
    this.processMonitorEvents();
    this.payments.tick();
  }

  // ================================================================ errors and closing

  protected find(nodeId: Uint8Array, id: Uint8Array): Channel | undefined {
    return this.channels.find((c) => equalBytes(c.peer, nodeId) && (equalBytes(c.channelId, id) || equalBytes(c.s.temporaryChannelId, id)));
  }

  protected remove(ch: Channel): void {
    this.channels = this.channels.filter((c) => c !== ch);
    if (ch.s.monitorCreated) {
      this.closedMonitors.set(bytesToHex(ch.channelId), { channelId: ch.channelId, latestMonitorUpdateId: ch.s.latestMonitorUpdateId });
      this.payments.channelClosed(ch);
    }
  }

  protected sendError(nodeId: Uint8Array, channelId: Uint8Array, message: string): void {
    this.msgEvents.push({ type: 'HandleError', nodeId, action: { type: 'SendErrorMessage', msg: makeMessage('error', { channelId, data: enc.encode(message) }) } });
  }

  /** Closes a channel for `reason`; `broadcast` asks the monitor to publish our latest commitment. */
  protected closeWith(ch: Channel, reason: ClosureReason, broadcast: boolean): void {
    const refused = ch.forceClose(broadcast);
    // Never broadcast (the funder's monitor was not durable yet): the funding inputs may be spent elsewhere.
    if (ch.s.fundingTx && !ch.s.fundingBroadcast) this.events.push({ type: 'DiscardFunding', channelId: ch.channelId, fundingTx: ch.s.fundingTx });
    this.remove(ch);
    this.events.push({
      type: 'ChannelClosed', channelId: ch.channelId, counterpartyNodeId: ch.peer, userChannelId: ch.s.userChannelId, reason, channelCapacitySat: ch.s.channelValueSat,
    });
    this.log.info(`channel ${bytesToHex(ch.channelId)} closed: ${reason.type}${'message' in reason ? `: ${reason.message}` : ''}`);
    if (refused !== undefined) {
      // The channel is closed here all the same (a stale manager must not keep using it); the monitor's side is
      // closed by recovery from the monitor's own state (`@ln/monitor`'s `ChainMonitor.forceCloseFromMonitor`).
      this.log.error(`the monitor refused the force-close (update ${refused}) of channel ${bytesToHex(ch.channelId)}: close it from the monitor`, { channelId: ch.channelId });
      this.events.push({ type: 'ForceCloseRefused', channelId: ch.channelId, counterpartyNodeId: ch.peer, userChannelId: ch.s.userChannelId, monitorUpdateId: refused, shouldBroadcast: broadcast });
    }
  }

  /** Runs `f` on a channel; a {@link ChannelError} is turned into the protocol's reaction. */
  protected guard(ch: Channel, f: () => void, fromUser = false): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      if (fromUser && e.kind === 'ignore') throw new ApiError(e.message);
      this.react(ch, e);
    }
  }

  protected react(ch: Channel, e: ChannelError): void {
    const id = ch.channelId;
    if (e.kind === 'ignore') {
      this.log.debug(`ignored: ${e.message}`, { channelId: id });
    } else if (e.kind === 'warn') {
      this.log.warn(`warning peer: ${e.message}`, { channelId: id });
      this.msgEvents.push({ type: 'HandleError', nodeId: ch.peer, action: { type: 'DisconnectPeerWithWarning', msg: makeMessage('warning', { channelId: id, data: enc.encode(e.message) }) } });
    } else {
      this.log.error(`failing channel: ${e.message}`, { channelId: id });
      this.sendError(ch.peer, id, e.message);
      this.closeWith(ch, { type: 'ProcessingError', message: e.message }, true);
    }
  }

  /** Dispatches a message for an existing channel. */
  protected withChannel(nodeId: Uint8Array, id: Uint8Array, what: string, f: (ch: Channel) => void): void {
    const ch = this.find(nodeId, id);
    if (!ch) {
      this.log.debug(`${what} for unknown channel ${bytesToHex(id)}`);
      this.msgEvents.push({
        type: 'HandleError', nodeId, action: { type: 'SendWarningMessage', msg: makeMessage('warning', { channelId: id, data: enc.encode(`${what} for an unknown channel`) }) },
      });
      return;
    }
    this.guard(ch, () => f(ch));
  }

  // ================================================================ ChannelMessageHandler

  handleChannelReady(theirNodeId: Uint8Array, msg: ChannelReady): void {
    this.withChannel(theirNodeId, msg.channelId, 'channel_ready', (ch) => ch.onChannelReady(msg.secondPerCommitmentPoint));
  }

  handleAnnouncementSignatures(theirNodeId: Uint8Array, msg: AnnouncementSignatures): void {
    this.withChannel(theirNodeId, msg.channelId, 'announcement_signatures', (ch) => ch.onAnnouncementSignatures(msg.shortChannelId, msg.nodeSignature, msg.bitcoinSignature));
  }

  handleShutdown(theirNodeId: Uint8Array, msg: Shutdown): void {
    this.withChannel(theirNodeId, msg.channelId, 'shutdown', (ch) => onShutdown(ch, msg.scriptpubkey));
  }

  handleClosingSigned(theirNodeId: Uint8Array, msg: ClosingSigned): void {
    this.withChannel(theirNodeId, msg.channelId, 'closing_signed', (ch) => onClosingSigned(ch, msg));
  }

  handleClosingComplete(theirNodeId: Uint8Array, msg: ClosingComplete): void {
    this.withChannel(theirNodeId, msg.channelId, 'closing_complete', (ch) => onClosingComplete(ch, msg));
  }

  handleClosingSig(theirNodeId: Uint8Array, msg: ClosingSig): void {
    this.withChannel(theirNodeId, msg.channelId, 'closing_sig', (ch) => onClosingSig(ch, msg));
  }

  handleUpdateAddHtlc(theirNodeId: Uint8Array, msg: UpdateAddHtlc): void {
    this.withChannel(theirNodeId, msg.channelId, 'update_add_htlc', (ch) => onUpdateAddHtlc(ch, msg));
  }

  handleUpdateFulfillHtlc(theirNodeId: Uint8Array, msg: UpdateFulfillHtlc): void {
    this.withChannel(theirNodeId, msg.channelId, 'update_fulfill_htlc', (ch) => onUpdateFulfillHtlc(ch, msg.id, msg.paymentPreimage));
  }

  handleUpdateFailHtlc(theirNodeId: Uint8Array, msg: UpdateFailHtlc): void {
    this.withChannel(theirNodeId, msg.channelId, 'update_fail_htlc', (ch) => onUpdateFailHtlc(ch, msg.id, msg.reason));
  }

  handleUpdateFailMalformedHtlc(theirNodeId: Uint8Array, msg: UpdateFailMalformedHtlc): void {
    this.withChannel(theirNodeId, msg.channelId, 'update_fail_malformed_htlc', (ch) => onUpdateFailMalformedHtlc(ch, msg.id, msg.sha256OfOnion, msg.failureCode));
  }

  handleCommitmentSigned(theirNodeId: Uint8Array, msg: CommitmentSigned): void {
    this.withChannel(theirNodeId, msg.channelId, 'commitment_signed', (ch) => onCommitmentSigned(ch, msg.signature, msg.htlcSignature));
  }

  handleRevokeAndAck(theirNodeId: Uint8Array, msg: RevokeAndAck): void {
    this.withChannel(theirNodeId, msg.channelId, 'revoke_and_ack', (ch) => onRevokeAndAck(ch, msg.perCommitmentSecret, msg.nextPerCommitmentPoint));
  }

  handleUpdateFee(theirNodeId: Uint8Array, msg: UpdateFee): void {
    this.withChannel(theirNodeId, msg.channelId, 'update_fee', (ch) => onUpdateFee(ch, msg.feeratePerKw));
  }

  handleChannelReestablish(theirNodeId: Uint8Array, msg: ChannelReestablish): void {
    const ch = this.find(theirNodeId, msg.channelId);
    if (!ch) {
      // BOLT 2: an unknown channel: tell the peer (it may be one we forgot); never broadcast anything.
      this.sendError(theirNodeId, msg.channelId, 'unknown channel');
      return;
    }
    this.guard(ch, () => {
      const out = onChannelReestablish(ch, msg);
      if (out.type === 'dataLoss') {
        this.log.error(`data loss detected: ${out.message}`);
        this.sendError(theirNodeId, ch.channelId, 'we have lost channel state; please force-close');
        this.closeWith(ch, { type: 'DataLossDetected', message: out.message }, false);
      } else this.payments.in.channelReconnected(ch);
    });
  }

  handleChannelUpdate(theirNodeId: Uint8Array, msg: ChannelUpdate): void {
    const ch = this.channels.find((c) => equalBytes(c.peer, theirNodeId) && c.s.shortChannelId === msg.shortChannelId);
    if (!ch) return;
    ch.s.counterpartyForwardingPolicy = { feeBaseMsat: msg.feeBaseMsat, feeProportionalMillionths: msg.feeProportionalMillionths, cltvExpiryDelta: msg.cltvExpiryDelta };
  }

  handleError(theirNodeId: Uint8Array, msg: ErrorMessage): void {
    const all = msg.channelId.every((b) => b === 0);
    const text = new TextDecoder().decode(msg.data);
    for (const ch of [...this.channels]) {
      if (!equalBytes(ch.peer, theirNodeId)) continue;
      if (!all && !equalBytes(ch.channelId, msg.channelId) && !equalBytes(ch.s.temporaryChannelId, msg.channelId)) continue;
      if (ch.s.closing?.closingTx) continue; // already closed cooperatively
      this.closeWith(ch, ch.s.phase === 'Funded' ? { type: 'CounterpartyForceClosed', peerMessage: text } : { type: 'FundingAborted', message: text }, true);
    }
  }

  // v2 establishment, splicing and quiescence are not supported: answer with a warning or an error.
  handleOpenChannel2(theirNodeId: Uint8Array, msg: OpenChannel2): void {
    this.sendError(theirNodeId, msg.temporaryChannelId, 'option_dual_fund is not supported');
  }
  handleAcceptChannel2(theirNodeId: Uint8Array, msg: AcceptChannel2): void {
    this.sendError(theirNodeId, msg.temporaryChannelId, 'option_dual_fund is not supported');
  }
  private unsupported(theirNodeId: Uint8Array, channelId: Uint8Array, what: string): void {
    this.msgEvents.push({ type: 'HandleError', nodeId: theirNodeId, action: { type: 'SendWarningMessage', msg: makeMessage('warning', { channelId, data: enc.encode(`${what} is not supported`) }) } });
  }
  handleTxAddInput(n: Uint8Array, m: TxAddInput): void { this.unsupported(n, m.channelId, 'tx_add_input'); }
  handleTxAddOutput(n: Uint8Array, m: TxAddOutput): void { this.unsupported(n, m.channelId, 'tx_add_output'); }
  handleTxRemoveInput(n: Uint8Array, m: TxRemoveInput): void { this.unsupported(n, m.channelId, 'tx_remove_input'); }
  handleTxRemoveOutput(n: Uint8Array, m: TxRemoveOutput): void { this.unsupported(n, m.channelId, 'tx_remove_output'); }
  handleTxComplete(n: Uint8Array, m: TxComplete): void { this.unsupported(n, m.channelId, 'tx_complete'); }
  handleTxSignatures(n: Uint8Array, m: TxSignatures): void { this.unsupported(n, m.channelId, 'tx_signatures'); }
  handleTxInitRbf(n: Uint8Array, m: TxInitRbf): void { this.unsupported(n, m.channelId, 'tx_init_rbf'); }
  handleTxAckRbf(n: Uint8Array, m: TxAckRbf): void { this.unsupported(n, m.channelId, 'tx_ack_rbf'); }
  handleTxAbort(n: Uint8Array, m: TxAbort): void { this.unsupported(n, m.channelId, 'tx_abort'); }
  handleStfu(n: Uint8Array, m: Stfu): void { this.unsupported(n, m.channelId, 'stfu'); }
  handleSpliceInit(n: Uint8Array, m: SpliceInit): void { this.unsupported(n, m.channelId, 'splice_init'); }
  handleSpliceAck(n: Uint8Array, m: SpliceAck): void { this.unsupported(n, m.channelId, 'splice_ack'); }
  handleSpliceLocked(n: Uint8Array, m: SpliceLocked): void { this.unsupported(n, m.channelId, 'splice_locked'); }

  // Implemented by the peer and chain layer (manager-chain.ts).
  abstract peerConnected(theirNodeId: Uint8Array, init: Init, inbound: boolean): boolean;
  abstract peerDisconnected(theirNodeId: Uint8Array): void;
  abstract providedNodeFeatures(): Features;
  abstract getChainHashes(): Uint8Array[];
  abstract blockConnected(block: Block, height: number): void;
  abstract filteredBlockConnected(header: BlockHeader, txdata: readonly TransactionData[], height: number): void;
  abstract blockDisconnected(header: BlockHeader, height: number): void;
  abstract transactionsConfirmed(header: BlockHeader, txdata: readonly TransactionData[], height: number): void;
  abstract transactionUnconfirmed(txid: Txid): void;
  abstract bestBlockUpdated(header: BlockHeader, height: number): void;
  abstract getRelevantTxids(): RelevantTxid[];

  /** BOLT 9 features we advertise in `init` (defined with the peer handling). */
  abstract providedInitFeatures(theirNodeId: Uint8Array): Features;
}
