/**
 * Inbound HTLCs once they are irrevocably committed: peel the onion (BOLT 4 "Onion
 * Decryption"), then either forward (with our fee and CLTV checks, BOLT 4 "Failure Messages"
 * for a forwarding node), receive (the final node's checks, multi-part sets until `total_msat`,
 * keysend), or fail back with the right failure, encrypted for the sender.
 */
import { equalBytes, sha256 } from '@ln/crypto';
import type { Channel } from '../channel/channel.js';
import type { HtlcRecord } from '../channel/state.js';
import { sendFailHtlc, sendFailMalformedHtlc, sendFulfillHtlc, sendAddHtlc } from '../channel/updates.js';
import { outboundAddProblem } from '../channel/limits.js';
import { ChannelError } from '../errors.js';
import type { HtlcDestination, PaymentPurpose } from '../events.js';
import { OnionError } from '../onion/errors.js';
import { createFailureOnion, wrapFailureOnion } from '../onion/failure.js';
import { BADONION, PERM, encodeFailureMessage, type FailureMessage } from '../onion/failure-messages.js';
import { decodeHopPayload, InvalidOnionPayload, type FinalPayload, type ForwardPayload } from '../onion/hop-payload.js';
import { peelOnion } from '../onion/sphinx.js';
import { decodeInboundMeta, encodeMeta, hex, type PaymentsHost } from './host.js';
import { DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA, FORWARD_WAIT_TICKS, HTLC_FAIL_BACK_BUFFER, MAX_CLTV_EXPIRY_DELTA, MIN_FORWARD_EXPIRY_BLOCKS, MPP_TIMEOUT_TICKS } from './types.js';

/** A payment we expect (`createInboundPayment*`), persisted. */
export interface InboundPaymentRecord {
  readonly paymentHash: Uint8Array;
  readonly paymentSecret: Uint8Array;
  readonly preimage?: Uint8Array;
  readonly amountMsat?: bigint;
  /** Seconds since the epoch after which HTLCs are refused; absent without a clock. */
  readonly expiresAt?: number;
  readonly minFinalCltvExpiryDelta: number;
}

/** One HTLC of a payment to us. */
export interface ClaimablePart {
  readonly channelId: Uint8Array;
  readonly htlcId: bigint;
  readonly amountMsat: bigint;
  readonly amtToForward: bigint;
  readonly cltvExpiry: number;
}

/** The HTLC set of one payment hash (BOLT 4 "Basic Multi-Part Payments"). */
export interface ClaimableSet {
  readonly paymentHash: Uint8Array;
  readonly purpose: PaymentPurpose;
  readonly totalMsat: bigint;
  parts: ClaimablePart[];
  /** Timer ticks since the first part (for `mpp_timeout`). */
  ticks: number;
  /** Complete: `PaymentClaimable` was raised. */
  complete: boolean;
  readonly paymentMetadata?: Uint8Array;
}

/** An HTLC waiting for `processPendingHtlcForwards`. */
export interface PendingForward {
  readonly prevChannelId: Uint8Array;
  readonly prevHtlcId: bigint;
  readonly incomingMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly nextScid: bigint;
  readonly amtToForward: bigint;
  readonly outgoingCltv: number;
  readonly onion: Uint8Array;
  /** Timer ticks it has waited for its outgoing peer to come back. */
  ticks?: number;
}

/** How to fail an inbound HTLC back. */
export type InboundFailure =
  /** A failure we create (we are the erring node). */
  | { readonly msg: Uint8Array }
  /** A return packet from downstream: we wrap it. */
  | { readonly packet: Uint8Array }
  /** The onion was unreadable: `update_fail_malformed_htlc`. */
  | { readonly malformed: number };

const NO_UPDATE = new Uint8Array(0);

/** A failure message by name (BOLT 4). `channel_update`s are left empty, as BOLT 4 now allows. */
export function failureMsg(name: FailureMessage['name'], fields: Record<string, unknown> = {}): InboundFailure {
  return { msg: encodeFailureMessage(name, { channelUpdate: NO_UPDATE, ...fields }) };
}

/** The inbound half of the payments layer. */
export class InboundHtlcs {
  inbound = new Map<string, InboundPaymentRecord>();
  claimable = new Map<string, ClaimableSet>();
  forwards: PendingForward[] = [];
  /** HMACs of the onions we accepted, with the HTLC's expiry (BOLT 4: a replayed onion is refused); pruned once expired. */
  seenOnions = new Map<string, number>();

  constructor(private readonly host: PaymentsHost) {}

  private get height(): number {
    return this.host.ctx.bestBlock().height;
  }

  /** Fails inbound HTLC `htlcId` of channel `channelId` (a closed channel's HTLCs are left to its monitor). */
  fail(channelId: Uint8Array, htlcId: bigint, f: InboundFailure, destination: HtlcDestination): void {
    const ch = this.host.find(channelId);
    const h = ch?.s.htlcs.find((x) => !x.outbound && x.id === htlcId);
    if (!ch || !h || h.removal) return;
    const { ss } = decodeInboundMeta(h.meta);
    this.host.guard(ch, () => {
      if ('malformed' in f) sendFailMalformedHtlc(ch, htlcId, sha256(h.onion), f.malformed);
      else if (!ss) sendFailMalformedHtlc(ch, htlcId, sha256(h.onion), BADONION | PERM | 5);
      else sendFailHtlc(ch, htlcId, 'msg' in f ? createFailureOnion(this.host.onion, ss, f.msg) : wrapFailureOnion(this.host.onion, ss, f.packet));
    });
    this.host.ctx.event({ type: 'HTLCHandlingFailed', prevChannelId: channelId, failedNextDestination: destination });
  }

  /** Fulfills inbound HTLC `htlcId` (the monitor learns the preimage first; on a closed channel only the monitor). */
  fulfill(channelId: Uint8Array, htlcId: bigint, preimage: Uint8Array): void {
    const ch = this.host.find(channelId);
    if (!ch) return this.host.preimageToClosedChannel(channelId, preimage);
    const h = ch.s.htlcs.find((x) => !x.outbound && x.id === htlcId);
    if (!h || h.removal) return;
    this.host.guard(ch, () => sendFulfillHtlc(ch, htlcId, preimage));
  }

  /** An inbound HTLC is irrevocably committed: peel, then forward, receive or fail it. */
  lockedIn(ch: Channel, h: HtlcRecord): void {
    // BOLT 2: a path_key we cannot use (blinded routes are not supported) is answered with
    // update_fail_malformed_htlc invalid_onion_blinding, without peeling.
    if (h.failOnLock === 'blinded_path') return this.fail(ch.channelId, h.id, { malformed: BADONION | PERM | 24 }, { type: 'InvalidOnion' });
    let ss: Uint8Array | undefined;
    const ecdh = (pk: Uint8Array) => (ss = this.host.ctx.nodeSigner.ecdh(pk));
    let peeled;
    try {
      peeled = peelOnion(this.host.onion, h.onion, ecdh, h.paymentHash);
    } catch (e) {
      if (!(e instanceof OnionError)) throw e;
      if (ss) h.meta = encodeMeta({ ss });
      const dest: HtlcDestination = { type: 'InvalidOnion' };
      if (e.code === 'invalid_version') return this.fail(ch.channelId, h.id, { malformed: BADONION | PERM | 4 }, dest);
      if (e.code === 'invalid_public_key') return this.fail(ch.channelId, h.id, { malformed: BADONION | PERM | 6 }, dest);
      if (e.code === 'invalid_hmac' || !ss) return this.fail(ch.channelId, h.id, { malformed: BADONION | PERM | 5 }, dest);
      return this.fail(ch.channelId, h.id, failureMsg('invalid_onion_payload', { type: 0n, offset: 0 }), dest);
    }
    h.meta = encodeMeta({ ss: peeled.sharedSecret });
    // BOLT 4 "Onion Decryption": the same packet (same HMAC) must not be accepted twice.
    const mac = hex(peeled.hmac);
    if (this.seenOnions.has(mac)) return this.fail(ch.channelId, h.id, failureMsg('temporary_node_failure'), { type: 'InvalidOnion' });
    this.seenOnions.set(mac, h.cltvExpiry);
    // Dust exposure: a forwarder says temporary_channel_failure; a final node may not (BOLT 4), it says temporary_node_failure.
    if (h.failOnLock) return this.fail(ch.channelId, h.id, failureMsg(peeled.nextPacket ? 'temporary_channel_failure' : 'temporary_node_failure'), { type: 'FailedPayment', paymentHash: h.paymentHash });
    let payload;
    try {
      payload = decodeHopPayload(peeled.payload, !peeled.nextPacket);
    } catch (e) {
      if (!(e instanceof InvalidOnionPayload)) throw e;
      // BOLT 4: route blinding data at a forwarding node is invalid_onion_blinding (we do not support blinded routes).
      if (peeled.nextPacket && (e.tlvType === 10n || e.tlvType === 12n)) {
        return this.fail(ch.channelId, h.id, failureMsg('invalid_onion_blinding', { sha256OfOnion: sha256(h.onion) }), { type: 'InvalidOnion' });
      }
      return this.fail(ch.channelId, h.id, failureMsg('invalid_onion_payload', { type: e.tlvType, offset: 0 }), { type: 'InvalidOnion' });
    }
    if (payload.kind === 'forward') this.forward(ch, h, payload, peeled.nextPacket!);
    else this.receive(ch, h, payload);
  }

  // ---------------------------------------------------------------- forwarding

  /** A forwarding node's checks (BOLT 4 "Failure Messages", in the order listed there); queues the forward. */
  private forward(ch: Channel, h: HtlcRecord, p: ForwardPayload, nextPacket: Uint8Array): boolean {
    const fail = (f: InboundFailure, d: HtlcDestination = { type: 'UnknownNextHop', requestedScid: p.shortChannelId }) => {
      this.fail(ch.channelId, h.id, f, d);
      return false;
    };
    const next = this.host.channels().find((c) => c.s.phase === 'Funded' && c.s.shortChannelId === p.shortChannelId);
    if (!next) return fail(failureMsg('unknown_next_peer'));
    const dest: HtlcDestination = { type: 'NextHop', nodeId: next.peer, channelId: next.channelId };
    const cfg = this.host.ctx.config.channelConfig;
    if (p.amtToForward < next.s.theirParams!.htlcMinimumMsat) return fail(failureMsg('amount_below_minimum', { htlcMsat: p.amtToForward }), dest);
    const fee = BigInt(cfg.forwardingFeeBaseMsat) + (p.amtToForward * BigInt(cfg.forwardingFeeProportionalMillionths)) / 1_000_000n;
    if (h.amountMsat < p.amtToForward + fee) return fail(failureMsg('fee_insufficient', { htlcMsat: h.amountMsat }), dest);
    if (h.cltvExpiry < p.outgoingCltvValue + cfg.cltvExpiryDelta) return fail(failureMsg('incorrect_cltv_expiry', { cltvExpiry: p.outgoingCltvValue }), dest);
    if (p.outgoingCltvValue <= this.height + MIN_FORWARD_EXPIRY_BLOCKS) return fail(failureMsg('expiry_too_soon'), dest);
    if (next.s.closing || !next.s.channelReadyReceived || !next.s.channelReadySent) return fail(failureMsg('channel_disabled', { disabledFlags: 0 }), dest);
    if (p.outgoingCltvValue > this.height + MAX_CLTV_EXPIRY_DELTA || h.cltvExpiry > this.height + MAX_CLTV_EXPIRY_DELTA + cfg.cltvExpiryDelta) {
      return fail(failureMsg('expiry_too_far'), dest);
    }
    this.forwards.push({
      prevChannelId: ch.channelId, prevHtlcId: h.id, incomingMsat: h.amountMsat, paymentHash: h.paymentHash, nextScid: p.shortChannelId,
      amtToForward: p.amtToForward, outgoingCltv: p.outgoingCltvValue, onion: nextPacket,
    });
    this.announceForwards();
    return true;
  }

  /** Raises `PendingHTLCsForwardable` unless one is already outstanding (not yet followed by `processPendingHtlcForwards`). */
  announceForwards(): void {
    if (this.announced) return;
    this.announced = true;
    this.host.ctx.event({ type: 'PendingHTLCsForwardable' });
  }
  private announced = false;

  /** `processPendingHtlcForwards`: offers every queued forward on its outgoing channel, or fails it back. */
  processForwards(): void {
    this.announced = false;
    const queue = this.forwards;
    this.forwards = [];
    for (const f of queue) {
      const prev = this.host.find(f.prevChannelId);
      const h = prev?.s.htlcs.find((x) => !x.outbound && x.id === f.prevHtlcId);
      if (!prev || !h || h.removal) continue; // the upstream HTLC is gone (its channel closed): its monitor handles it
      const next = this.host.channels().find((c) => c.s.phase === 'Funded' && c.s.shortChannelId === f.nextScid);
      if (!next) {
        this.fail(f.prevChannelId, f.prevHtlcId, failureMsg('unknown_next_peer'), { type: 'UnknownNextHop', requestedScid: f.nextScid });
        continue;
      }
      const dest: HtlcDestination = { type: 'NextHop', nodeId: next.peer, channelId: next.channelId };
      if (next.s.closing) {
        this.fail(f.prevChannelId, f.prevHtlcId, failureMsg('channel_disabled', { disabledFlags: 0 }), dest);
        continue;
      }
      if (f.outgoingCltv <= this.height + MIN_FORWARD_EXPIRY_BLOCKS) {
        this.fail(f.prevChannelId, f.prevHtlcId, failureMsg('expiry_too_soon'), dest);
        continue;
      }
      if (!next.isUsable && !next.s.connected && (f.ticks ?? 0) < FORWARD_WAIT_TICKS) {
        // The outgoing peer is away (e.g. we just restarted): wait a little for it to reconnect.
        this.forwards.push(f);
        continue;
      }
      const problem = next.isUsable ? outboundAddProblem(next, f.amtToForward) : { code: 'unusable', message: 'peer disconnected' };
      if (problem) {
        const msg = problem.code === 'below_minimum' ? failureMsg('amount_below_minimum', { htlcMsat: f.amtToForward }) : failureMsg('temporary_channel_failure');
        this.fail(f.prevChannelId, f.prevHtlcId, msg, dest);
        continue;
      }
      const meta = encodeMeta({ k: 'fwd', prevChannelId: f.prevChannelId, htlcId: f.prevHtlcId, incomingMsat: f.incomingMsat });
      try {
        sendAddHtlc(next, f.amtToForward, f.paymentHash, f.outgoingCltv, f.onion, meta);
      } catch (e) {
        if (!(e instanceof ChannelError)) throw e;
        this.fail(f.prevChannelId, f.prevHtlcId, failureMsg('temporary_channel_failure'), dest);
      }
    }
  }

  // ---------------------------------------------------------------- receiving

  /** The final node's checks (BOLT 4 "Payload Format" reader and "Failure Messages" for the final node), then the HTLC set. */
  private receive(ch: Channel, h: HtlcRecord, p: FinalPayload): void {
    const height = this.height;
    const fail = (f: InboundFailure) => this.fail(ch.channelId, h.id, f, { type: 'FailedPayment', paymentHash: h.paymentHash });
    const details = () => fail(failureMsg('incorrect_or_unknown_payment_details', { htlcMsat: h.amountMsat, height }));
    if (h.cltvExpiry < p.outgoingCltvValue) return fail(failureMsg('final_incorrect_cltv_expiry', { cltvExpiry: h.cltvExpiry }));
    if (h.amountMsat < p.amtToForward) return fail(failureMsg('final_incorrect_htlc_amount', { incomingHtlcAmt: h.amountMsat }));
    let purpose: PaymentPurpose;
    let minDelta = DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA;
    if (p.keysendPreimage) {
      if (!equalBytes(sha256(p.keysendPreimage), h.paymentHash)) return details();
      // Without a payment secret a keysend cannot be multi-part (nothing ties the parts together safely).
      if (!p.paymentSecret && p.totalMsat !== p.amtToForward) return details();
      purpose = { type: 'SpontaneousPayment', paymentPreimage: p.keysendPreimage };
    } else {
      const rec = this.inbound.get(hex(h.paymentHash));
      if (!rec || !p.paymentSecret || !equalBytes(p.paymentSecret, rec.paymentSecret)) return details();
      if (rec.expiresAt !== undefined && this.host.ctx.now() > rec.expiresAt) return details();
      if (rec.amountMsat !== undefined && (p.totalMsat < rec.amountMsat || p.totalMsat > 2n * rec.amountMsat)) return details();
      minDelta = rec.minFinalCltvExpiryDelta;
      purpose = { type: 'InvoicePayment', paymentSecret: rec.paymentSecret, ...(rec.preimage ? { paymentPreimage: rec.preimage } : {}) };
    }
    if (h.cltvExpiry < height + minDelta) return details();
    // An unreasonably far expiry (BOLT 2 SHOULD fail; a final node may not say expiry_too_far).
    if (h.cltvExpiry > height + MAX_CLTV_EXPIRY_DELTA) return details();
    const key = hex(h.paymentHash);
    let set = this.claimable.get(key);
    if (set && (set.complete || set.purpose.type !== purpose.type)) return details();
    if (set && set.totalMsat !== p.totalMsat) {
      // BOLT 4: SHOULD fail the entire HTLC set if total_msat is not the same for all HTLCs.
      details();
      this.failSet(set, (x) => failureMsg('incorrect_or_unknown_payment_details', { htlcMsat: x.amountMsat, height }));
      return;
    }
    // Keysend parts need a payment secret to be joined into one set (checked above for secret-less ones).
    if (set && purpose.type === 'SpontaneousPayment' && !p.paymentSecret) return details();
    if (!set) {
      set = { paymentHash: h.paymentHash, purpose, totalMsat: p.totalMsat, parts: [], ticks: 0, complete: false, ...(p.paymentMetadata ? { paymentMetadata: p.paymentMetadata } : {}) };
      this.claimable.set(key, set);
    }
    set.parts.push({ channelId: ch.channelId, htlcId: h.id, amountMsat: h.amountMsat, amtToForward: p.amtToForward, cltvExpiry: h.cltvExpiry });
    const sum = set.parts.reduce((a, x) => a + x.amtToForward, 0n);
    if (sum < set.totalMsat) return;
    set.complete = true;
    this.announceClaimable(set);
  }

  /** Raises `PaymentClaimable` for a complete set. */
  announceClaimable(set: ClaimableSet): void {
    const minExpiry = Math.min(...set.parts.map((x) => x.cltvExpiry));
    const viaChannelIds: Uint8Array[] = [];
    for (const x of set.parts) if (!viaChannelIds.some((c) => equalBytes(c, x.channelId))) viaChannelIds.push(x.channelId);
    this.host.ctx.event({
      type: 'PaymentClaimable', paymentHash: set.paymentHash, amountMsat: set.parts.reduce((a, x) => a + x.amountMsat, 0n), purpose: set.purpose,
      viaChannelIds, claimDeadline: minExpiry - HTLC_FAIL_BACK_BUFFER, ...(set.paymentMetadata ? { paymentMetadata: set.paymentMetadata } : {}),
    });
  }

  /** Fails every HTLC of a set with `f` and forgets the set. */
  failSet(set: ClaimableSet, f: (part: ClaimablePart) => InboundFailure): void {
    this.claimable.delete(hex(set.paymentHash));
    for (const x of set.parts) this.fail(x.channelId, x.htlcId, f(x), { type: 'FailedPayment', paymentHash: set.paymentHash });
  }

  /** A channel finished reestablishing: forwards that waited for its peer can go now. */
  channelReconnected(ch: Channel): void {
    if (this.forwards.some((f) => f.nextScid === ch.s.shortChannelId)) this.announceForwards();
  }

  /** Timer tick: incomplete HTLC sets time out with `mpp_timeout`; expired invoices are forgotten; forwards waiting for a peer age. */
  tick(): void {
    let aged = false;
    for (const f of this.forwards) {
      f.ticks = (f.ticks ?? 0) + 1;
      if (f.ticks >= FORWARD_WAIT_TICKS) aged = true;
    }
    if (aged) this.announceForwards();
    for (const set of [...this.claimable.values()]) {
      if (!set.complete && ++set.ticks >= MPP_TIMEOUT_TICKS) this.failSet(set, () => failureMsg('mpp_timeout'));
    }
    const now = this.host.ctx.now();
    for (const [k, r] of this.inbound) if (r.expiresAt !== undefined && now > r.expiresAt + 3600 && !this.claimable.has(k)) this.inbound.delete(k);
  }

  /** New tip: HTLCs to us that nobody claimed fail back before their expiry gets close (BOLT 2 "fulfillment deadline"). */
  blockConnected(height: number): void {
    for (const [k, expiry] of this.seenOnions) if (expiry < height) this.seenOnions.delete(k);
    for (const set of [...this.claimable.values()]) {
      if (set.parts.some((x) => x.cltvExpiry <= height + HTLC_FAIL_BACK_BUFFER)) {
        this.failSet(set, (x) => failureMsg('incorrect_or_unknown_payment_details', { htlcMsat: x.amountMsat, height }));
      }
    }
  }
}
