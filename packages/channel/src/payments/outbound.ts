/**
 * Outbound payments: building the onion for each caller-supplied path (BOLT 4 "Packet
 * Construction" with TLV hop payloads), sending its first HTLC, and turning fulfills and
 * failures of the parts into `PaymentSent`/`PaymentPathSuccessful`/`PaymentPathFailed`/
 * `PaymentFailed`, decoding the failing hop and reason from the return packet (BOLT 4
 * "Returning Errors", origin node). Payment ids make sending idempotent.
 */
import { equalBytes, sha256 } from '@ln/crypto';
import { DecodeError } from '@ln/wire';
import { sendAddHtlc } from '../channel/updates.js';
import { outboundAddProblem } from '../channel/limits.js';
import type { Channel } from '../channel/channel.js';
import type { HtlcRecord } from '../channel/state.js';
import { ChannelError } from '../errors.js';
import type { PaymentPathFailure } from '../events.js';
import { decodeFailureOnion } from '../onion/failure.js';
import { decodeFailureMessage, FAILURES, NODE } from '../onion/failure-messages.js';
import { encodeHopPayload, type HopPayload } from '../onion/hop-payload.js';
import { computeHopSecrets } from '../onion/keys.js';
import { createOnion } from '../onion/sphinx.js';
import { encodeMeta, hex, type PaymentsHost } from './host.js';
import {
  IDEMPOTENCY_TIMEOUT_TICKS, PaymentSendError, RETRY_TIMEOUT_TICKS, type PaymentFailureReason, type PaymentHop, type PaymentPath, type RecipientOnionFields,
} from './types.js';

/** One part (path) of an outbound payment. */
export interface OutboundPart {
  readonly part: number;
  readonly path: PaymentPath;
  /** The onion session key: with the path it gives every hop's shared secret to decode a failure. */
  readonly sessionKey: Uint8Array;
  status: 'inflight' | 'succeeded' | 'failed';
}

/** A payment we send, persisted with the manager. */
export interface OutboundPayment {
  readonly paymentId: Uint8Array;
  readonly paymentHash: Uint8Array;
  readonly paymentSecret?: Uint8Array;
  readonly paymentMetadata?: Uint8Array;
  readonly keysendPreimage?: Uint8Array;
  readonly totalMsat: bigint;
  parts: OutboundPart[];
  nextPart: number;
  preimage?: Uint8Array;
  /** Set once no retry will be made: the reason `PaymentFailed` gives. */
  abandoned?: PaymentFailureReason;
  /** `PaymentSent`/`PaymentFailed` raised. */
  finished?: boolean;
  /** Timer ticks with no part in flight (retry deadline), or since it finished (idempotency window). */
  ticks: number;
}

/** A path with its onion built, ready to go to its first channel. */
interface PreparedPart {
  readonly path: PaymentPath;
  readonly packet: Uint8Array;
  readonly sessionKey: Uint8Array;
}

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 2 ** 32 - 1;

/** One hop's fields within their wire types (see `checkPaths`). @throws PaymentSendError */
function checkHop(h: PaymentHop, i: number): void {
  const bad = (what: string) => new PaymentSendError('invalid_path', `hop ${i}: ${what}`);
  if (!(h.nodeId instanceof Uint8Array) || h.nodeId.length !== 33 || (h.nodeId[0] !== 2 && h.nodeId[0] !== 3)) throw bad('node id is not a 33-byte compressed public key');
  if (typeof h.shortChannelId !== 'bigint' || h.shortChannelId < 0n || h.shortChannelId > U64_MAX) throw bad(`short_channel_id ${h.shortChannelId} is not a u64`);
  if (typeof h.amountMsat !== 'bigint' || h.amountMsat <= 0n || h.amountMsat > U64_MAX) throw bad(`amount ${h.amountMsat} msat is not in 1..2^64-1`);
  if (!Number.isInteger(h.cltvExpiry) || h.cltvExpiry < 0 || h.cltvExpiry > U32_MAX) throw bad(`cltv_expiry ${h.cltvExpiry} is not a u32`);
}

const failureByCode = new Map<number, string>(FAILURES.map((f) => [f.code, f.name]));

/** The outbound half of the payments layer. */
export class OutboundPayments {
  payments = new Map<string, OutboundPayment>();

  constructor(private readonly host: PaymentsHost) {}

  private firstHopChannel(path: PaymentPath): Channel {
    const first = path.hops[0];
    if (!first) throw new PaymentSendError('invalid_path', 'a path needs at least one hop');
    const ch = this.host.channels().find((c) => c.s.shortChannelId === first.shortChannelId && equalBytes(c.peer, first.nodeId));
    if (!ch) throw new PaymentSendError('no_channel', `no channel ${first.shortChannelId} with the first hop's node`);
    if (!ch.isUsable) throw new PaymentSendError('channel_unusable', `channel ${first.shortChannelId} is not usable now (not ready, closing or disconnected)`);
    return ch;
  }

  /**
   * Checks every path before anything is registered or sent: each hop's fields within the wire
   * types they travel in (BOLT 2 `update_add_htlc`: `amount_msat` u64 and non-zero, `cltv_expiry`
   * u32; BOLT 4 hop payloads: `amt_to_forward` tu64, `outgoing_cltv_value` tu32,
   * `short_channel_id` u64; a 33-byte compressed node id), amounts and expiries non-increasing
   * along the path, then the first hop's channel and the amounts on it.
   * @throws PaymentSendError
   */
  private checkPaths(paths: readonly PaymentPath[]): void {
    if (paths.length === 0) throw new PaymentSendError('invalid_path', 'no paths');
    const use = new Map<Channel, { count: number; totalMsat: bigint }>();
    for (const p of paths) {
      if (p.hops.length === 0 || p.hops.length > 27) throw new PaymentSendError('invalid_path', `a path has ${p.hops.length} hops (1..27)`);
      p.hops.forEach(checkHop);
      for (let i = 1; i < p.hops.length; i++) {
        if (p.hops[i]!.amountMsat > p.hops[i - 1]!.amountMsat) throw new PaymentSendError('invalid_path', `hop ${i} receives more than hop ${i - 1}`);
        if (p.hops[i]!.cltvExpiry > p.hops[i - 1]!.cltvExpiry) throw new PaymentSendError('invalid_path', `hop ${i} has a later cltv_expiry than hop ${i - 1}`);
      }
      const ch = this.firstHopChannel(p);
      // Every part on the same first channel counts: together they must fit its limits and our balance.
      const before = use.get(ch) ?? { count: 0, totalMsat: 0n };
      const problem = outboundAddProblem(ch, p.hops[0]!.amountMsat, before);
      if (problem) throw new PaymentSendError('insufficient_capacity', `channel ${ch.s.shortChannelId}: ${problem.message}`);
      use.set(ch, { count: before.count + 1, totalMsat: before.totalMsat + p.hops[0]!.amountMsat });
    }
  }

  /** `sendPayment` / `sendSpontaneousPayment`: starts a payment along `paths`. */
  send(paths: readonly PaymentPath[], paymentHash: Uint8Array, fields: RecipientOnionFields, paymentId: Uint8Array, keysendPreimage?: Uint8Array): void {
    if (paymentId.length !== 32) throw new PaymentSendError('invalid_path', 'payment id must be 32 bytes');
    if (this.payments.has(hex(paymentId))) throw new PaymentSendError('duplicate_payment', `payment id ${hex(paymentId)} is already in use`);
    if (paymentHash.length !== 32) throw new PaymentSendError('invalid_path', 'payment hash must be 32 bytes');
    this.checkPaths(paths);
    const totalMsat = fields.totalMsat ?? paths.reduce((a, p) => a + p.hops[p.hops.length - 1]!.amountMsat, 0n);
    if (typeof totalMsat !== 'bigint' || totalMsat <= 0n || totalMsat > U64_MAX) throw new PaymentSendError('invalid_path', `total_msat ${totalMsat} is not in 1..2^64-1`);
    const p: OutboundPayment = {
      paymentId, paymentHash, totalMsat, parts: [], nextPart: 0, ticks: 0,
      ...(fields.paymentSecret ? { paymentSecret: fields.paymentSecret } : {}),
      ...(fields.paymentMetadata ? { paymentMetadata: fields.paymentMetadata } : {}),
      ...(keysendPreimage ? { keysendPreimage } : {}),
    };
    // Every onion is built before the payment is registered: a path that cannot be encoded leaves nothing behind.
    const onions = paths.map((path, i) => this.buildOnion(p, path, i));
    this.payments.set(hex(paymentId), p);
    this.dispatch(p, onions, true);
  }

  /** Hands the prepared parts to their channels; if something unexpected throws before any part left, the payment is unregistered. */
  private dispatch(p: OutboundPayment, onions: readonly PreparedPart[], fresh: boolean): void {
    let handed = 0;
    try {
      for (const o of onions) {
        this.sendPart(p, o);
        handed++;
      }
    } catch (e) {
      if (fresh && handed === 0) this.payments.delete(hex(p.paymentId));
      throw e;
    }
  }

  /** The hop payloads and onion of one path (BOLT 4 "Packet Construction"). @throws PaymentSendError ('invalid_path') if it cannot be encoded. */
  private buildOnion(p: OutboundPayment, path: PaymentPath, index: number): PreparedPart {
    const hops = path.hops;
    const payloads: HopPayload[] = hops.map((h, i) => {
      const next = hops[i + 1];
      if (next) return { kind: 'forward', amtToForward: next.amountMsat, outgoingCltvValue: next.cltvExpiry, shortChannelId: next.shortChannelId };
      return {
        kind: 'final', amtToForward: h.amountMsat, outgoingCltvValue: h.cltvExpiry, totalMsat: p.totalMsat,
        ...(p.paymentSecret ? { paymentSecret: p.paymentSecret } : {}),
        ...(p.paymentMetadata ? { paymentMetadata: p.paymentMetadata } : {}),
        ...(p.keysendPreimage ? { keysendPreimage: p.keysendPreimage } : {}),
      };
    });
    const sessionKey = this.host.random();
    try {
      const { packet } = createOnion(this.host.onion, sessionKey, hops.map((h, i) => ({ pubkey: h.nodeId, payload: encodeHopPayload(payloads[i]!) })), p.paymentHash);
      return { path, packet, sessionKey };
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      throw new PaymentSendError('invalid_path', `path ${index}: the onion cannot be built: ${e.message}`);
    }
  }

  /** `sendPaymentAlongPaths`: more parts for a pending payment (a retry after `PaymentPathFailed`). */
  retry(paymentId: Uint8Array, paths: readonly PaymentPath[]): void {
    const p = this.payments.get(hex(paymentId));
    if (!p || p.finished || p.abandoned || p.preimage) throw new PaymentSendError('unknown_payment', `no pending payment ${hex(paymentId)}`);
    this.checkPaths(paths);
    const onions = paths.map((path, i) => this.buildOnion(p, path, i));
    p.ticks = 0;
    this.dispatch(p, onions, false);
  }

  /** `abandonPayment`: no more retries; `PaymentFailed` once no part is in flight. */
  abandon(paymentId: Uint8Array): void {
    const p = this.payments.get(hex(paymentId));
    if (!p || p.finished || p.preimage) return;
    p.abandoned ??= 'UserAbandoned';
    this.maybeFinish(p);
  }

  private sendPart(p: OutboundPayment, { path, packet, sessionKey }: PreparedPart): void {
    const hops = path.hops;
    const part: OutboundPart = { part: p.nextPart++, path: clonePath(path), sessionKey, status: 'inflight' };
    p.parts.push(part);
    const ch = this.firstHopChannel(path);
    const meta = encodeMeta({ k: 'pay', paymentId: p.paymentId, part: part.part });
    try {
      sendAddHtlc(ch, hops[0]!.amountMsat, p.paymentHash, hops[0]!.cltvExpiry, packet, meta);
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      this.partFailed(p, part, { local: e.message });
    }
  }

  private find(paymentId: Uint8Array, partId: number): { p: OutboundPayment; part: OutboundPart } | undefined {
    const p = this.payments.get(hex(paymentId));
    const part = p?.parts.find((x) => x.part === partId);
    return p && part ? { p, part } : undefined;
  }

  /** A part's HTLC was fulfilled (off or on chain). */
  fulfilled(paymentId: Uint8Array, partId: number, preimage: Uint8Array): void {
    const f = this.find(paymentId, partId);
    if (!f || f.part.status !== 'inflight') return;
    const { p, part } = f;
    if (!equalBytes(sha256(preimage), p.paymentHash)) return;
    part.status = 'succeeded';
    const ev = this.host.ctx.event;
    if (!p.preimage) {
      p.preimage = preimage;
      const fee = p.parts.filter((x) => x.status !== 'failed').reduce((a, x) => a + x.path.hops[0]!.amountMsat - x.path.hops[x.path.hops.length - 1]!.amountMsat, 0n);
      ev({ type: 'PaymentSent', paymentId: p.paymentId, paymentHash: p.paymentHash, paymentPreimage: preimage, feePaidMsat: fee });
    }
    ev({ type: 'PaymentPathSuccessful', paymentId: p.paymentId, paymentHash: p.paymentHash, path: part.path });
    this.maybeFinish(p);
  }

  /** A part's HTLC failed: from the peer (`htlc` carries the removal), on chain, or before it left (`local`). */
  failed(paymentId: Uint8Array, partId: number, how: { htlc: HtlcRecord } | { local: string } | { onChain: true }): void {
    const f = this.find(paymentId, partId);
    if (!f || f.part.status !== 'inflight') return;
    this.partFailed(f.p, f.part, how);
  }

  private partFailed(p: OutboundPayment, part: OutboundPart, how: { htlc: HtlcRecord } | { local: string } | { onChain: true }): void {
    part.status = 'failed';
    const hops = part.path.hops;
    let failure: PaymentPathFailure | undefined;
    let errorHopIndex: number | undefined;
    let shortChannelId: bigint | undefined;
    let failingNodeId: Uint8Array | undefined;
    let permanent = false;
    const removal = 'htlc' in how ? how.htlc.removal : undefined;
    if (removal?.kind === 'malformed') {
      // Our peer could not read the onion we built.
      errorHopIndex = 0;
      failure = { code: removal.failureCode, name: failureByCode.get(removal.failureCode) ?? 'unknown', data: { sha256OfOnion: removal.sha256OfOnion } };
      shortChannelId = hops[0]!.shortChannelId;
      failingNodeId = hops[0]!.nodeId;
    } else if (removal?.kind === 'fail') {
      const secrets = computeHopSecrets(this.host.onion, part.sessionKey, hops.map((h) => h.nodeId)).sharedSecrets;
      const decoded = decodeFailureOnion(this.host.onion, secrets, removal.reason);
      if (decoded) {
        const i = decoded.hopIndex;
        errorHopIndex = i;
        failingNodeId = hops[i]!.nodeId;
        failure = decodeFailure(decoded.failureMessage);
        const isFinal = i === hops.length - 1;
        if (isFinal) {
          // The recipient itself refused (except an MPP timeout): retrying cannot help.
          permanent = failure.name !== 'mpp_timeout';
          if (failure.code & NODE) shortChannelId = hops[i]!.shortChannelId;
        } else if (failure.code & NODE) shortChannelId = hops[i]!.shortChannelId;
        else shortChannelId = hops[i + 1]!.shortChannelId;
      }
    } else {
      // Failed at our end (holding cell, closed channel) before or without an answer from the path.
      shortChannelId = hops[0]!.shortChannelId;
    }
    this.host.ctx.event({
      type: 'PaymentPathFailed', paymentId: p.paymentId, paymentHash: p.paymentHash, paymentFailedPermanently: permanent, path: part.path,
      ...(failure ? { failure } : {}), ...(errorHopIndex !== undefined ? { errorHopIndex } : {}),
      ...(shortChannelId !== undefined ? { shortChannelId } : {}), ...(failingNodeId ? { failingNodeId } : {}),
    });
    if (permanent && !p.preimage) p.abandoned ??= 'RecipientRejected';
    this.maybeFinish(p);
  }

  private maybeFinish(p: OutboundPayment): void {
    if (p.finished || p.parts.some((x) => x.status === 'inflight')) return;
    if (p.preimage) {
      p.finished = true;
      p.ticks = 0;
    } else if (p.abandoned) {
      p.finished = true;
      p.ticks = 0;
      this.host.ctx.event({ type: 'PaymentFailed', paymentId: p.paymentId, paymentHash: p.paymentHash, reason: p.abandoned });
    }
  }

  /** Timer tick: payments without a retry for a while fail; finished ids are forgotten after the idempotency window. */
  tick(): void {
    for (const [k, p] of this.payments) {
      if (p.finished) {
        if (++p.ticks >= IDEMPOTENCY_TIMEOUT_TICKS) this.payments.delete(k);
      } else if (!p.preimage && !p.parts.some((x) => x.status === 'inflight')) {
        if (++p.ticks >= RETRY_TIMEOUT_TICKS) {
          p.abandoned ??= 'RetriesExhausted';
          this.maybeFinish(p);
        }
      }
    }
  }

  /** Pending (unfinished) payments, for listing. */
  pending(): OutboundPayment[] {
    return [...this.payments.values()].filter((p) => !p.finished);
  }
}

function decodeFailure(msg: Uint8Array): PaymentPathFailure {
  try {
    const m = decodeFailureMessage(msg);
    return { code: m.code, name: m.name, data: m.fields };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const code = msg.length >= 2 ? (msg[0]! << 8) | msg[1]! : 0;
    return { code, name: failureByCode.get(code) ?? 'unknown', data: {} };
  }
}

function clonePath(p: PaymentPath): PaymentPath {
  return { hops: p.hops.map((h) => ({ nodeId: h.nodeId, shortChannelId: h.shortChannelId, amountMsat: h.amountMsat, cltvExpiry: h.cltvExpiry })) };
}
