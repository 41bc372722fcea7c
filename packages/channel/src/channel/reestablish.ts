/**
 * BOLT 2 "Message Retransmission": handling the peer's `channel_reestablish` — retransmit
 * `channel_ready`, `revoke_and_ack`, `commitment_signed` (with its updates),
 * `announcement_signatures` and `shutdown` as needed, and the `option_data_loss_protect`
 * checks: a peer proving we are behind leads to a safe stop, never to broadcasting a revoked
 * state.
 */
import { equalBytes } from '@ln/crypto';
import { makeMessage, type ChannelReestablish, type KnownMessage } from '@ln/wire';
import { ChannelError } from '../errors.js';
import type { Channel } from './channel.js';
import { secretIndex } from './commitment.js';
import { maybeStartNegotiation } from './closing.js';
import { awaitingRevoke, hasChangesForRemote, lastRevokeMessage, releaseHoldingCell } from './updates.js';

const ZERO32 = new Uint8Array(32);

/** What reestablishment concluded. */
export type ReestablishOutcome = { readonly type: 'ok' } | { readonly type: 'dataLoss'; readonly message: string };

/** Handles the peer's `channel_reestablish`; throws a {@link ChannelError} to fail the channel. */
export function onChannelReestablish(ch: Channel, m: ChannelReestablish): ReestablishOutcome {
  const s = ch.s;
  if (s.phase !== 'Funded') throw ChannelError.close(`channel_reestablish in phase ${s.phase}`);
  if (!s.connected) {
    s.connected = true;
    ch.ctx.send(ch.peer, ch.reestablishMessage());
  }
  s.awaitingReestablish = false;

  // option_data_loss_protect: they expect a revocation of a commitment we never had.
  if (m.nextRevocationNumber > s.holderCtn) {
    const claimed = m.nextRevocationNumber - 1n;
    // Check the proof through the point: computing the secret itself would mark it released.
    if (ch.ctx.secp.isValidSecretKey(m.yourLastPerCommitmentSecret) && equalBytes(ch.ctx.secp.publicKeyCreate(m.yourLastPerCommitmentSecret), ch.signer.getPerCommitmentPoint(secretIndex(claimed)))) {
      return { type: 'dataLoss', message: `peer proved we are behind: they expect revocation ${m.nextRevocationNumber}, our commitment is ${s.holderCtn}` };
    }
    throw ChannelError.close(`channel_reestablish next_revocation_number ${m.nextRevocationNumber} is ahead of us (${s.holderCtn}) without proof`);
  }
  // BOLT 2: next_commitment_number 0, or other than what we would sign next (or resend), fails the
  // channel. Only next_revocation_number with the secret (above) proves that we lost state.
  if (m.nextCommitmentNumber === 0n) throw ChannelError.close('channel_reestablish next_commitment_number is 0');
  // Their copy of our last secret must match.
  const expected = s.holderCtn > 0n && m.nextRevocationNumber > 0n ? secretFor(ch, m.nextRevocationNumber - 1n) : ZERO32;
  if (m.nextRevocationNumber > 0n && !equalBytes(expected!, m.yourLastPerCommitmentSecret)) {
    throw ChannelError.close('channel_reestablish your_last_per_commitment_secret does not match');
  }


  // channel_ready: when both sides are at commitment 1.
  if (m.nextCommitmentNumber === 1n && s.holderCtn === 0n && s.channelReadySent) ch.send(ch.channelReadyMessage());

  const needRevoke = s.holderCtn > 0n && m.nextRevocationNumber === s.holderCtn - 1n;
  if (!needRevoke && m.nextRevocationNumber !== s.holderCtn) {
    throw ChannelError.close(`channel_reestablish next_revocation_number ${m.nextRevocationNumber} does not match our commitment ${s.holderCtn}`);
  }
  const needCommit = awaitingRevoke(ch) && m.nextCommitmentNumber === s.counterpartyLatestCtn;
  if (!needCommit && m.nextCommitmentNumber !== s.counterpartyLatestCtn + 1n) {
    throw ChannelError.close(`channel_reestablish next_commitment_number ${m.nextCommitmentNumber} does not match our last commitment_signed (${s.counterpartyLatestCtn})`);
  }
  // BOLT 2: retransmit in the order they were originally sent.
  if (needRevoke && needCommit) {
    if (s.lastSentWasRevoke) {
      resendCommitment(ch);
      ch.send(lastRevokeMessage(ch));
    } else {
      ch.send(lastRevokeMessage(ch));
      resendCommitment(ch);
    }
  } else if (needRevoke) ch.send(lastRevokeMessage(ch));
  else if (needCommit) resendCommitment(ch);

  if (s.announcementSigsSent && !s.announced) ch.send(ch.announcementSignaturesMessage());
  // Our shutdown (retransmitted, or sent now if it waited): after any retransmitted commitment_signed.
  if (s.closing?.ourScript && !hasChangesForRemote(ch) && (!s.closing.shutdownPending || s.holdingCell.length === 0)) {
    delete s.closing.shutdownPending;
    ch.send(makeMessage('shutdown', { channelId: s.channelId, scriptpubkey: s.closing.ourScript }));
  }
  if (s.announced || (!s.announce && s.channelReadySent && s.channelReadyReceived && s.shortChannelId !== undefined)) ch.send(ch.channelUpdate());
  releaseHoldingCell(ch);
  ch.bestBlockUpdated();
  maybeStartNegotiation(ch);
  return { type: 'ok' };
}

/** Our per-commitment secret of an already revoked commitment `n` (never of an unrevoked one). */
function secretFor(ch: Channel, n: bigint): Uint8Array | undefined {
  if (n < 0n || n >= ch.s.holderCtn) return undefined;
  return ch.signer.releaseCommitmentSecret(secretIndex(n));
}

/** Re-sends our updates covered by our last `commitment_signed`, then that commitment (deterministic signatures). */
function resendCommitment(ch: Channel): void {
  const s = ch.s;
  const n = s.counterpartyLatestCtn;
  const channelId = s.channelId;
  // In the order they were first sent (BOLT 2: the receiver's checks depend on it, e.g. an add
  // affordable only thanks to a fulfill sent before it).
  const updates: [number, KnownMessage][] = [];
  for (const h of s.htlcs) {
    if (h.outbound && h.addRemote === n) {
      updates.push([h.addSeq ?? 0, makeMessage('update_add_htlc', { channelId, id: h.id, amountMsat: h.amountMsat, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry, onionRoutingPacket: h.onion })]);
    }
    if (!h.outbound && h.removal && h.removeRemote === n) {
      const r = h.removal;
      const seq = h.removeSeq ?? 0;
      if (r.kind === 'fulfill') updates.push([seq, makeMessage('update_fulfill_htlc', { channelId, id: h.id, paymentPreimage: r.preimage })]);
      else if (r.kind === 'fail') updates.push([seq, makeMessage('update_fail_htlc', { channelId, id: h.id, reason: r.reason })]);
      else updates.push([seq, makeMessage('update_fail_malformed_htlc', { channelId, id: h.id, sha256OfOnion: r.sha256OfOnion, failureCode: r.failureCode })]);
    }
  }
  for (const f of s.feeUpdates) if (f.remote === n && s.isOutbound) updates.push([f.seq ?? 0, makeMessage('update_fee', { channelId, feeratePerKw: f.feeratePerKw })]);
  updates.sort((x, y) => x[0] - y[0]);
  for (const [, m] of updates) ch.send(m);
  const info = ch.counterpartyCommitment(n, s.counterpartyNextPoint!);
  const { signature, htlcSignatures } = ch.signCounterparty(info);
  ch.send(makeMessage('commitment_signed', { channelId, signature, htlcSignature: htlcSignatures }));
}
