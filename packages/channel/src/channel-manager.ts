/**
 * `ChannelManager`: holds every channel of a node, implements `ChannelMessageHandler` (BOLT 2
 * messages from `PeerManager`), `Listen` and `Confirm` (blocks), and exposes the channel and
 * payment API (the seed's `ChannelManager`). It talks to monitors only through the `Watch` seam.
 *
 * It never starts timers or sockets: the caller feeds messages, blocks and timer ticks, and
 * drains {@link ChannelManager.getAndClearPendingMsgEvents} (for `PeerManager`) and
 * {@link ChannelManager.getAndClearPendingEvents} (for the user).
 */
import type { BestBlock, Confirm, Listen } from '@ln/chain-interfaces';
import { bytesToHex, equalBytes } from '@ln/crypto';
import type { ChannelMessageHandler } from '@ln/wire';
import { Channel } from './channel/channel.js';
import type { ChannelState } from './channel/state.js';
import { forgetUncommitted, sendUpdateFee } from './channel/updates.js';
import { ApiError } from './errors.js';
import type { ChannelEvent } from './events.js';
import { ChannelManagerChain } from './manager-chain.js';
import type { ChannelManagerOptions, RestoreOptions } from './manager-types.js';
import type { OutboundPayment } from './payments/outbound.js';
import type { PaymentPath, RecipientOnionFields } from './payments/types.js';
import { decodeState, encodeState, StateDecodeError, type StateValue } from './serde.js';

export type { ChannelManagerOptions, ChannelDetails, RestoreOptions } from './manager-types.js';

/** Format version of {@link ChannelManager.serialize} (2 adds the payments state; 1 still loads). */
const SERIAL_VERSION = 2;

/** The seed's `ChannelManager`: channels, payments, forwarding, persistence. */
export class ChannelManager extends ChannelManagerChain implements ChannelMessageHandler, Listen, Confirm {
  // ================================================================ payments (BOLT 4)

  /**
   * Pays along caller-supplied paths (e.g. from `@ln/router`'s `findRoute`, with absolute
   * `cltvExpiry`). The first hop of each path is our channel with that `shortChannelId`.
   * `paymentId` (32 bytes) makes it idempotent: a second call with an id in use throws
   * `PaymentSendError('duplicate_payment')`. Nothing is sent, and nothing registered, if any path
   * is unusable or malformed (`invalid_path`: hop fields outside their BOLT 2/BOLT 4 wire types,
   * e.g. a negative `cltvExpiry`, or an onion that cannot be built).
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
      // Channels still being negotiated are not kept across a restart; the user hears that they closed.
      unfunded: this.channels.filter((c) => c.s.phase !== 'Funded' && c.s.phase !== 'OutboundAwaitingFundingSigned' && c.s.phase !== 'Closed').map((c) => ({
        channelId: c.s.temporaryChannelId, counterpartyNodeId: c.s.counterpartyNodeId, userChannelId: c.s.userChannelId, channelValueSat: c.s.channelValueSat,
      })) as unknown as StateValue,
      // Events the user has not drained yet survive a restart (those the payments layer regenerates are left out).
      events: this.events.filter((e) => e.type !== 'PendingHTLCsForwardable' && e.type !== 'PaymentClaimable') as unknown as StateValue,
      closedMonitors: [...this.closedMonitors.values()] as unknown as StateValue,
    });
  }

  /** Resolves the monitor updates a channel had in flight when it was persisted (see {@link RestoreOptions}). */
  private replayInFlight(ch: Channel, monitors: RestoreOptions['monitors']): 'ok' | 'stale' | bigint {
    const m = monitors?.find((x) => equalBytes(x.channelId, ch.channelId));
    if (!m) return 'ok';
    if (m.latestUpdateId > ch.s.latestMonitorUpdateId) {
      // The monitor saw updates this (older) manager never made: its state may be newer than ours. As LDK does, stop
      // the channel and let the monitor act from its own (latest) state.
      ch.s.latestMonitorUpdateId = ch.s.completedMonitorUpdateId = m.latestUpdateId;
      delete ch.s.inFlightUpdates;
      return 'stale';
    }
    const pending = ch.s.inFlightUpdates ?? [];
    delete ch.s.inFlightUpdates;
    let done = m.latestUpdateId > ch.s.completedMonitorUpdateId ? m.latestUpdateId : ch.s.completedMonitorUpdateId;
    const still: typeof pending = [];
    for (const u of pending) {
      if (u.updateId <= m.latestUpdateId) continue;
      const status = this.opts.watch.updateChannel(u);
      if (status === 'InProgress') still.push(u);
      else if (status === 'Completed') done = u.updateId;
      else this.log.error(`the monitor refused replayed update ${u.updateId} of channel ${bytesToHex(ch.channelId)}`);
    }
    if (still.length) ch.s.inFlightUpdates = still;
    // What waited for these updates (the funding broadcast, HTLCs to forward...) proceeds once every channel is loaded.
    return done;
    return 'ok';
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
      unfunded?: { channelId: Uint8Array; counterpartyNodeId: Uint8Array; userChannelId: bigint; channelValueSat: bigint }[];
    };
    if (v.version !== SERIAL_VERSION && v.version !== 1) throw new ApiError(`unsupported ChannelManager format version ${v.version}`);
    const cm = new ChannelManager({ ...opts, bestBlock: v.best as BestBlock });
    cm.lastBlockTime = v.lastBlockTime;
    if (v.payments) cm.payments.fromState(v.payments);
    for (const c of v.closedMonitors ?? []) cm.closedMonitors.set(bytesToHex(c.channelId), c);
    // Events about channels that did not survive the restart (still being negotiated) are dropped; they close instead.
    cm.events.push(...(v.events ?? []).filter((e) => e.type !== 'FundingGenerationReady' && e.type !== 'OpenChannelRequest'));
    for (const u of v.unfunded ?? []) {
      cm.events.push({ type: 'ChannelClosed', channelId: u.channelId, counterpartyNodeId: u.counterpartyNodeId, userChannelId: u.userChannelId, reason: { type: 'FundingAborted', message: 'restarted before the channel was funded' }, channelCapacitySat: u.channelValueSat });
    }
    const stale: Channel[] = [];
    const durable: [Channel, bigint][] = [];
    for (const s of v.channels) {
      if (s.phase === 'OutboundAwaitingFundingSigned') {
        // BOLT 2: the funder that never got funding_signed forgets the channel; the funding inputs may be reused.
        if (s.fundingTx) cm.events.push({ type: 'DiscardFunding', channelId: s.channelId, fundingTx: s.fundingTx });
        cm.events.push({ type: 'ChannelClosed', channelId: s.channelId, counterpartyNodeId: s.counterpartyNodeId, userChannelId: s.userChannelId, reason: { type: 'FundingAborted', message: 'restarted before funding_signed' }, channelCapacitySat: s.channelValueSat });
        continue;
      }
      if (!s.monitorCreated) throw new StateDecodeError(`channel ${bytesToHex(s.channelId)} is funded but has no monitor: the state is corrupt`);
      s.connected = false;
      s.awaitingReestablish = false;
      s.htlcs ??= [];
      s.feeUpdates ??= [];
      s.holdingCell ??= [];
      const signer = opts.keys.deriveChannelSigner(s.channelValueSat, s.channelKeysId);
      // Revoked secrets stay revoked in the re-derived signer.
      if (s.holderCtn > 0n) signer.releaseCommitmentSecret((1n << 48n) - 1n - (s.holderCtn - 1n));
      const ch = new Channel(cm.ctx, s, signer);
      const r = cm.replayInFlight(ch, restore.monitors);
      if (r === 'stale') stale.push(ch);
      else if (typeof r === 'bigint') durable.push([ch, r]);
      // A restart is a disconnection: updates not covered by a commitment_signed are forgotten (BOLT 2).
      if (s.phase === 'Funded') forgetUncommitted(ch);
      ch.peerDisconnected();
      cm.channels.push(ch);
    }
    // Now that every channel and the payments state are loaded, resume what waited on the updates the monitors have.
    for (const [ch, done] of durable) cm.guard(ch, () => ch.monitorUpdateCompleted(done));
    for (const ch of stale) cm.closeWith(ch, { type: 'ProcessingError', message: 'the channel monitor is ahead of this ChannelManager (restored from an older state)' }, true);
    cm.payments.restored();
    return cm;
  }
}
