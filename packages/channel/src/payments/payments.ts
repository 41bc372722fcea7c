/**
 * The payments layer of a `ChannelManager`: it hears HTLC lock-ins and resolutions from the
 * channels' update logs (`HtlcHooks`), and drives outbound payments, receiving and
 * forwarding. Its state is plain data persisted with the manager.
 */
import { equalBytes, sha256 } from '@ln/crypto';
import type { MonitorEvent } from '@ln/chain-interfaces';
import type { Channel } from '../channel/channel.js';
import type { HoldingCellUpdate, HtlcRecord } from '../channel/state.js';
import type { HtlcHooks } from '../channel/updates.js';
import { ApiError } from '../errors.js';
import type { StateValue } from '../serde.js';
import { decodeOutboundSource, hex, htlcKey, type OutboundSource, type PaymentsHost } from './host.js';
import { failureMsg, InboundHtlcs, type ClaimableSet, type InboundPaymentRecord, type PendingForward } from './inbound.js';
import { OutboundPayments, type OutboundPayment } from './outbound.js';
import { DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA, type PaymentPath, type RecipientOnionFields } from './types.js';

/** An outbound HTLC of a closed channel, waiting for its monitor to resolve it on chain. */
interface OnChainHtlc {
  readonly channelId: Uint8Array;
  readonly htlcId: bigint;
  readonly source: OutboundSource;
  readonly amountMsat: bigint;
}

/** The payments layer. */
export class Payments implements HtlcHooks {
  readonly out: OutboundPayments;
  readonly in: InboundHtlcs;
  private onChain = new Map<string, OnChainHtlc>();

  constructor(private readonly host: PaymentsHost) {
    this.out = new OutboundPayments(host);
    this.in = new InboundHtlcs(host);
  }

  // ---------------------------------------------------------------- HtlcHooks

  inboundLockedIn(ch: Channel, h: HtlcRecord): void {
    this.in.lockedIn(ch, h);
  }

  outboundFulfilled(ch: Channel, h: HtlcRecord, preimage: Uint8Array): void {
    const src = decodeOutboundSource(h.meta);
    if (src) this.resolved(src, ch.channelId, h.amountMsat, { preimage }, h, false);
  }

  outboundFailed(ch: Channel, h: HtlcRecord): void {
    const src = decodeOutboundSource(h.meta);
    if (src) this.resolved(src, ch.channelId, h.amountMsat, { htlc: h }, h, false);
  }

  holdingCellAddFailed(ch: Channel, u: Extract<HoldingCellUpdate, { type: 'add' }>, reason: string): void {
    const src = decodeOutboundSource(u.meta);
    if (src) this.resolved(src, ch.channelId, u.amountMsat, { local: reason }, undefined, false);
  }

  /** An outbound HTLC is resolved: succeed or fail the payment part, or settle the forward upstream. */
  private resolved(
    src: OutboundSource, channelId: Uint8Array, amountMsat: bigint,
    how: { preimage: Uint8Array } | { htlc: HtlcRecord } | { local: string } | { onChain: true }, h: HtlcRecord | undefined, onChain: boolean,
  ): void {
    if (src.k === 'pay') {
      if ('preimage' in how) this.out.fulfilled(src.paymentId, src.part, how.preimage);
      else this.out.failed(src.paymentId, src.part, how);
      return;
    }
    if ('preimage' in how) {
      this.in.fulfill(src.prevChannelId, src.htlcId, how.preimage);
      this.host.ctx.event({
        type: 'PaymentForwarded', prevChannelId: src.prevChannelId, nextChannelId: channelId, feeEarnedMsat: src.incomingMsat - amountMsat,
        outboundAmountForwardedMsat: amountMsat, claimedOnChain: onChain,
      });
      return;
    }
    const dest = { type: 'NextHop' as const, channelId };
    const r = h?.removal;
    if (r?.kind === 'fail') this.in.fail(src.prevChannelId, src.htlcId, { packet: r.reason }, dest);
    else if (r?.kind === 'malformed') {
      // BOLT 4: the node that gets update_fail_malformed_htlc returns the failure_code with sha256_of_onion as its own error.
      const msg = new Uint8Array(2 + 32);
      msg[0] = r.failureCode >> 8;
      msg[1] = r.failureCode & 0xff;
      msg.set(r.sha256OfOnion, 2);
      this.in.fail(src.prevChannelId, src.htlcId, { msg }, dest);
    } else if ('onChain' in how) this.in.fail(src.prevChannelId, src.htlcId, failureMsg('permanent_channel_failure'), dest);
    else this.in.fail(src.prevChannelId, src.htlcId, failureMsg('temporary_channel_failure'), dest);
  }

  // ---------------------------------------------------------------- channel closure and monitor events

  /**
   * A channel closed. Adds that never reached the counterparty's commitment fail back now;
   * outbound HTLCs on a commitment wait for the monitor's `HtlcResolved`.
   */
  channelClosed(ch: Channel): void {
    const s = ch.s;
    for (const u of s.holdingCell) if (u.type === 'add') this.holdingCellAddFailed(ch, u, 'channel closed');
    s.holdingCell = [];
    for (const h of s.htlcs) {
      if (!h.outbound || h.removal?.kind === 'fulfill' || h.notified) continue;
      const src = decodeOutboundSource(h.meta);
      if (!src) continue;
      if (h.addRemote === undefined || h.addRemote > s.counterpartyLatestCtn) {
        this.resolved(src, ch.channelId, h.amountMsat, { local: 'channel closed before the HTLC was committed' }, undefined, false);
      } else {
        this.onChain.set(htlcKey(ch.channelId, h.id), { channelId: ch.channelId, htlcId: h.id, source: src, amountMsat: h.amountMsat });
      }
    }
  }

  /** `HtlcResolved` from a monitor: with a preimage claim upstream, without fail upstream. */
  monitorEvent(ev: Extract<MonitorEvent, { type: 'HtlcResolved' }>): void {
    const key = htlcKey(ev.channelId, ev.htlcId);
    const pending = this.onChain.get(key);
    if (pending) {
      this.onChain.delete(key);
      this.resolved(pending.source, ev.channelId, pending.amountMsat, ev.paymentPreimage ? { preimage: ev.paymentPreimage } : { onChain: true }, undefined, true);
      return;
    }
    // A preimage learned on chain while the channel is still open: use it upstream at once.
    const ch = this.host.find(ev.channelId);
    const h = ch?.s.htlcs.find((x) => x.outbound && x.id === ev.htlcId);
    if (ch && h && ev.paymentPreimage && equalBytes(sha256(ev.paymentPreimage), h.paymentHash)) {
      const src = decodeOutboundSource(h.meta);
      if (src) this.resolved(src, ch.channelId, h.amountMsat, { preimage: ev.paymentPreimage }, h, true);
    }
  }

  // ---------------------------------------------------------------- receiving API

  createInboundPayment(amountMsat: bigint | undefined, invoiceExpirySecs: number, minFinalCltvExpiryDelta?: number): { paymentHash: Uint8Array; paymentSecret: Uint8Array } {
    const preimage = this.host.random();
    const paymentHash = sha256(preimage);
    const paymentSecret = this.register(paymentHash, preimage, amountMsat, invoiceExpirySecs, minFinalCltvExpiryDelta);
    return { paymentHash, paymentSecret };
  }

  createInboundPaymentForHash(paymentHash: Uint8Array, amountMsat: bigint | undefined, invoiceExpirySecs: number, minFinalCltvExpiryDelta?: number): Uint8Array {
    if (paymentHash.length !== 32) throw new ApiError('payment hash must be 32 bytes');
    return this.register(paymentHash, undefined, amountMsat, invoiceExpirySecs, minFinalCltvExpiryDelta);
  }

  private register(paymentHash: Uint8Array, preimage: Uint8Array | undefined, amountMsat: bigint | undefined, expirySecs: number, minDelta?: number): Uint8Array {
    if (this.in.inbound.has(hex(paymentHash))) throw new ApiError('an inbound payment with that hash already exists');
    if (amountMsat !== undefined && amountMsat <= 0n) throw new ApiError('amount must be positive');
    const paymentSecret = this.host.random();
    const now = this.host.ctx.now();
    const rec: InboundPaymentRecord = {
      paymentHash, paymentSecret, minFinalCltvExpiryDelta: minDelta ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA,
      ...(preimage ? { preimage } : {}), ...(amountMsat !== undefined ? { amountMsat } : {}), ...(now > 0 ? { expiresAt: now + expirySecs } : {}),
    };
    this.in.inbound.set(hex(paymentHash), rec);
    return paymentSecret;
  }

  claimFunds(preimage: Uint8Array): void {
    const hash = sha256(preimage);
    const set = this.in.claimable.get(hex(hash));
    if (!set || !set.complete) throw new ApiError('no claimable payment for that preimage');
    this.in.claimable.delete(hex(hash));
    this.in.inbound.delete(hex(hash));
    for (const x of set.parts) this.in.fulfill(x.channelId, x.htlcId, preimage);
    const purpose = set.purpose.type === 'InvoicePayment' ? { ...set.purpose, paymentPreimage: preimage } : set.purpose;
    this.host.ctx.event({ type: 'PaymentClaimed', paymentHash: hash, amountMsat: set.parts.reduce((a, x) => a + x.amountMsat, 0n), purpose });
  }

  failHtlcBackwards(paymentHash: Uint8Array): void {
    const set = this.in.claimable.get(hex(paymentHash));
    if (!set) return;
    const height = this.host.ctx.bestBlock().height;
    this.in.failSet(set, (x) => failureMsg('incorrect_or_unknown_payment_details', { htlcMsat: x.amountMsat, height }));
  }

  // ---------------------------------------------------------------- sending API

  sendPayment(paths: readonly PaymentPath[], paymentHash: Uint8Array, onion: RecipientOnionFields, paymentId: Uint8Array): void {
    this.out.send(paths, paymentHash, onion, paymentId);
  }

  sendSpontaneousPayment(paths: readonly PaymentPath[], paymentPreimage: Uint8Array | undefined, onion: RecipientOnionFields, paymentId: Uint8Array): Uint8Array {
    const preimage = paymentPreimage ?? this.host.random();
    const hash = sha256(preimage);
    this.out.send(paths, hash, onion, paymentId, preimage);
    return hash;
  }

  tick(): void {
    this.out.tick();
    this.in.tick();
  }

  // ---------------------------------------------------------------- persistence

  /** The whole payments state, as plain data. */
  toState(): StateValue {
    return {
      outbound: [...this.out.payments.values()] as unknown as StateValue,
      inbound: [...this.in.inbound.values()] as unknown as StateValue,
      claimable: [...this.in.claimable.values()] as unknown as StateValue,
      forwards: this.in.forwards as unknown as StateValue,
      onChain: [...this.onChain.values()] as unknown as StateValue,
      seenOnions: [...this.in.seenOnions].map(([k, v]) => [k, v]) as unknown as StateValue,
    };
  }

  /** After a restart: what still waits for the user is announced again (forwards to process, payments to claim). */
  restored(): void {
    if (this.in.forwards.length) this.in.announceForwards();
    for (const set of this.in.claimable.values()) if (set.complete) this.in.announceClaimable(set);
  }

  /** Restores {@link Payments.toState}. */
  fromState(v: StateValue): void {
    const st = v as unknown as {
      outbound: OutboundPayment[]; inbound: InboundPaymentRecord[]; claimable: ClaimableSet[]; forwards: PendingForward[]; onChain: OnChainHtlc[];
      seenOnions?: [string, number][];
    };
    for (const [k, v] of st.seenOnions ?? []) this.in.seenOnions.set(k, v);
    for (const p of st.outbound ?? []) this.out.payments.set(hex(p.paymentId), p);
    for (const r of st.inbound ?? []) this.in.inbound.set(hex(r.paymentHash), r);
    for (const c of st.claimable ?? []) this.in.claimable.set(hex(c.paymentHash), c);
    this.in.forwards = st.forwards ?? [];
    for (const o of st.onChain ?? []) this.onChain.set(htlcKey(o.channelId, o.htlcId), o);
  }
}
