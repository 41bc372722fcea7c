/**
 * `ChannelManager`: holds every channel of a node, implements `ChannelMessageHandler` (BOLT 2
 * messages from `PeerManager`), `Listen` and `Confirm` (blocks), and exposes the channel API
 * (the seed's `ChannelManager`). It talks to monitors only through the `Watch` seam.
 *
 * It never starts timers or sockets: the caller feeds messages, blocks and timer ticks, and
 * drains {@link ChannelManager.getAndClearPendingMsgEvents} (for `PeerManager`) and
 * {@link ChannelManager.getAndClearPendingEvents} (for the user).
 */
import {
  moduleLogger, NULL_LOGGER, type BestBlock, type Block, type BlockHeader, type BroadcasterInterface, type Confirm, type FeeEstimator, type KeysInterface,
  type Listen, type Logger, type OutPoint, type ModuleLogger, type RelevantTxid, type TransactionData, type Txid, type Watch,
} from '@ln/chain-interfaces';
import { bytesToHex, defaultSecp256k1, defaultSymmetric, equalBytes, type Secp256k1, type SymmetricCrypto } from '@ln/crypto';
import { parseTx, txidOf, type EcdsaChannelSigner } from '@ln/transactions';
import {
  Features, makeMessage, type AcceptChannel, type AcceptChannel2, type AnnouncementSignatures, type ChannelMessageHandler, type ChannelReady,
  type ChannelReestablish, type ChannelUpdate, type ClosingComplete, type ClosingSig, type ClosingSigned, type CommitmentSigned, type ErrorMessage,
  type FundingCreated, type FundingSigned, type Init, type KnownMessage, type MessageSendEvent, type OpenChannel, type OpenChannel2, type RevokeAndAck,
  type Shutdown, type SpliceAck, type SpliceInit, type SpliceLocked, type Stfu, type TxAbort, type TxAckRbf, type TxAddInput, type TxAddOutput,
  type TxComplete, type TxInitRbf, type TxRemoveInput, type TxRemoveOutput, type TxSignatures, type UpdateAddHtlc, type UpdateFailHtlc,
  type UpdateFailMalformedHtlc, type UpdateFee, type UpdateFulfillHtlc,
} from '@ln/wire';
import { Channel } from './channel/channel.js';
import { onClosingComplete, onClosingSig, onClosingSigned, onShutdown, startShutdown } from './channel/closing.js';
import { commitmentBalances } from './channel/commitment.js';
import type { ChannelContext } from './channel/context.js';
import { checkAcceptChannel, checkOpenChannel, paramsOf, proposedChannelType } from './channel/open.js';
import { onChannelReestablish } from './channel/reestablish.js';
import type { ChannelState, SideParams } from './channel/state.js';
import {
  forgetUncommitted, onCommitmentSigned, onRevokeAndAck, onUpdateAddHtlc, onUpdateFailHtlc, onUpdateFailMalformedHtlc, onUpdateFee,
  onUpdateFulfillHtlc, maybeSendCommitment, releaseHoldingCell, resolveIrrevocable, sendUpdateFee,
} from './channel/updates.js';
import { availableOutboundMsat } from './channel/limits.js';
import { pruneSettled } from './channel/commitment.js';
import { Payments } from './payments/payments.js';
import type { PaymentsHost } from './payments/host.js';
import type { PaymentPath, RecipientOnionFields } from './payments/types.js';
import type { OutboundPayment } from './payments/outbound.js';
import { userConfig, type UserConfig, type UserConfigOverrides } from './config.js';
import { ApiError, ChannelError } from './errors.js';
import type { ChannelEvent, ClosureReason } from './events.js';
import { decodeState, encodeState, type StateValue } from './serde.js';

const enc = new TextEncoder();

/** What a `ChannelManager` is built from. */
export interface ChannelManagerOptions {
  /** BOLT 1 `chain_hash` of the chain we operate on. */
  readonly chainHash: Uint8Array;
  readonly keys: KeysInterface<EcdsaChannelSigner>;
  readonly watch: Watch;
  readonly fees: FeeEstimator;
  readonly broadcaster: BroadcasterInterface;
  readonly bestBlock: BestBlock;
  readonly config?: UserConfigOverrides;
  readonly logger?: Logger;
  readonly secp?: Secp256k1;
  /** Hashes, HMAC and ChaCha20 for the onion (default: `@ln/crypto`'s pure-JS implementation). */
  readonly sym?: SymmetricCrypto;
  /** Clock for `channel_update` timestamps (seconds); defaults to the last block time. */
  readonly now?: () => number;
}

/** A channel as `listChannels` shows it. */
export interface ChannelDetails {
  readonly channelId: Uint8Array;
  readonly counterpartyNodeId: Uint8Array;
  readonly userChannelId: bigint;
  readonly phase: ChannelState['phase'];
  readonly isOutbound: boolean;
  readonly isAnnounced: boolean;
  readonly isChannelReady: boolean;
  /** Ready, connected and not closing. */
  readonly isUsable: boolean;
  readonly channelValueSat: bigint;
  readonly fundingTxo?: OutPoint;
  readonly shortChannelId?: bigint;
  readonly confirmations: number;
  /** Our balance on our current commitment, msat. */
  readonly balanceMsat: bigint;
  /** What we can send in a new HTLC now (after reserve and fees), msat. */
  readonly outboundCapacityMsat: bigint;
  /** The most a single new HTLC may carry now (capacity, the peer's in-flight limit), msat. */
  readonly nextOutboundHtlcLimitMsat: bigint;
  /** The least a new HTLC must carry (the peer's `htlc_minimum_msat`), msat. */
  readonly nextOutboundHtlcMinimumMsat: bigint;
  /** Our forwarding policy's fee and CLTV delta for HTLCs coming in over this channel from the counterparty's side (their `channel_update`), when known. */
  readonly counterpartyForwardingInfo?: { readonly feeBaseMsat: number; readonly feeProportionalMillionths: number; readonly cltvExpiryDelta: number };
  /** What the counterparty could send us (their balance less their reserve), msat. */
  readonly inboundCapacityMsat: bigint;
  readonly isClosing: boolean;
}

/** Format version of {@link ChannelManager.serialize} (2 adds the payments state; 1 still loads). */
const SERIAL_VERSION = 2;

/** The seed's `ChannelManager`. */
export class ChannelManager implements ChannelMessageHandler, Listen, Confirm {
  readonly config: UserConfig;
  private readonly secp: Secp256k1;
  private readonly log: ModuleLogger;
  private readonly ctx: ChannelContext;
  private channels: Channel[] = [];
  private readonly peers = new Map<string, Features>();
  private events: ChannelEvent[] = [];
  private msgEvents: MessageSendEvent[] = [];
  private best: BestBlock;
  private lastBlockTime = 0;
  /** The payments layer (sending, receiving, forwarding). */
  private readonly payments: Payments;
  /** Latest monitor update id of closed channels, so that late preimages still reach their monitors. */
  private closedMonitors = new Map<string, { channelId: Uint8Array; latestMonitorUpdateId: bigint }>();

  constructor(private readonly opts: ChannelManagerOptions) {
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

  private preimageToClosedChannel(channelId: Uint8Array, preimage: Uint8Array): void {
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

  /**
   * Opens a channel to a connected peer (BOLT 2 `open_channel`). Returns the temporary channel
   * id; a `FundingGenerationReady` event follows once the peer accepts.
   */
  createChannel(theirNodeId: Uint8Array, channelValueSat: bigint, pushMsat: bigint, userChannelId: bigint, overrides?: { announce?: boolean }): Uint8Array {
    const theirInit = this.peers.get(bytesToHex(theirNodeId));
    if (!theirInit) throw new ApiError('peer is not connected');
    if (pushMsat > channelValueSat * 1000n) throw new ApiError('push_msat is more than the channel value');
    const hc = this.config.channelHandshakeConfig;
    const anchors = hc.negotiateAnchors && theirInit.supports('option_anchors');
    const feerate = this.opts.fees.getEstSatPer1000Weight(anchors ? 'AnchorChannelFee' : 'NonAnchorChannelFee');
    const keysId = this.opts.keys.generateChannelKeysId(false, channelValueSat, userChannelId);
    const signer = this.opts.keys.deriveChannelSigner(channelValueSat, keysId);
    const ourParams = this.ourParams(channelValueSat, hc.ourDustLimitSat);
    const tempId = this.opts.keys.getSecureRandomBytes();
    const channelType = proposedChannelType(theirInit, this.config);
    const announce = overrides?.announce ?? hc.announceForForwardedHtlcs;
    const s = newState({
      temporaryChannelId: tempId, counterpartyNodeId: theirNodeId, userChannelId, isOutbound: true, announce, channelType, anchors,
      channelValueSat, pushMsat, channelKeysId: keysId, holderPubkeys: signer.pubkeys, ourParams, minimumDepth: hc.minimumDepth, initialFeeratePerKw: feerate,
    });
    s.phase = 'OutboundAwaitingAccept';
    s.connected = true;
    const ch = new Channel(this.ctx, s, signer);
    this.channels.push(ch);
    const pk = signer.pubkeys;
    ch.send(makeMessage('open_channel', {
      chainHash: this.opts.chainHash, temporaryChannelId: tempId, fundingSatoshis: channelValueSat, pushMsat,
      dustLimitSatoshis: ourParams.dustLimitSat, maxHtlcValueInFlightMsat: ourParams.maxHtlcValueInFlightMsat, channelReserveSatoshis: ourParams.channelReserveSat,
      htlcMinimumMsat: ourParams.htlcMinimumMsat, feeratePerKw: feerate, toSelfDelay: ourParams.toSelfDelay, maxAcceptedHtlcs: ourParams.maxAcceptedHtlcs,
      fundingPubkey: pk.fundingPubkey, revocationBasepoint: pk.revocationBasepoint, paymentBasepoint: pk.paymentPoint,
      delayedPaymentBasepoint: pk.delayedPaymentBasepoint, htlcBasepoint: pk.htlcBasepoint,
      firstPerCommitmentPoint: signer.getPerCommitmentPoint((1n << 48n) - 1n), channelFlags: announce ? 1 : 0,
      tlvs: { upfrontShutdownScript: new Uint8Array(0), channelType },
    }));
    return tempId;
  }

  private ourParams(channelValueSat: bigint, theirDust: bigint): SideParams {
    const hc = this.config.channelHandshakeConfig;
    let reserve = (channelValueSat * BigInt(hc.theirChannelReserveProportionalMillionths)) / 1_000_000n;
    for (const floor of [1000n, hc.ourDustLimitSat, theirDust]) if (reserve < floor) reserve = floor;
    return {
      dustLimitSat: hc.ourDustLimitSat,
      // The configured share of the channel, but at least min(channel, 100,000 sat): peers such as Electrum refuse less.
      maxHtlcValueInFlightMsat: maxBig((channelValueSat * 1000n * BigInt(hc.maxInboundHtlcValueInFlightPercent)) / 100n, minBig(channelValueSat * 1000n, 100_000_000n)),
      channelReserveSat: reserve,
      htlcMinimumMsat: hc.ourHtlcMinimumMsat,
      toSelfDelay: hc.ourToSelfDelay,
      maxAcceptedHtlcs: hc.ourMaxAcceptedHtlcs,
    };
  }

  /** Accepts an inbound channel raised by an `OpenChannelRequest` event. */
  acceptInboundChannel(temporaryChannelId: Uint8Array, theirNodeId: Uint8Array, userChannelId: bigint): void {
    const ch = this.find(theirNodeId, temporaryChannelId);
    if (!ch || ch.s.phase !== 'InboundAwaitingUser') throw new ApiError('no inbound channel request with that id');
    (ch.s as { userChannelId: bigint }).userChannelId = userChannelId;
    this.sendAccept(ch);
  }

  /** Rejects an inbound channel request: the peer gets an `error` for that channel. */
  rejectInboundChannel(temporaryChannelId: Uint8Array, theirNodeId: Uint8Array): void {
    const ch = this.find(theirNodeId, temporaryChannelId);
    if (!ch || ch.s.phase !== 'InboundAwaitingUser') throw new ApiError('no inbound channel request with that id');
    this.remove(ch);
    this.sendError(theirNodeId, temporaryChannelId, 'channel rejected by the user');
  }

  /** The funding transaction for a `FundingGenerationReady` event (signed, not broadcast: we broadcast it after `funding_signed`). */
  fundingTransactionGenerated(temporaryChannelId: Uint8Array, theirNodeId: Uint8Array, fundingTx: Uint8Array): void {
    const ch = this.find(theirNodeId, temporaryChannelId);
    if (!ch) throw new ApiError('no channel with that temporary id');
    this.guard(ch, () => ch.fundingTransactionGenerated(fundingTx), true);
  }

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

  // ================================================================ payments (BOLT 4)

  /**
   * Pays along caller-supplied paths (e.g. from `@ln/router`'s `findRoute`, with absolute
   * `cltvExpiry`). The first hop of each path is our channel with that `shortChannelId`.
   * `paymentId` (32 bytes) makes it idempotent: a second call with an id in use throws
   * `PaymentSendError('duplicate_payment')`. Nothing is sent if any path is unusable.
   * Results: `PaymentSent` + `PaymentPathSuccessful`, or `PaymentPathFailed` per failed part
   * (retry with {@link ChannelManager.sendPaymentAlongPaths} or {@link ChannelManager.abandonPayment}),
   * then `PaymentFailed`.
   * @throws PaymentSendError
   */
  sendPayment(paths: readonly PaymentPath[], paymentHash: Uint8Array, onion: RecipientOnionFields, paymentId: Uint8Array): void {
    this.payments.sendPayment(paths, paymentHash, onion, paymentId);
  }

  /** Keysend (bLIP 3, TLV 5482373484): pays with a preimage we choose (random if not given). Returns the payment hash. */
  sendSpontaneousPayment(paths: readonly PaymentPath[], paymentPreimage: Uint8Array | undefined, onion: RecipientOnionFields, paymentId: Uint8Array): Uint8Array {
    return this.payments.sendSpontaneousPayment(paths, paymentPreimage, onion, paymentId);
  }

  /** Adds parts to a pending payment (a retry after `PaymentPathFailed`: same hash, secret and total). @throws PaymentSendError */
  sendPaymentAlongPaths(paymentId: Uint8Array, paths: readonly PaymentPath[]): void {
    this.payments.out.retry(paymentId, paths);
  }

  /** No more retries for a payment: `PaymentFailed` (`UserAbandoned`) once no part is in flight. */
  abandonPayment(paymentId: Uint8Array): void {
    this.payments.out.abandon(paymentId);
  }

  /** Outbound payments not finished yet. */
  listPendingPayments(): readonly OutboundPayment[] {
    return this.payments.out.pending();
  }

  /**
   * A payment hash and secret for an invoice (BOLT 11 `p` and `s`); we keep the preimage.
   * HTLCs are accepted until `invoiceExpirySecs` from now (by the manager's clock) with at
   * least `minFinalCltvExpiryDelta` blocks to go (default 18), for at least `amountMsat`.
   */
  createInboundPayment(amountMsat: bigint | undefined, invoiceExpirySecs: number, minFinalCltvExpiryDelta?: number): { paymentHash: Uint8Array; paymentSecret: Uint8Array } {
    return this.payments.createInboundPayment(amountMsat, invoiceExpirySecs, minFinalCltvExpiryDelta);
  }

  /** Like {@link ChannelManager.createInboundPayment} for a hash whose preimage the caller holds (give it to `claimFunds`). Returns the payment secret. */
  createInboundPaymentForHash(paymentHash: Uint8Array, amountMsat: bigint | undefined, invoiceExpirySecs: number, minFinalCltvExpiryDelta?: number): Uint8Array {
    return this.payments.createInboundPaymentForHash(paymentHash, amountMsat, invoiceExpirySecs, minFinalCltvExpiryDelta);
  }

  /** Claims a `PaymentClaimable` payment: every HTLC of it is fulfilled (the monitors get the preimage first); `PaymentClaimed` follows. */
  claimFunds(paymentPreimage: Uint8Array): void {
    this.payments.claimFunds(paymentPreimage);
  }

  /** Refuses a claimable payment: its HTLCs fail back with `incorrect_or_unknown_payment_details`. */
  failHtlcBackwards(paymentHash: Uint8Array): void {
    this.payments.failHtlcBackwards(paymentHash);
  }

  /** Forwards the HTLCs announced by `PendingHTLCsForwardable` (or fails them back). */
  processPendingHtlcForwards(): void {
    this.payments.in.processForwards();
  }

  /** Funder only: proposes a new commitment feerate to the peer (`update_fee`). */
  updateFee(channelId: Uint8Array, feeratePerKw: number): void {
    const ch = this.channel(channelId);
    if (!ch) throw new ApiError('no channel with that id');
    this.guard(ch, () => sendUpdateFee(ch, feeratePerKw), true);
  }

  /** Every channel not yet closed. */
  listChannels(): ChannelDetails[] {
    return this.channels.filter((c) => c.s.phase !== 'Closed').map((c) => this.details(c));
  }

  /** Channels that can carry a payment now. */
  listUsableChannels(): ChannelDetails[] {
    return this.listChannels().filter((c) => c.isUsable);
  }

  private details(c: Channel): ChannelDetails {
    const s = c.s;
    const funded = s.phase === 'Funded';
    const bal = funded ? commitmentBalances(s, 'local', s.holderCtn) : { toLocalMsat: s.baseToLocalMsat, toRemoteMsat: s.baseToRemoteMsat };
    const theirReserve = s.ourParams.channelReserveSat * 1000n;
    return {
      channelId: s.channelId, counterpartyNodeId: s.counterpartyNodeId, userChannelId: s.userChannelId, phase: s.phase, isOutbound: s.isOutbound,
      isAnnounced: s.announce, isChannelReady: s.channelReadySent && s.channelReadyReceived, isUsable: c.isUsable, channelValueSat: s.channelValueSat,
      ...(s.fundingOutpoint ? { fundingTxo: s.fundingOutpoint } : {}), ...(s.shortChannelId !== undefined ? { shortChannelId: s.shortChannelId } : {}),
      confirmations: funded ? c.fundingDepth() : 0, balanceMsat: bal.toLocalMsat,
      outboundCapacityMsat: c.isUsable ? availableOutboundMsat(c) : 0n,
      nextOutboundHtlcLimitMsat: c.isUsable ? minBig(availableOutboundMsat(c), s.theirParams!.maxHtlcValueInFlightMsat) : 0n,
      nextOutboundHtlcMinimumMsat: s.theirParams?.htlcMinimumMsat ?? 0n,
      ...(s.counterpartyForwardingPolicy ? { counterpartyForwardingInfo: s.counterpartyForwardingPolicy } : {}),
      inboundCapacityMsat: bal.toRemoteMsat > theirReserve ? bal.toRemoteMsat - theirReserve : 0n,
      isClosing: !!s.closing,
    };
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

  private find(nodeId: Uint8Array, id: Uint8Array): Channel | undefined {
    return this.channels.find((c) => equalBytes(c.peer, nodeId) && (equalBytes(c.channelId, id) || equalBytes(c.s.temporaryChannelId, id)));
  }

  private remove(ch: Channel): void {
    this.channels = this.channels.filter((c) => c !== ch);
    if (ch.s.monitorCreated) {
      this.closedMonitors.set(bytesToHex(ch.channelId), { channelId: ch.channelId, latestMonitorUpdateId: ch.s.latestMonitorUpdateId });
      this.payments.channelClosed(ch);
    }
  }

  private sendError(nodeId: Uint8Array, channelId: Uint8Array, message: string): void {
    this.msgEvents.push({ type: 'HandleError', nodeId, action: { type: 'SendErrorMessage', msg: makeMessage('error', { channelId, data: enc.encode(message) }) } });
  }

  /** Closes a channel for `reason`; `broadcast` asks the monitor to publish our latest commitment. */
  private closeWith(ch: Channel, reason: ClosureReason, broadcast: boolean): void {
    const wasFunded = ch.s.phase === 'Funded';
    if (wasFunded) ch.forceClose(broadcast);
    else {
      ch.s.phase = 'Closed';
      if (ch.s.fundingTx && !ch.s.fundingBroadcast) this.events.push({ type: 'DiscardFunding', channelId: ch.channelId, fundingTx: ch.s.fundingTx });
    }
    this.remove(ch);
    this.events.push({
      type: 'ChannelClosed', channelId: ch.channelId, counterpartyNodeId: ch.peer, userChannelId: ch.s.userChannelId, reason, channelCapacitySat: ch.s.channelValueSat,
    });
    this.log.info(`channel ${bytesToHex(ch.channelId)} closed: ${reason.type}${'message' in reason ? `: ${reason.message}` : ''}`);
  }

  /** Runs `f` on a channel; a {@link ChannelError} is turned into the protocol's reaction. */
  private guard(ch: Channel, f: () => void, fromUser = false): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      if (fromUser && e.kind === 'ignore') throw new ApiError(e.message);
      this.react(ch, e);
    }
  }

  private react(ch: Channel, e: ChannelError): void {
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
  private withChannel(nodeId: Uint8Array, id: Uint8Array, what: string, f: (ch: Channel) => void): void {
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

  handleOpenChannel(theirNodeId: Uint8Array, msg: OpenChannel): void {
    const theirInit = this.peers.get(bytesToHex(theirNodeId)) ?? Features.empty();
    const fail = (message: string) => this.sendError(theirNodeId, msg.temporaryChannelId, message);
    if (!this.config.acceptInboundChannels) return fail('we do not accept inbound channels');
    const existing = this.find(theirNodeId, msg.temporaryChannelId);
    if (existing) {
      if (existing.s.phase === 'InboundAwaitingUser' || existing.s.phase === 'InboundAwaitingFundingCreated') this.remove(existing); // BOLT 2: a new open_channel replaces one not yet funded
      else return fail('temporary_channel_id already in use');
    }
    const ourParams = this.ourParams(msg.fundingSatoshis, msg.dustLimitSatoshis);
    let facts: { anchors: boolean; announce: boolean };
    try {
      facts = checkOpenChannel(this.secp, msg, { chainHash: this.opts.chainHash, config: this.config, fees: this.opts.fees, ourParams, theirInit, ourInit: this.providedInitFeatures(theirNodeId) });
    } catch (e) {
      if (e instanceof ChannelError) {
        this.log.warn(`rejecting open_channel: ${e.message}`);
        return fail(e.message);
      }
      throw e;
    }
    const keysId = this.opts.keys.generateChannelKeysId(true, msg.fundingSatoshis, 0n);
    const signer = this.opts.keys.deriveChannelSigner(msg.fundingSatoshis, keysId);
    const s = newState({
      temporaryChannelId: msg.temporaryChannelId, counterpartyNodeId: theirNodeId, userChannelId: 0n, isOutbound: false, announce: facts.announce,
      channelType: msg.tlvs.channelType!, anchors: facts.anchors, channelValueSat: msg.fundingSatoshis, pushMsat: msg.pushMsat, channelKeysId: keysId,
      holderPubkeys: signer.pubkeys, ourParams, minimumDepth: this.config.channelHandshakeConfig.minimumDepth, initialFeeratePerKw: msg.feeratePerKw,
    });
    s.phase = 'InboundAwaitingUser';
    s.connected = true;
    s.theirParams = paramsOf(msg);
    s.counterpartyPubkeys = { fundingPubkey: msg.fundingPubkey, revocationBasepoint: msg.revocationBasepoint, paymentPoint: msg.paymentBasepoint, delayedPaymentBasepoint: msg.delayedPaymentBasepoint, htlcBasepoint: msg.htlcBasepoint };
    s.counterpartyCurrentPoint = msg.firstPerCommitmentPoint;
    if (msg.tlvs.upfrontShutdownScript) s.theirUpfrontShutdownScript = msg.tlvs.upfrontShutdownScript;
    const ch = new Channel(this.ctx, s, signer);
    this.channels.push(ch);
    if (this.config.manuallyAcceptInboundChannels) {
      this.events.push({ type: 'OpenChannelRequest', temporaryChannelId: msg.temporaryChannelId, counterpartyNodeId: theirNodeId, fundingSatoshis: msg.fundingSatoshis, pushMsat: msg.pushMsat, announced: facts.announce, channelType: msg.tlvs.channelType! });
    } else this.sendAccept(ch);
  }

  private sendAccept(ch: Channel): void {
    const s = ch.s;
    const p = s.ourParams;
    const pk = ch.signer.pubkeys;
    s.phase = 'InboundAwaitingFundingCreated';
    ch.send(makeMessage('accept_channel', {
      temporaryChannelId: s.temporaryChannelId, dustLimitSatoshis: p.dustLimitSat, maxHtlcValueInFlightMsat: p.maxHtlcValueInFlightMsat,
      channelReserveSatoshis: p.channelReserveSat, htlcMinimumMsat: p.htlcMinimumMsat, minimumDepth: s.minimumDepth, toSelfDelay: p.toSelfDelay,
      maxAcceptedHtlcs: p.maxAcceptedHtlcs, fundingPubkey: pk.fundingPubkey, revocationBasepoint: pk.revocationBasepoint, paymentBasepoint: pk.paymentPoint,
      delayedPaymentBasepoint: pk.delayedPaymentBasepoint, htlcBasepoint: pk.htlcBasepoint, firstPerCommitmentPoint: ch.signer.getPerCommitmentPoint((1n << 48n) - 1n),
      tlvs: { upfrontShutdownScript: new Uint8Array(0), channelType: s.channelType },
    }));
  }

  handleAcceptChannel(theirNodeId: Uint8Array, msg: AcceptChannel): void {
    this.withChannel(theirNodeId, msg.temporaryChannelId, 'accept_channel', (ch) => {
      const s = ch.s;
      if (s.phase !== 'OutboundAwaitingAccept') throw ChannelError.close(`accept_channel in phase ${s.phase}`);
      checkAcceptChannel(this.secp, msg, { config: this.config, ourParams: s.ourParams, fundingSat: s.channelValueSat, sentChannelType: s.channelType });
      s.theirParams = paramsOf(msg);
      s.counterpartyPubkeys = { fundingPubkey: msg.fundingPubkey, revocationBasepoint: msg.revocationBasepoint, paymentPoint: msg.paymentBasepoint, delayedPaymentBasepoint: msg.delayedPaymentBasepoint, htlcBasepoint: msg.htlcBasepoint };
      s.counterpartyCurrentPoint = msg.firstPerCommitmentPoint;
      s.minimumDepth = msg.minimumDepth;
      if (msg.tlvs.upfrontShutdownScript) s.theirUpfrontShutdownScript = msg.tlvs.upfrontShutdownScript;
      s.phase = 'OutboundAwaitingFunding';
      this.events.push({ type: 'FundingGenerationReady', temporaryChannelId: s.temporaryChannelId, counterpartyNodeId: theirNodeId, channelValueSat: s.channelValueSat, outputScript: fundingOutputScript(ch), userChannelId: s.userChannelId });
    });
  }

  handleFundingCreated(theirNodeId: Uint8Array, msg: FundingCreated): void {
    this.withChannel(theirNodeId, msg.temporaryChannelId, 'funding_created', (ch) => ch.onFundingCreated(msg.fundingTxid, msg.fundingOutputIndex, msg.signature));
  }

  handleFundingSigned(theirNodeId: Uint8Array, msg: FundingSigned): void {
    this.withChannel(theirNodeId, msg.channelId, 'funding_signed', (ch) => ch.onFundingSigned(msg.signature));
  }

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
      }
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

  peerConnected(theirNodeId: Uint8Array, init: Init, _inbound: boolean): boolean {
    const features = Features.fromBytes(init.features);
    this.peers.set(bytesToHex(theirNodeId), features);
    for (const ch of this.channels) if (equalBytes(ch.peer, theirNodeId) && ch.s.phase === 'Funded') ch.peerConnected();
    return true;
  }

  peerDisconnected(theirNodeId: Uint8Array): void {
    this.peers.delete(bytesToHex(theirNodeId));
    // Messages not yet handed to the peer are lost with the connection (reestablish regenerates what matters).
    this.msgEvents = this.msgEvents.filter((e) => e.type === 'BroadcastGossip' || !equalBytes(e.nodeId, theirNodeId));
    for (const ch of [...this.channels]) {
      if (!equalBytes(ch.peer, theirNodeId)) continue;
      if (ch.s.phase === 'Funded') {
        forgetUncommitted(ch);
        ch.peerDisconnected();
      } else {
        // BOLT 2: a channel not yet funded (for the funder: funding_signed not received) is forgotten on disconnection.
        this.closeWith(ch, { type: 'FundingAborted', message: 'peer disconnected before funding' }, false);
      }
    }
  }

  providedInitFeatures(_theirNodeId: Uint8Array): Features {
    let f = Features.empty()
      .withRequired('option_data_loss_protect').withRequired('var_onion_optin').withRequired('option_static_remotekey').withRequired('payment_secret')
      .withOptional('basic_mpp').withOptional('option_upfront_shutdown_script').withRequired('option_channel_type')
      .withOptional('option_shutdown_anysegwit');
    if (this.config.channelHandshakeConfig.negotiateSimpleClose) f = f.withOptional('option_simple_close');
    if (this.config.channelHandshakeConfig.negotiateAnchors) f = f.withOptional('option_anchors');
    return f;
  }

  providedNodeFeatures(): Features {
    return this.providedInitFeatures(new Uint8Array(33));
  }

  getChainHashes(): Uint8Array[] {
    return [this.opts.chainHash];
  }

  // ================================================================ chain

  blockConnected(block: Block, height: number): void {
    this.filteredBlockConnected(block.header, block.transactions.map((tx, index) => ({ index, tx })), height);
  }

  filteredBlockConnected(header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    this.transactionsConfirmed(header, txdata, height);
    this.bestBlockUpdated(header, height);
  }

  blockDisconnected(header: BlockHeader, height: number): void {
    for (const ch of this.channels) {
      if (ch.s.fundingConfirmedHeight !== undefined && ch.s.fundingConfirmedHeight >= height) ch.fundingUnconfirmed();
    }
    this.best = { blockHash: header.prevBlockHash, height: height - 1 };
  }

  transactionsConfirmed(_header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    for (const { index, tx: raw } of txdata) {
      let tx;
      try {
        tx = parseTx(raw);
      } catch {
        continue;
      }
      const txid = txidOf(tx);
      for (const ch of [...this.channels]) {
        const fo = ch.s.fundingOutpoint;
        if (!fo || ch.s.phase !== 'Funded') continue;
        if (equalBytes(fo.txid, txid)) this.guard(ch, () => ch.fundingConfirmed(height, index, raw));
        if (tx.inputs.some((i) => equalBytes(i.prevout.txid, fo.txid) && i.prevout.vout === fo.vout)) {
          // The funding output is spent: a closing or a commitment transaction confirmed.
          this.remove(ch);
          ch.s.phase = 'Closed';
          if (!ch.s.closing?.closingTx) {
            this.events.push({ type: 'ChannelClosed', channelId: ch.channelId, counterpartyNodeId: ch.peer, userChannelId: ch.s.userChannelId, reason: { type: 'CommitmentTxConfirmed' }, channelCapacitySat: ch.s.channelValueSat });
          }
        }
      }
    }
  }

  transactionUnconfirmed(txid: Txid): void {
    for (const ch of this.channels) if (ch.s.fundingOutpoint && equalBytes(ch.s.fundingOutpoint.txid, txid)) ch.fundingUnconfirmed();
  }

  bestBlockUpdated(header: BlockHeader, height: number): void {
    this.best = { blockHash: header.hash, height };
    this.lastBlockTime = Math.max(this.lastBlockTime, header.time);
    for (const ch of [...this.channels]) this.guard(ch, () => ch.bestBlockUpdated());
    this.payments.in.blockConnected(height);
  }

  getRelevantTxids(): RelevantTxid[] {
    return this.channels
      .filter((c) => c.s.fundingOutpoint && c.s.fundingConfirmedHeight !== undefined)
      .map((c) => ({ txid: c.s.fundingOutpoint!.txid, height: c.s.fundingConfirmedHeight! }));
  }

  /** The chain tip we are synced to. */
  currentBestBlock(): BestBlock {
    return this.best;
  }

  // ================================================================ persistence

  /**
   * Serializes every channel (and the tip we are synced to). Persist it after handling
   * messages and blocks; on restart {@link ChannelManager.deserialize} rebuilds the manager,
   * and `channel_reestablish` with each peer resumes the channels.
   */
  serialize(): Uint8Array {
    return encodeState({
      version: SERIAL_VERSION,
      best: { blockHash: this.best.blockHash as Uint8Array, height: this.best.height },
      lastBlockTime: this.lastBlockTime,
      channels: this.channels.filter((c) => c.s.phase === 'Funded' || c.s.phase === 'OutboundAwaitingFundingSigned').map((c) => c.s as unknown as StateValue),
      payments: this.payments.toState(),
      // Events the user has not drained yet survive a restart (those the payments layer regenerates are left out).
      events: this.events.filter((e) => e.type !== 'PendingHTLCsForwardable' && e.type !== 'PaymentClaimable') as unknown as StateValue,
      closedMonitors: [...this.closedMonitors.values()] as unknown as StateValue,
    });
  }

  /** Resolves the monitor updates a channel had in flight when it was persisted (see {@link RestoreOptions}). */
  private replayInFlight(ch: Channel, monitors: RestoreOptions['monitors']): void {
    const pending = ch.s.inFlightUpdates;
    if (!pending?.length || !monitors) return;
    const m = monitors.find((x) => equalBytes(x.channelId, ch.channelId));
    if (!m) return;
    delete ch.s.inFlightUpdates;
    ch.s.completedMonitorUpdateId = m.latestUpdateId < ch.s.completedMonitorUpdateId ? ch.s.completedMonitorUpdateId : m.latestUpdateId;
    for (const u of pending) {
      if (u.updateId <= m.latestUpdateId) continue;
      const status = this.opts.watch.updateChannel(u);
      if (status === 'InProgress') (ch.s.inFlightUpdates ??= []).push(u);
      else if (status === 'Completed') ch.s.completedMonitorUpdateId = u.updateId;
      else this.log.error(`the monitor refused replayed update ${u.updateId} of channel ${bytesToHex(ch.channelId)}`);
    }
  }

  /**
   * Rebuilds a manager from {@link ChannelManager.serialize} bytes. `bestBlock` in `opts` is
   * ignored in favour of the stored tip; replay blocks from there. Channels come back
   * disconnected; `peerConnected` starts their reestablishment.
   */
  static deserialize(bytes: Uint8Array, opts: ChannelManagerOptions, restore: RestoreOptions = {}): ChannelManager {
    const v = decodeState(bytes) as unknown as {
      version: number; best: { blockHash: Uint8Array; height: number }; lastBlockTime: number; channels: ChannelState[]; payments?: StateValue;
      closedMonitors?: { channelId: Uint8Array; latestMonitorUpdateId: bigint }[]; events?: ChannelEvent[];
    };
    if (v.version !== SERIAL_VERSION && v.version !== 1) throw new ApiError(`unsupported ChannelManager format version ${v.version}`);
    const cm = new ChannelManager({ ...opts, bestBlock: v.best as BestBlock });
    cm.lastBlockTime = v.lastBlockTime;
    if (v.payments) cm.payments.fromState(v.payments);
    for (const c of v.closedMonitors ?? []) cm.closedMonitors.set(bytesToHex(c.channelId), c);
    cm.events.push(...(v.events ?? []));
    for (const s of v.channels) {
      if (s.phase === 'OutboundAwaitingFundingSigned') {
        // BOLT 2: the funder that never got funding_signed forgets the channel; the funding inputs may be reused.
        if (s.fundingTx) cm.events.push({ type: 'DiscardFunding', channelId: s.channelId, fundingTx: s.fundingTx });
        cm.events.push({ type: 'ChannelClosed', channelId: s.channelId, counterpartyNodeId: s.counterpartyNodeId, userChannelId: s.userChannelId, reason: { type: 'FundingAborted', message: 'restarted before funding_signed' }, channelCapacitySat: s.channelValueSat });
        continue;
      }
      s.connected = false;
      s.awaitingReestablish = false;
      s.htlcs ??= [];
      s.feeUpdates ??= [];
      s.holdingCell ??= [];
      const signer = opts.keys.deriveChannelSigner(s.channelValueSat, s.channelKeysId);
      // Revoked secrets stay revoked in the re-derived signer.
      if (s.holderCtn > 0n) signer.releaseCommitmentSecret((1n << 48n) - 1n - (s.holderCtn - 1n));
      const ch = new Channel(cm.ctx, s, signer);
      cm.replayInFlight(ch, restore.monitors);
      // A restart is a disconnection: updates not covered by a commitment_signed are forgotten (BOLT 2).
      if (s.phase === 'Funded') forgetUncommitted(ch);
      ch.peerDisconnected();
      cm.channels.push(ch);
    }
    cm.payments.restored();
    return cm;
  }
}

/** What {@link ChannelManager.deserialize} may learn from the monitors loaded beside it. */
export interface RestoreOptions {
  /**
   * The latest update id each loaded monitor has applied (`@ln/monitor`'s
   * `ChainMonitor.listMonitors()` or equivalent). Monitor updates that were in flight when
   * the manager was persisted are then marked durable (the monitor has them) or handed to the
   * `Watch` again (it lacks them). Without it, in-flight updates stay pending until the
   * `Watch` reports them `Completed`.
   */
  readonly monitors?: readonly { readonly channelId: Uint8Array; readonly latestUpdateId: bigint }[];
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function fundingOutputScript(ch: Channel): Uint8Array {
  const script = ch.fundingScript;
  // P2WSH of the 2-of-2 (BOLT 3 "Funding Transaction Output").
  return Uint8Array.from([0x00, 0x20, ...sha256Of(script)]);
}

import { sha256 as sha256Of } from '@ln/crypto';

function newState(p: {
  temporaryChannelId: Uint8Array; counterpartyNodeId: Uint8Array; userChannelId: bigint; isOutbound: boolean; announce: boolean; channelType: Uint8Array;
  anchors: boolean; channelValueSat: bigint; pushMsat: bigint; channelKeysId: Uint8Array; holderPubkeys: ChannelState['holderPubkeys']; ourParams: SideParams;
  minimumDepth: number; initialFeeratePerKw: number;
}): ChannelState {
  const total = p.channelValueSat * 1000n;
  const funderMsat = total - p.pushMsat;
  return {
    phase: 'OutboundAwaitingAccept', temporaryChannelId: p.temporaryChannelId, channelId: p.temporaryChannelId, counterpartyNodeId: p.counterpartyNodeId,
    userChannelId: p.userChannelId, isOutbound: p.isOutbound, announce: p.announce, channelType: p.channelType, anchors: p.anchors,
    channelValueSat: p.channelValueSat, pushMsat: p.pushMsat, channelKeysId: p.channelKeysId, holderPubkeys: p.holderPubkeys, ourParams: p.ourParams,
    minimumDepth: p.minimumDepth, initialFeeratePerKw: p.initialFeeratePerKw,
    holderCtn: 0n, counterpartyOldestCtn: 0n, counterpartyLatestCtn: 0n,
    baseToLocalMsat: p.isOutbound ? funderMsat : p.pushMsat, baseToRemoteMsat: p.isOutbound ? p.pushMsat : funderMsat, baseFeeratePerKw: p.initialFeeratePerKw,
    htlcs: [], feeUpdates: [], nextOutboundHtlcId: 0n, nextInboundHtlcId: 0n, holdingCell: [],
    latestMonitorUpdateId: 0n, completedMonitorUpdateId: 0n, monitorCreated: false,
    channelReadySent: false, channelReadyReceived: false, announcementSigsSent: false, announced: false, lastUpdateTimestamp: 0,
    connected: false, awaitingReestablish: false,
  };
}
