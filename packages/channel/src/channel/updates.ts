/**
 * BOLT 2 "Normal Operation": HTLC updates, `update_fee`, and the commitment dance
 * (`commitment_signed` / `revoke_and_ack`), with a holding cell for our updates while we wait
 * for a `revoke_and_ack` or a monitor update. Every new commitment reaches the `Watch` before
 * the message that commits to it leaves.
 */
import { equalBytes, sha256 } from '@ln/crypto';
import { commitmentFeeSat, ANCHOR_OUTPUT_VALUE_SAT, isHtlcTrimmed } from '@ln/transactions';
import { makeMessage } from '@ln/wire';
import { ChannelError } from '../errors.js';
import type { Channel } from './channel.js';
import { commitmentBalances, commitmentFeerate, pruneSettled, secretIndex, type Side } from './commitment.js';
import type { HoldingCellUpdate, HtlcRecord } from './state.js';

/** BOLT 2: `update_fail_malformed_htlc.failure_code` must have the BADONION bit. */
export const BADONION = 0x8000;

/** What the payments layer hears from a channel's update log. */
export interface HtlcHooks {
  /** An inbound HTLC is irrevocably committed on both sides: decide to forward, claim or fail it. */
  inboundLockedIn(ch: Channel, h: HtlcRecord): void;
  /** The counterparty fulfilled our outbound HTLC (the preimage can be used upstream at once). */
  outboundFulfilled(ch: Channel, h: HtlcRecord, preimage: Uint8Array): void;
  /** Our outbound HTLC failed and is irrevocably removed. */
  outboundFailed(ch: Channel, h: HtlcRecord): void;
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

/** Live HTLCs in one direction on `side`'s next commitment, and their total. */
function inFlight(ch: Channel, side: Side, outbound: boolean): { count: number; totalMsat: bigint } {
  const n = side === 'local' ? nextLocal(ch) : nextRemote(ch);
  let count = 0;
  let totalMsat = 0n;
  for (const h of ch.s.htlcs) {
    if (h.outbound !== outbound) continue;
    const add = side === 'local' ? h.addLocal : h.addRemote;
    const rem = side === 'local' ? h.removeLocal : h.removeRemote;
    const pendingAdd = add === undefined && (outbound ? side === 'local' : side === 'remote'); // proposed, not yet on this side
    if ((add !== undefined && add <= n && !(rem !== undefined && rem <= n)) || pendingAdd) {
      count++;
      totalMsat += h.amountMsat;
    }
  }
  return { count, totalMsat };
}

/** The fee the funder pays on `side`'s next commitment with `extraHtlcs` more non-dust HTLCs. */
function funderFeeMsat(ch: Channel, side: Side, extraHtlcs: number): bigint {
  const n = side === 'local' ? nextLocal(ch) : nextRemote(ch);
  const rate = commitmentFeerate(ch.s, side, n);
  const dust = side === 'local' ? ch.s.ourParams.dustLimitSat : ch.s.theirParams!.dustLimitSat;
  const { htlcs } = commitmentBalances(ch.s, side, n);
  const nonDust = htlcs.filter((h) => !isHtlcTrimmed(side === 'local' ? h.outbound : !h.outbound, h.amountMsat, dust, rate, ch.s.anchors)).length;
  return (commitmentFeeSat(rate, nonDust + extraHtlcs, ch.s.anchors) + (ch.s.anchors ? 2n * ANCHOR_OUTPUT_VALUE_SAT : 0n)) * 1000n;
}

/** Our spendable balance for a new outbound HTLC right now (msat), after reserve and fees. */
export function availableOutboundMsat(ch: Channel): bigint {
  const { toLocalMsat } = commitmentBalances(ch.s, 'remote', nextRemote(ch));
  let pendingOut = 0n;
  for (const h of ch.s.htlcs) if (h.outbound && h.addRemote === undefined) pendingOut += h.amountMsat;
  for (const u of ch.s.holdingCell) if (u.type === 'add') pendingOut += u.amountMsat;
  let avail = toLocalMsat - pendingOut - ch.s.theirParams!.channelReserveSat * 1000n;
  if (ch.s.isOutbound) avail -= funderFeeMsat(ch, 'remote', 1);
  return avail > 0n ? avail : 0n;
}

// ------------------------------------------------------------------------- our updates

/** Adds an outbound HTLC (held in the holding cell while we await a `revoke_and_ack`). Returns its id, or `undefined` if held. */
export function sendAddHtlc(ch: Channel, amountMsat: bigint, paymentHash: Uint8Array, cltvExpiry: number, onion: Uint8Array, meta?: Uint8Array): void {
  const s = ch.s;
  if (!ch.isUsable) throw ChannelError.ignore('channel is not usable (not ready, closing or disconnected)');
  if (amountMsat < s.theirParams!.htlcMinimumMsat) throw ChannelError.ignore(`amount ${amountMsat} msat is below the peer's htlc_minimum_msat ${s.theirParams!.htlcMinimumMsat}`);
  const fl = inFlight(ch, 'remote', true);
  const held = s.holdingCell.filter((u) => u.type === 'add') as Extract<HoldingCellUpdate, { type: 'add' }>[];
  if (fl.count + held.length + 1 > s.theirParams!.maxAcceptedHtlcs) throw ChannelError.ignore(`the peer accepts at most ${s.theirParams!.maxAcceptedHtlcs} HTLCs`);
  const heldTotal = held.reduce((a, u) => a + u.amountMsat, 0n);
  if (fl.totalMsat + heldTotal + amountMsat > s.theirParams!.maxHtlcValueInFlightMsat) {
    throw ChannelError.ignore(`the peer's max_htlc_value_in_flight_msat ${s.theirParams!.maxHtlcValueInFlightMsat} would be exceeded`);
  }
  if (amountMsat > availableOutboundMsat(ch)) throw ChannelError.ignore(`insufficient balance: ${availableOutboundMsat(ch)} msat available, ${amountMsat} needed`);
  const u: HoldingCellUpdate = { type: 'add', amountMsat, paymentHash, cltvExpiry, onion, ...(meta ? { meta } : {}) };
  if (mustHold(ch)) s.holdingCell.push(u);
  else applyLocalUpdate(ch, u);
}

function mustHold(ch: Channel): boolean {
  return awaitingRevoke(ch) || ch.monitorPending || !ch.s.connected || ch.s.awaitingReestablish;
}

/** Fulfills an inbound HTLC with its preimage. */
export function sendFulfillHtlc(ch: Channel, htlcId: bigint, preimage: Uint8Array): void {
  const h = inboundLive(ch, htlcId);
  if (!equalBytes(sha256(preimage), h.paymentHash)) throw ChannelError.ignore(`preimage does not match the payment hash of HTLC ${htlcId}`);
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
  if (!ch.isUsable && !ch.s.closing) throw ChannelError.ignore('channel is not usable');
  queueLocal(ch, { type: 'fee', feeratePerKw });
}

function inboundLive(ch: Channel, htlcId: bigint): HtlcRecord {
  const h = ch.s.htlcs.find((x) => !x.outbound && x.id === htlcId);
  if (!h || h.removal || ch.s.holdingCell.some((u) => u.type !== 'add' && u.type !== 'fee' && u.htlcId === htlcId)) {
    throw ChannelError.ignore(`no live inbound HTLC ${htlcId}`);
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
  switch (u.type) {
    case 'add': {
      const id = s.nextOutboundHtlcId++;
      s.htlcs.push({ id, outbound: true, amountMsat: u.amountMsat, paymentHash: u.paymentHash, cltvExpiry: u.cltvExpiry, onion: u.onion, addRemote: at, ...(u.meta ? { meta: u.meta } : {}) });
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
      return;
    }
    case 'fee':
      s.feeUpdates.push({ feeratePerKw: u.feeratePerKw, remote: at });
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
}

/** Releases the holding cell (after a `revoke_and_ack`, a monitor completion or a reconnect), then signs. */
export function releaseHoldingCell(ch: Channel): void {
  if (mustHold(ch)) return;
  const cell = ch.s.holdingCell;
  ch.s.holdingCell = [];
  for (const u of cell) {
    try {
      if (u.type === 'add') {
        // Re-check the add against the state now; a failure goes back to the payer.
        if (u.amountMsat > availableOutboundMsat(ch) + u.amountMsat && !ch.isUsable) throw ChannelError.ignore('channel no longer usable');
      }
      applyLocalUpdate(ch, u);
    } catch (e) {
      ch.ctx.log.warn(`holding cell update dropped: ${(e as Error).message}`);
    }
  }
  maybeSendCommitment(ch);
}

// ------------------------------------------------------------------------- their updates

/** `update_add_htlc` receiver checks (BOLT 2). */
export function onUpdateAddHtlc(ch: Channel, m: { id: bigint; amountMsat: bigint; paymentHash: Uint8Array; cltvExpiry: number; onionRoutingPacket: Uint8Array }): void {
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
  let pending = 0n;
  for (const h of s.htlcs) if (!h.outbound && h.addLocal === undefined) pending += h.amountMsat;
  let left = toRemoteMsat - pending - m.amountMsat;
  if (!s.isOutbound) left -= funderFeeMsat(ch, 'local', 1);
  if (left < s.ourParams.channelReserveSat * 1000n) throw ChannelError.close(`the peer cannot afford this HTLC while keeping its channel reserve and the fee (${left} msat left)`);
  s.nextInboundHtlcId++;
  s.htlcs.push({ id: m.id, outbound: false, amountMsat: m.amountMsat, paymentHash: m.paymentHash, cltvExpiry: m.cltvExpiry, onion: m.onionRoutingPacket, addLocal: nextLocal(ch) });
}

function outboundCommitted(ch: Channel, id: bigint, what: string): HtlcRecord {
  const h = ch.s.htlcs.find((x) => x.outbound && x.id === id);
  if (!h) throw ChannelError.close(`${what} for unknown HTLC id ${id}`);
  if (h.removal) throw ChannelError.close(`${what} for HTLC ${id}, already removed`);
  // BOLT 2: the HTLC must be irrevocably committed in the counterparty's commitment... at least in the one they hold.
  if (h.addRemote === undefined || h.addRemote > ch.s.counterpartyLatestCtn || h.addLocal === undefined) throw ChannelError.close(`${what} for HTLC ${id}, not yet committed`);
  return h;
}

export function onUpdateFulfillHtlc(ch: Channel, hooks: HtlcHooks | undefined, id: bigint, preimage: Uint8Array): void {
  const h = outboundCommitted(ch, id, 'update_fulfill_htlc');
  if (!equalBytes(sha256(preimage), h.paymentHash)) throw ChannelError.close(`update_fulfill_htlc ${id}: preimage does not match the payment hash`);
  h.removal = { kind: 'fulfill', preimage };
  h.removeLocal = nextLocal(ch);
  ch.updateMonitor([{ type: 'PaymentPreimage', paymentPreimage: preimage }]);
  hooks?.outboundFulfilled(ch, h, preimage);
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
  const { toRemoteMsat } = commitmentBalances(s, 'local', nextLocal(ch));
  if (toRemoteMsat < funderFeeMsat(ch, 'local', 0)) throw ChannelError.close(`the funder cannot afford feerate ${feeratePerKw}`);
}

// ------------------------------------------------------------------------- the dance

/** `commitment_signed`: check it, hand the new holder commitment to the monitor, then revoke the old one. */
export function onCommitmentSigned(ch: Channel, hooks: HtlcHooks | undefined, sig: Uint8Array, htlcSigs: Uint8Array[]): void {
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
  sendRevoke(ch, hooks);
}

function sendRevoke(ch: Channel, hooks: HtlcHooks | undefined): void {
  const s = ch.s;
  const secret = ch.signer.releaseCommitmentSecret(secretIndex(s.holderCtn - 1n));
  const nextPoint = ch.signer.getPerCommitmentPoint(secretIndex(s.holderCtn + 1n));
  // Their updates now in our commitment go into their next one.
  const at = nextRemote(ch);
  for (const h of s.htlcs) {
    if (!h.outbound && h.addLocal !== undefined && h.addLocal <= s.holderCtn && h.addRemote === undefined) h.addRemote = at;
    if (h.outbound && h.removeLocal !== undefined && h.removeLocal <= s.holderCtn && h.removeRemote === undefined) h.removeRemote = at;
  }
  for (const f of s.feeUpdates) if (f.local !== undefined && f.local <= s.holderCtn && f.remote === undefined) f.remote = at;
  s.lastSentWasRevoke = true;
  ch.send(makeMessage('revoke_and_ack', { channelId: s.channelId, perCommitmentSecret: secret, nextPerCommitmentPoint: nextPoint }));
  resolveIrrevocable(ch, hooks);
  pruneSettled(s);
  maybeSendCommitment(ch);
}

/** The `revoke_and_ack` we sent for our current commitment, rebuilt for retransmission. */
export function lastRevokeMessage(ch: Channel) {
  const s = ch.s;
  return makeMessage('revoke_and_ack', {
    channelId: s.channelId,
    perCommitmentSecret: ch.signer.releaseCommitmentSecret(secretIndex(s.holderCtn - 1n)),
    nextPerCommitmentPoint: ch.signer.getPerCommitmentPoint(secretIndex(s.holderCtn + 1n)),
  });
}

/** `revoke_and_ack`: check the secret, give it to the monitor, lock in our updates, release the holding cell. */
export function onRevokeAndAck(ch: Channel, hooks: HtlcHooks | undefined, secret: Uint8Array, nextPoint: Uint8Array): void {
  const s = ch.s;
  if (!awaitingRevoke(ch)) throw ChannelError.close('revoke_and_ack without a pending commitment_signed');
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
  resolveIrrevocable(ch, hooks);
  pruneSettled(s);
  releaseHoldingCell(ch);
}

/**
 * Tells the payments layer about HTLCs that just became irrevocable: inbound adds present in
 * both sides' current commitments, outbound failures removed from both.
 */
function resolveIrrevocable(ch: Channel, hooks: HtlcHooks | undefined): void {
  if (!hooks) return;
  const s = ch.s;
  for (const h of s.htlcs) {
    const meta = h as HtlcRecord & { _notified?: boolean };
    if (!h.outbound && !h.removal && h.addLocal !== undefined && h.addLocal <= s.holderCtn && h.addRemote !== undefined && h.addRemote <= s.counterpartyOldestCtn && !meta._notified) {
      meta._notified = true;
      hooks.inboundLockedIn(ch, h);
    }
    if (h.outbound && h.removal && h.removal.kind !== 'fulfill' && h.removeLocal !== undefined && h.removeLocal <= s.holderCtn && h.removeRemote !== undefined && h.removeRemote <= s.counterpartyOldestCtn && !meta._notified) {
      meta._notified = true;
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
  const keep: HtlcRecord[] = [];
  for (const h of s.htlcs) {
    if (h.outbound && h.addRemote === nr) {
      requeue.push({ type: 'add', amountMsat: h.amountMsat, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry, onion: h.onion, ...(h.meta ? { meta: h.meta } : {}) });
      continue;
    }
    if (!h.outbound && h.addLocal === nl && h.addRemote === undefined) {
      s.nextInboundHtlcId = h.id < s.nextInboundHtlcId ? h.id : s.nextInboundHtlcId;
      continue;
    }
    if (!h.outbound && h.removal && h.removeRemote === nr) {
      const r = h.removal;
      requeue.push(r.kind === 'fulfill' ? { type: 'fulfill', htlcId: h.id, preimage: r.preimage } : r.kind === 'fail' ? { type: 'fail', htlcId: h.id, reason: r.reason } : { type: 'malformed', htlcId: h.id, sha256OfOnion: r.sha256OfOnion, failureCode: r.failureCode });
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
      requeue.push({ type: 'fee', feeratePerKw: f.feeratePerKw });
      return false;
    }
    return !(f.local === nl && f.remote === undefined && !s.isOutbound);
  });
  s.holdingCell = [...requeue, ...s.holdingCell];
}
