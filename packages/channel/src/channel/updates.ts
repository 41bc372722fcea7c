/**
 * BOLT 2 "Normal Operation": HTLC updates, `update_fee`, and the commitment dance
 * (`commitment_signed` / `revoke_and_ack`), with a holding cell for our updates while we wait
 * for a `revoke_and_ack` or a monitor update. Every new commitment reaches the `Watch` before
 * the message that commits to it leaves.
 */
import { equalBytes, sha256 } from '@ln/crypto';
import { makeMessage } from '@ln/wire';
import { ChannelError } from '../errors.js';
import type { Channel } from './channel.js';
import { isHtlcTrimmed } from '@ln/transactions';
import { commitmentBalances, commitmentFeerate, pruneSettled, secretIndex } from './commitment.js';
import { maybeStartNegotiation, sendShutdown } from './closing.js';
import { dustExposureExceeded, funderFeeMsat, inFlight, outboundAddProblem } from './limits.js';
import type { HoldingCellUpdate, HtlcRecord } from './state.js';

/** BOLT 2: `update_fail_malformed_htlc.failure_code` must have the BADONION bit. */
export const BADONION = 0x8000;

/** What the payments layer hears from a channel's update log (set on the `ChannelContext`). */
export interface HtlcHooks {
  /** An inbound HTLC is irrevocably committed on both sides (and the monitor has it): decide to forward, claim or fail it. */
  inboundLockedIn(ch: Channel, h: HtlcRecord): void;
  /** The counterparty fulfilled our outbound HTLC (the preimage can be used upstream at once). */
  outboundFulfilled(ch: Channel, h: HtlcRecord, preimage: Uint8Array): void;
  /** Our outbound HTLC failed and its removal is irrevocably committed. */
  outboundFailed(ch: Channel, h: HtlcRecord): void;
  /** An add waiting in the holding cell can no longer be sent (the channel changed meanwhile): fail it back. */
  holdingCellAddFailed(ch: Channel, u: Extract<HoldingCellUpdate, { type: 'add' }>, reason: string): void;
}

function nextRemote(ch: Channel): bigint {
  return ch.s.counterpartyLatestCtn + 1n;
}
function nextLocal(ch: Channel): bigint {
  return ch.s.holderCtn + 1n;
}
/** We sent a `commitment_signed` and wait for the `revoke_and_ack`. */
export function awaitingRevoke(ch: Channel): boolean {
  return ch.s.counterpartyLatestCtn > ch.s.counterpartyOldestCtn;
}

// ------------------------------------------------------------------------- our updates

/**
 * Adds an outbound HTLC (BOLT 2 `update_add_htlc`, sending node): checked against the peer's
 * limits, our balance after reserve and fees, and the dust exposure bound, then sent or queued
 * in the holding cell while we await a `revoke_and_ack` or a monitor update.
 * @throws ChannelError (`ignore`) naming the rule that forbids it.
 */
export function sendAddHtlc(ch: Channel, amountMsat: bigint, paymentHash: Uint8Array, cltvExpiry: number, onion: Uint8Array, meta?: Uint8Array): void {
  if (!ch.isUsable) throw ChannelError.ignore('channel is not usable (not ready, closing or disconnected)');
  if (cltvExpiry >= 500_000_000) throw ChannelError.ignore(`cltv_expiry ${cltvExpiry} is not a block height`);
  const problem = outboundAddProblem(ch, amountMsat);
  if (problem) throw ChannelError.ignore(problem.message);
  const u: HoldingCellUpdate = { type: 'add', amountMsat, paymentHash, cltvExpiry, onion, ...(meta ? { meta } : {}) };
  if (mustHold(ch)) ch.s.holdingCell.push(u);
  else applyLocalUpdate(ch, u);
}

function mustHold(ch: Channel): boolean {
  return awaitingRevoke(ch) || ch.monitorPending || !ch.s.connected || ch.s.awaitingReestablish;
}

/** Fulfills an inbound HTLC with its preimage. */
export function sendFulfillHtlc(ch: Channel, htlcId: bigint, preimage: Uint8Array): void {
  const h = inboundLive(ch, htlcId);
  if (!equalBytes(sha256(preimage), h.paymentHash)) throw ChannelError.ignore(`preimage does not match the payment hash of HTLC ${htlcId}`);
  // The monitor learns the preimage before the peer does: it must be able to claim on chain.
  ch.updateMonitor([{ type: 'PaymentPreimage', paymentPreimage: preimage }]);
  queueLocal(ch, { type: 'fulfill', htlcId, preimage });
}

/** Fails an inbound HTLC with an encrypted failure `reason` (BOLT 4). */
export function sendFailHtlc(ch: Channel, htlcId: bigint, reason: Uint8Array): void {
  inboundLive(ch, htlcId);
  queueLocal(ch, { type: 'fail', htlcId, reason });
}

/** Fails an inbound HTLC whose onion we could not parse. */
export function sendFailMalformedHtlc(ch: Channel, htlcId: bigint, sha256OfOnion: Uint8Array, failureCode: number): void {
  inboundLive(ch, htlcId);
  queueLocal(ch, { type: 'malformed', htlcId, sha256OfOnion, failureCode: failureCode | BADONION });
}

/** Funder only: changes the commitment feerate (`update_fee`). */
export function sendUpdateFee(ch: Channel, feeratePerKw: number): void {
  if (!ch.s.isOutbound) throw ChannelError.ignore('only the funder sends update_fee');
  if (ch.s.phase !== 'Funded' || !ch.s.channelReadyReceived) throw ChannelError.ignore('channel is not ready');
  if (ch.s.closing?.ourScript) throw ChannelError.ignore('the channel is closing: no new update_fee');
  if (feeratePerKw < 253) throw ChannelError.ignore(`feerate_per_kw ${feeratePerKw} is below the 253 sat/kw floor`);
  // BOLT 2: the funder must afford the new fee on both commitments while keeping its reserve.
  for (const side of ['local', 'remote'] as const) {
    const { toLocalMsat } = commitmentBalances(ch.s, side, side === 'local' ? nextLocal(ch) : nextRemote(ch));
    const fee = funderFeeMsat(ch, side, 0, feeratePerKw);
    if (toLocalMsat - fee < ch.s.theirParams!.channelReserveSat * 1000n) throw ChannelError.ignore(`we cannot afford feerate ${feeratePerKw} on the ${side} commitment`);
  }
  queueLocal(ch, { type: 'fee', feeratePerKw });
}

function inboundLive(ch: Channel, htlcId: bigint): HtlcRecord {
  const h = ch.s.htlcs.find((x) => !x.outbound && x.id === htlcId);
  if (!h || h.removal || ch.s.holdingCell.some((u) => u.type !== 'add' && u.type !== 'fee' && u.htlcId === htlcId)) {
    throw ChannelError.ignore(`no live inbound HTLC ${htlcId}`);
  }
  // BOLT 2: an HTLC is removed only once its addition is irrevocably committed on both sides.
  const s = ch.s;
  if (!(h.addLocal !== undefined && h.addLocal <= s.holderCtn && h.addRemote !== undefined && h.addRemote <= s.counterpartyOldestCtn)) {
    throw ChannelError.ignore(`inbound HTLC ${htlcId} is not irrevocably committed yet`);
  }
  return h;
}

function queueLocal(ch: Channel, u: HoldingCellUpdate): void {
  if (mustHold(ch)) ch.s.holdingCell.push(u);
  else applyLocalUpdate(ch, u);
}

/** Applies one of our updates: records it for the counterparty's next commitment and sends the message. */
function applyLocalUpdate(ch: Channel, u: HoldingCellUpdate): void {
  const s = ch.s;
  const at = nextRemote(ch);
  const channelId = s.channelId;
  const seq = (s.updateSeq = (s.updateSeq ?? 0) + 1);
  switch (u.type) {
    case 'add': {
      const id = s.nextOutboundHtlcId++;
      s.htlcs.push({ id, outbound: true, amountMsat: u.amountMsat, paymentHash: u.paymentHash, cltvExpiry: u.cltvExpiry, onion: u.onion, addRemote: at, addSeq: seq, ...(u.meta ? { meta: u.meta } : {}) });
      ch.send(makeMessage('update_add_htlc', { channelId, id, amountMsat: u.amountMsat, paymentHash: u.paymentHash, cltvExpiry: u.cltvExpiry, onionRoutingPacket: u.onion }));
      return;
    }
    case 'fulfill':
    case 'fail':
    case 'malformed': {
      const h = s.htlcs.find((x) => !x.outbound && x.id === u.htlcId);
      if (!h || h.removal) return; // resolved meanwhile
      if (u.type === 'fulfill') {
        h.removal = { kind: 'fulfill', preimage: u.preimage };
        ch.send(makeMessage('update_fulfill_htlc', { channelId, id: u.htlcId, paymentPreimage: u.preimage }));
      } else if (u.type === 'fail') {
        h.removal = { kind: 'fail', reason: u.reason };
        ch.send(makeMessage('update_fail_htlc', { channelId, id: u.htlcId, reason: u.reason }));
      } else {
        h.removal = { kind: 'malformed', sha256OfOnion: u.sha256OfOnion, failureCode: u.failureCode };
        ch.send(makeMessage('update_fail_malformed_htlc', { channelId, id: u.htlcId, sha256OfOnion: u.sha256OfOnion, failureCode: u.failureCode }));
      }
      h.removeRemote = at;
      h.removeSeq = seq;
      return;
    }
    case 'fee':
      s.feeUpdates.push({ feeratePerKw: u.feeratePerKw, remote: at, seq });
      ch.send(makeMessage('update_fee', { channelId, feeratePerKw: u.feeratePerKw }));
      return;
  }
}

/** Whether the counterparty's next commitment differs from its latest (something to sign). */
export function hasChangesForRemote(ch: Channel): boolean {
  const n = nextRemote(ch);
  return ch.s.htlcs.some((h) => h.addRemote === n || h.removeRemote === n) || ch.s.feeUpdates.some((f) => f.remote === n);
}

/** Signs and sends `commitment_signed` if there is something to sign and we may. */
export function maybeSendCommitment(ch: Channel): void {
  const s = ch.s;
  if (s.phase !== 'Funded' || awaitingRevoke(ch) || !s.connected || s.awaitingReestablish || !hasChangesForRemote(ch) || !s.counterpartyNextPoint) return;
  const n = nextRemote(ch);
  const info = ch.counterpartyCommitment(n, s.counterpartyNextPoint);
  const { signature, htlcSignatures } = ch.signCounterparty(info);
  s.counterpartyLatestCtn = n;
  s.lastSentWasRevoke = false;
  ch.updateMonitor([{ type: 'LatestCounterpartyCommitment', commitment: ch.counterpartyCommitmentData(info) }]);
  ch.send(makeMessage('commitment_signed', { channelId: s.channelId, signature, htlcSignature: htlcSignatures }));
  // A shutdown that waited for our updates to be signed can follow now.
  if (s.closing?.shutdownPending) sendShutdown(ch);
}

/** Releases the holding cell (after a `revoke_and_ack`, a monitor completion or a reconnect), then signs. */
export function releaseHoldingCell(ch: Channel): void {
  if (mustHold(ch) || ch.s.holdingCell.length === 0) return;
  const cell = ch.s.holdingCell;
  ch.s.holdingCell = [];
  // Removals and fee first, so that the adds are checked against the balance they leave.
  const adds = cell.filter((u) => u.type === 'add') as Extract<HoldingCellUpdate, { type: 'add' }>[];
  for (const u of cell) if (u.type !== 'add') applyLocalUpdate(ch, u);
  for (const u of adds) {
    const problem = ch.isUsable ? outboundAddProblem(ch, u.amountMsat) : { message: 'channel no longer usable' };
    if (problem) {
      ch.ctx.log.warn(`holding cell add dropped: ${problem.message}`);
      ch.ctx.htlcHooks()?.holdingCellAddFailed(ch, u, problem.message);
    } else applyLocalUpdate(ch, u);
  }
  maybeSendCommitment(ch);
}

// ------------------------------------------------------------------------- their updates

/**
 * `update_add_htlc`, receiving node (BOLT 2): every rule that fails the channel — amount 0 or
 * below our `htlc_minimum_msat`, more than our `max_accepted_htlcs` or
 * `max_htlc_value_in_flight_msat`, a sender that cannot afford it while keeping its reserve
 * (and, as funder, the commitment fee with anchors), `cltv_expiry` not a block height, a wrong
 * `id`. An HTLC that would push our dust exposure over `max_dust_htlc_exposure_msat` is accepted
 * but marked to be failed once committed (BOLT 2: "SHOULD fail this HTLC once it's committed").
 */
export function onUpdateAddHtlc(ch: Channel, m: { id: bigint; amountMsat: bigint; paymentHash: Uint8Array; cltvExpiry: number; onionRoutingPacket: Uint8Array; tlvs?: { blindedPath?: Uint8Array } }): void {
  const s = ch.s;
  if (!(s.phase === 'Funded' && s.channelReadySent && s.channelReadyReceived)) throw ChannelError.close('update_add_htlc before channel_ready');
  if (s.closing?.theirScript) throw ChannelError.close('update_add_htlc after the peer sent shutdown');
  if (m.id !== s.nextInboundHtlcId) throw ChannelError.close(`update_add_htlc id ${m.id}, expected ${s.nextInboundHtlcId}`);
  if (m.amountMsat === 0n) throw ChannelError.close('update_add_htlc amount_msat is 0');
  if (m.amountMsat < s.ourParams.htlcMinimumMsat) throw ChannelError.close(`amount_msat ${m.amountMsat} is below our htlc_minimum_msat ${s.ourParams.htlcMinimumMsat}`);
  if (m.cltvExpiry >= 500_000_000) throw ChannelError.close(`cltv_expiry ${m.cltvExpiry} is not a block height`);
  const fl = inFlight(ch, 'local', false);
  if (fl.count + 1 > s.ourParams.maxAcceptedHtlcs) throw ChannelError.close(`more than max_accepted_htlcs ${s.ourParams.maxAcceptedHtlcs} HTLCs`);
  if (fl.totalMsat + m.amountMsat > s.ourParams.maxHtlcValueInFlightMsat) throw ChannelError.close(`HTLCs in flight would exceed max_htlc_value_in_flight_msat ${s.ourParams.maxHtlcValueInFlightMsat}`);
  // Their balance on our next commitment must cover the HTLC, their reserve and (if funder) the fee.
  const { toRemoteMsat } = commitmentBalances(s, 'local', nextLocal(ch));
  let left = toRemoteMsat - m.amountMsat;
  // The new HTLC adds an output (and weight) only if it is not trimmed on our commitment.
  const trimmed = isHtlcTrimmed(false, m.amountMsat, s.ourParams.dustLimitSat, commitmentFeerate(s, 'local', nextLocal(ch)), s.anchors);
  if (!s.isOutbound) left -= funderFeeMsat(ch, 'local', trimmed ? 0 : 1);
  if (left < s.ourParams.channelReserveSat * 1000n) throw ChannelError.close(`the peer cannot afford this HTLC while keeping its channel reserve and the fee (${left} msat left)`);
  const dustSide = dustExposureExceeded(ch, m.amountMsat, false);
  s.nextInboundHtlcId++;
  s.htlcs.push({
    id: m.id, outbound: false, amountMsat: m.amountMsat, paymentHash: m.paymentHash, cltvExpiry: m.cltvExpiry, onion: m.onionRoutingPacket, addLocal: nextLocal(ch),
    // A blinded route (path_key set) is not supported: BOLT 4 has us answer invalid_onion_blinding once committed.
    ...(m.tlvs?.blindedPath ? { failOnLock: 'blinded_path' } : dustSide ? { failOnLock: 'dust_exposure' } : {}),
  });
}

function outboundCommitted(ch: Channel, id: bigint, what: string): HtlcRecord {
  const h = ch.s.htlcs.find((x) => x.outbound && x.id === id);
  if (!h) throw ChannelError.close(`${what} for unknown HTLC id ${id}`);
  if (h.removal) throw ChannelError.close(`${what} for HTLC ${id}, already removed`);
  // BOLT 2: the HTLC must be irrevocably committed in the counterparty's commitment... at least in the one they hold.
  if (h.addRemote === undefined || h.addRemote > ch.s.counterpartyLatestCtn || h.addLocal === undefined) throw ChannelError.close(`${what} for HTLC ${id}, not yet committed`);
  return h;
}

/** `update_fulfill_htlc`: the preimage goes to the monitor first, then upstream at once (BOLT 2 "Forwarding HTLCs"). */
export function onUpdateFulfillHtlc(ch: Channel, id: bigint, preimage: Uint8Array): void {
  const h = outboundCommitted(ch, id, 'update_fulfill_htlc');
  if (!equalBytes(sha256(preimage), h.paymentHash)) throw ChannelError.close(`update_fulfill_htlc ${id}: preimage does not match the payment hash`);
  h.removal = { kind: 'fulfill', preimage };
  h.removeLocal = nextLocal(ch);
  ch.updateMonitor([{ type: 'PaymentPreimage', paymentPreimage: preimage }]);
  ch.ctx.htlcHooks()?.outboundFulfilled(ch, h, preimage);
}

export function onUpdateFailHtlc(ch: Channel, id: bigint, reason: Uint8Array): void {
  const h = outboundCommitted(ch, id, 'update_fail_htlc');
  h.removal = { kind: 'fail', reason };
  h.removeLocal = nextLocal(ch);
}

export function onUpdateFailMalformedHtlc(ch: Channel, id: bigint, sha256OfOnion: Uint8Array, failureCode: number): void {
  if ((failureCode & BADONION) === 0) throw ChannelError.close(`update_fail_malformed_htlc failure_code ${failureCode} lacks the BADONION bit`);
  const h = outboundCommitted(ch, id, 'update_fail_malformed_htlc');
  h.removal = { kind: 'malformed', sha256OfOnion, failureCode };
  h.removeLocal = nextLocal(ch);
}

export function onUpdateFee(ch: Channel, feeratePerKw: number): void {
  const s = ch.s;
  if (s.isOutbound) throw ChannelError.close('update_fee from the non-funder');
  const min = ch.ctx.fees.getEstSatPer1000Weight(s.anchors ? 'MinAllowedAnchorChannelRemoteFee' : 'MinAllowedNonAnchorChannelRemoteFee');
  const max = ch.ctx.fees.getEstSatPer1000Weight('MaximumFeeEstimate');
  if (feeratePerKw < Math.max(253, min)) throw ChannelError.close(`update_fee feerate_per_kw ${feeratePerKw} is too small (we want at least ${Math.max(253, min)})`);
  if (feeratePerKw > max) throw ChannelError.close(`update_fee feerate_per_kw ${feeratePerKw} is unreasonably large (more than ${max})`);
  s.feeUpdates.push({ feeratePerKw, local: nextLocal(ch) });
  // BOLT 2: "if the sender cannot afford the new fee rate on the receiving node's current commitment transaction: SHOULD fail the channel".
  const { toRemoteMsat } = commitmentBalances(s, 'local', nextLocal(ch));
  if (toRemoteMsat < funderFeeMsat(ch, 'local', 0)) throw ChannelError.close(`the funder cannot afford feerate ${feeratePerKw}`);
}

// ------------------------------------------------------------------------- the dance

/** `commitment_signed`: check it, hand the new holder commitment to the monitor, then revoke the old one. */
export function onCommitmentSigned(ch: Channel, sig: Uint8Array, htlcSigs: Uint8Array[]): void {
  const s = ch.s;
  if (s.phase !== 'Funded' || !s.channelReadyReceived) throw ChannelError.close('commitment_signed before the channel is ready');
  const n = nextLocal(ch);
  const changed = s.htlcs.some((h) => h.addLocal === n || h.removeLocal === n) || s.feeUpdates.some((f) => f.local === n);
  if (!changed) throw ChannelError.close('commitment_signed with no updates');
  const info = ch.holderCommitment(n);
  ch.checkHolderSigs(info, sig, htlcSigs);
  s.holderCtn = n;
  s.holderCommitmentSig = sig;
  s.holderHtlcSigs = htlcSigs;
  ch.updateMonitor([{ type: 'LatestHolderCommitment', commitment: ch.holderCommitmentData(info, sig, htlcSigs) }]);
  sendRevoke(ch);
}

function sendRevoke(ch: Channel): void {
  const s = ch.s;
  const secret = ch.signer.releaseCommitmentSecret(secretIndex(s.holderCtn - 1n));
  const nextPoint = ch.perCommitmentPoint(s.holderCtn + 1n);
  // Their updates now in our commitment go into their next one.
  const at = nextRemote(ch);
  for (const h of s.htlcs) {
    if (!h.outbound && h.addLocal !== undefined && h.addLocal <= s.holderCtn && h.addRemote === undefined) h.addRemote = at;
    if (h.outbound && h.removeLocal !== undefined && h.removeLocal <= s.holderCtn && h.removeRemote === undefined) h.removeRemote = at;
  }
  for (const f of s.feeUpdates) if (f.local !== undefined && f.local <= s.holderCtn && f.remote === undefined) f.remote = at;
  s.lastSentWasRevoke = true;
  ch.send(makeMessage('revoke_and_ack', { channelId: s.channelId, perCommitmentSecret: secret, nextPerCommitmentPoint: nextPoint }));
  resolveIrrevocable(ch);
  pruneSettled(s, ch.ctx.htlcHooks() !== undefined);
  maybeSendCommitment(ch);
  // BOLT 2: after shutdown, once no HTLC is left the fee negotiation starts.
  if (s.closing) maybeStartNegotiation(ch);
}

/** The `revoke_and_ack` we sent for our current commitment, rebuilt for retransmission. */
export function lastRevokeMessage(ch: Channel) {
  const s = ch.s;
  return makeMessage('revoke_and_ack', {
    channelId: s.channelId,
    perCommitmentSecret: ch.signer.releaseCommitmentSecret(secretIndex(s.holderCtn - 1n)),
    nextPerCommitmentPoint: ch.perCommitmentPoint(s.holderCtn + 1n),
  });
}

/** `revoke_and_ack`: check the secret, give it to the monitor, lock in our updates, release the holding cell. */
export function onRevokeAndAck(ch: Channel, secret: Uint8Array, nextPoint: Uint8Array): void {
  const s = ch.s;
  if (!awaitingRevoke(ch)) throw ChannelError.close('revoke_and_ack without a pending commitment_signed');
  if (!ch.ctx.secp.isValidSecretKey(secret)) throw ChannelError.close('revoke_and_ack: per_commitment_secret is not a valid secret key');
  const point = ch.ctx.secp.publicKeyCreate(secret);
  if (!equalBytes(point, s.counterpartyCurrentPoint!)) throw ChannelError.close('revoke_and_ack: per_commitment_secret does not match the per-commitment point');
  const idx = secretIndex(s.counterpartyOldestCtn);
  s.counterpartyPrevPoint = s.counterpartyCurrentPoint;
  s.counterpartyOldestCtn = s.counterpartyLatestCtn;
  s.counterpartyCurrentPoint = s.counterpartyNextPoint;
  s.counterpartyNextPoint = nextPoint;
  s.lastCounterpartySecret = secret;
  ch.updateMonitor([{ type: 'CommitmentSecret', idx, secret }]);
  const at = nextLocal(ch);
  for (const h of s.htlcs) {
    if (h.outbound && h.addRemote !== undefined && h.addRemote <= s.counterpartyOldestCtn && h.addLocal === undefined) h.addLocal = at;
    if (!h.outbound && h.removeRemote !== undefined && h.removeRemote <= s.counterpartyOldestCtn && h.removeLocal === undefined) h.removeLocal = at;
  }
  for (const f of s.feeUpdates) if (f.remote !== undefined && f.remote <= s.counterpartyOldestCtn && f.local === undefined) f.local = at;
  resolveIrrevocable(ch);
  pruneSettled(s, ch.ctx.htlcHooks() !== undefined);
  releaseHoldingCell(ch);
  if (s.closing) maybeStartNegotiation(ch);
}

/**
 * Tells the payments layer about HTLCs that became irrevocable (BOLT 2 "Forwarding HTLCs"):
 * inbound adds present in both sides' current commitments with the older ones revoked, and
 * outbound failures removed from both. Waits while a monitor update is in progress, so that
 * nothing is forwarded or failed upstream on a state the monitor may not have yet.
 */
export function resolveIrrevocable(ch: Channel): void {
  const hooks = ch.ctx.htlcHooks();
  if (!hooks || ch.monitorPending || ch.s.phase !== 'Funded') return;
  const s = ch.s;
  for (const h of [...s.htlcs]) {
    if (h.notified) continue;
    if (!h.outbound && !h.removal && h.addLocal !== undefined && h.addLocal <= s.holderCtn && h.addRemote !== undefined && h.addRemote <= s.counterpartyOldestCtn) {
      h.notified = true;
      hooks.inboundLockedIn(ch, h);
    } else if (h.outbound && h.removal && h.removal.kind !== 'fulfill' && h.removeLocal !== undefined && h.removeLocal <= s.holderCtn && h.removeRemote !== undefined && h.removeRemote <= s.counterpartyOldestCtn) {
      h.notified = true;
      hooks.outboundFailed(ch, h);
    }
  }
}

/** Whether any HTLC is on either side's commitments or pending (BOLT 2: closing negotiation waits for none). */
export function hasPendingHtlcs(ch: Channel): boolean {
  return ch.s.htlcs.length > 0 || ch.s.holdingCell.some((u) => u.type !== 'fee') || ch.s.feeUpdates.some((f) => f.local === undefined || f.remote === undefined);
}

/**
 * On disconnect (BOLT 2 "Message Retransmission"): updates not covered by a `commitment_signed`
 * are forgotten by both sides. Theirs are dropped; ours go back to the holding cell to be
 * re-sent after reconnection.
 */
export function forgetUncommitted(ch: Channel): void {
  const s = ch.s;
  const nr = nextRemote(ch);
  const nl = nextLocal(ch);
  const requeue: HoldingCellUpdate[] = [];
  const seqOf = new Map<HoldingCellUpdate, number>();
  const push = (u: HoldingCellUpdate, seq: number | undefined) => {
    requeue.push(u);
    seqOf.set(u, seq ?? 0);
  };
  const keep: HtlcRecord[] = [];
  for (const h of s.htlcs) {
    if (h.outbound && h.addRemote === nr) {
      push({ type: 'add', amountMsat: h.amountMsat, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry, onion: h.onion, ...(h.meta ? { meta: h.meta } : {}) }, h.addSeq);
      continue;
    }
    if (!h.outbound && h.addLocal === nl && h.addRemote === undefined) {
      s.nextInboundHtlcId = h.id < s.nextInboundHtlcId ? h.id : s.nextInboundHtlcId;
      continue;
    }
    if (!h.outbound && h.removal && h.removeRemote === nr) {
      const r = h.removal;
      push(r.kind === 'fulfill' ? { type: 'fulfill', htlcId: h.id, preimage: r.preimage } : r.kind === 'fail' ? { type: 'fail', htlcId: h.id, reason: r.reason } : { type: 'malformed', htlcId: h.id, sha256OfOnion: r.sha256OfOnion, failureCode: r.failureCode }, h.removeSeq);
      delete h.removeSeq;
      delete h.removal;
      delete h.removeRemote;
    }
    if (h.outbound && h.removal && h.removeLocal === nl && h.removeRemote === undefined) {
      delete h.removal;
      delete h.removeLocal;
    }
    keep.push(h);
  }
  // Outbound ids of requeued adds are re-assigned on release.
  const requeuedAdds = requeue.filter((u) => u.type === 'add').length;
  s.nextOutboundHtlcId -= BigInt(requeuedAdds);
  s.htlcs = keep;
  s.feeUpdates = s.feeUpdates.filter((f) => {
    if (f.remote === nr && f.local === undefined && s.isOutbound) {
      push({ type: 'fee', feeratePerKw: f.feeratePerKw }, f.seq);
      return false;
    }
    return !(f.local === nl && f.remote === undefined && !s.isOutbound);
  });
  // In the order they were first sent.
  requeue.sort((x, y) => seqOf.get(x)! - seqOf.get(y)!);
  s.holdingCell = [...requeue, ...s.holdingCell];
}
