/**
 * BOLT 2 "Channel Close": `shutdown`, then either the legacy `closing_signed` fee negotiation
 * (with `fee_range`, or by rounds without it) or, when both peers support
 * `option_simple_close`, `closing_complete`/`closing_sig` where each side pays its own fee.
 */
import { equalBytes, isHighS } from '@ln/crypto';
import {
  buildClosingTransaction, buildLegacyClosingTransaction, closingTransactionWeight, fundingWitness, serializeTx, txidOf, verifyInput, withWitness,
  type Transaction,
} from '@ln/transactions';
import { makeMessage, type ClosingComplete, type ClosingSig, type ClosingSigned } from '@ln/wire';
import { ChannelError } from '../errors.js';
import type { Channel } from './channel.js';
import { commitmentBalances } from './commitment.js';
import { hasChangesForRemote, hasPendingHtlcs, maybeSendCommitment, releaseHoldingCell } from './updates.js';

/** BOLT 3 "Dust Limits": the Bitcoin Core dust threshold of an output script, in satoshis. */
export function dustThresholdSat(script: Uint8Array): bigint {
  if (script.length === 25 && script[0] === 0x76) return 546n; // P2PKH
  if (script.length === 23 && script[0] === 0xa9) return 540n; // P2SH
  if (script.length === 22 && script[0] === 0x00) return 294n; // P2WPKH
  if (script.length === 34 && script[0] === 0x00) return 330n; // P2WSH
  if (script[0] === 0x6a) return 0n; // OP_RETURN is never dust
  return 354n; // other witness versions (P2TR is 330; 354 is the safe bound)
}

/** BOLT 2 `shutdown` `scriptpubkey` rules (with `option_shutdown_anysegwit`, and `OP_RETURN` for simple close). */
export function isValidShutdownScript(s: Uint8Array, anySegwit: boolean, simpleClose: boolean): boolean {
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) return true;
  if (s.length === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) return true;
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) return true;
  if (s.length === 34 && s[0] === 0x00 && s[1] === 0x20) return true;
  if (anySegwit && s.length >= 4 && s.length <= 42 && s[0]! >= 0x51 && s[0]! <= 0x60 && s[1] === s.length - 2 && s[1]! >= 2 && s[1]! <= 40) return true;
  if (simpleClose && s[0] === 0x6a) {
    if (s.length >= 8 && s.length <= 81 && s[1] === s.length - 2 && s[1]! >= 6 && s[1]! <= 75) return true;
    if (s.length >= 79 && s.length <= 83 && s[1] === 0x4c && s[2] === s.length - 3 && s[2]! >= 76 && s[2]! <= 80) return true;
  }
  return false;
}

function simpleCloseNegotiated(ch: Channel): boolean {
  return ch.ctx.config.channelHandshakeConfig.negotiateSimpleClose && ch.ctx.peerSupports(ch.peer, 'option_simple_close');
}

/** Starts a cooperative close: sends `shutdown` (BOLT 2). */
export function startShutdown(ch: Channel, script?: Uint8Array): void {
  const s = ch.s;
  if (s.phase !== 'Funded') throw ChannelError.ignore(`cannot close a channel in phase ${s.phase}`);
  if (s.closing?.ourScript) throw ChannelError.ignore('shutdown already sent');
  const ours = script ?? ch.ctx.signerProvider.getShutdownScriptpubkey();
  s.closing = { ...(s.closing ?? {}), ourScript: ours, simple: simpleCloseNegotiated(ch) };
  // BOLT 2: no shutdown while updates are pending on the peer's commitment, nor before the
  // reestablish exchange: sign them first, or send the shutdown once they are signed (or on reestablish).
  maybeSendCommitment(ch);
  // Updates still in the holding cell go first too, so that the peer never starts closing while we have some to send.
  if (hasChangesForRemote(ch) || s.holdingCell.length > 0 || !s.connected || s.awaitingReestablish) {
    s.closing.shutdownPending = true;
    return;
  }
  sendShutdown(ch);
}

/** Sends our `shutdown` (first time or retransmission) and starts the negotiation if it can. */
export function sendShutdown(ch: Channel): void {
  const c = ch.s.closing!;
  delete c.shutdownPending;
  ch.send(makeMessage('shutdown', { channelId: ch.s.channelId, scriptpubkey: c.ourScript! }));
  maybeStartNegotiation(ch);
}

/** `shutdown` received: check the script, answer with ours, and negotiate once no HTLC remains. */
export function onShutdown(ch: Channel, script: Uint8Array): void {
  const s = ch.s;
  if (s.phase !== 'Funded') throw ChannelError.close(`shutdown in phase ${s.phase}`);
  const simple = simpleCloseNegotiated(ch);
  if (!isValidShutdownScript(script, ch.ctx.peerSupports(ch.peer, 'option_shutdown_anysegwit'), simple)) throw ChannelError.warn('shutdown scriptpubkey is not a valid shutdown script');
  if (s.theirUpfrontShutdownScript && s.theirUpfrontShutdownScript.length && !equalBytes(script, s.theirUpfrontShutdownScript)) {
    throw ChannelError.close('shutdown scriptpubkey differs from the upfront_shutdown_script');
  }
  if (s.closing?.theirScript && !equalBytes(s.closing.theirScript, script)) throw ChannelError.close('a second shutdown with a different scriptpubkey');
  s.closing = { ...(s.closing ?? {}), theirScript: script, simple };
  if (!s.closing.ourScript) {
    // Updates in flight still complete; we add no new HTLCs from here on (BOLT 2).
    releaseHoldingCell(ch);
    maybeSendCommitment(ch);
    startShutdown(ch);
  } else maybeStartNegotiation(ch);
  ch.updateMonitor([{ type: 'ShutdownScript', scriptPubkey: script }]);
}

/** Both `shutdown`s exchanged and no HTLC left: the funder opens the fee negotiation (or both send `closing_complete`). */
export function maybeStartNegotiation(ch: Channel): void {
  const c = ch.s.closing;
  if (!c?.ourScript || c.shutdownPending || !c.theirScript || c.closingTx || hasPendingHtlcs(ch) || !ch.s.connected || ch.s.awaitingReestablish) return;
  if (c.simple) {
    if (!c.sentComplete) sendClosingComplete(ch);
    return;
  }
  if (ch.s.isOutbound && c.lastSentFeeSat === undefined) sendClosingSigned(ch, feeBounds(ch).target);
}

/** Our acceptable fee range and preferred fee for a legacy closing transaction. */
export function feeBounds(ch: Channel): { min: bigint; max: bigint; target: bigint } {
  const c = ch.s.closing!;
  const w = BigInt(closingTransactionWeight([c.ourScript!, c.theirScript!]));
  const rate = (t: Parameters<typeof ch.ctx.fees.getEstSatPer1000Weight>[0]) => BigInt(ch.ctx.fees.getEstSatPer1000Weight(t));
  const min = (rate('ChannelCloseMinimum') * w) / 1000n;
  let target = (rate('NonAnchorChannelFee') * w) / 1000n;
  const bal = balances(ch);
  const funderBalanceSat = (ch.s.isOutbound ? bal.ours : bal.theirs) / 1000n;
  let max = ch.s.isOutbound ? (rate('OnChainSweep') * w) / 1000n : funderBalanceSat;
  if (max > funderBalanceSat) max = funderBalanceSat;
  if (target < min) target = min;
  if (target > max) target = max;
  return { min, max: max < min ? min : max, target };
}

function balances(ch: Channel): { ours: bigint; theirs: bigint } {
  const b = commitmentBalances(ch.s, 'local', ch.s.holderCtn);
  return { ours: b.toLocalMsat, theirs: b.toRemoteMsat };
}

function legacyTx(ch: Channel, feeSat: bigint, dustLimitSat: bigint): Transaction {
  const c = ch.s.closing!;
  const bal = balances(ch);
  return buildLegacyClosingTransaction({
    fundingOutpoint: ch.s.fundingOutpoint!, local: { scriptPubkey: c.ourScript!, balanceMsat: bal.ours }, remote: { scriptPubkey: c.theirScript!, balanceMsat: bal.theirs },
    localIsFunder: ch.s.isOutbound, feeSat, dustLimitSat,
  });
}

function commonDust(ch: Channel): bigint {
  const a = ch.s.ourParams.dustLimitSat;
  const b = ch.s.theirParams!.dustLimitSat;
  return a > b ? a : b;
}

function signClosing(ch: Channel, tx: Transaction): Uint8Array {
  return ch.signer.signClosingTransaction(tx, { fundingValueSat: ch.s.channelValueSat, counterpartyFundingPubkey: ch.s.counterpartyPubkeys!.fundingPubkey });
}

function verifyClosing(ch: Channel, tx: Transaction, sig: Uint8Array): boolean {
  return !isHighS(sig) && verifyInput(ch.ctx.secp, tx, 0, ch.fundingScript, ch.s.channelValueSat, sig, ch.s.counterpartyPubkeys!.fundingPubkey);
}

function sendClosingSigned(ch: Channel, feeSat: bigint): void {
  const c = ch.s.closing!;
  const tx = legacyTx(ch, feeSat, commonDust(ch));
  c.lastSentFeeSat = feeSat;
  c.rounds = (c.rounds ?? 0) + 1;
  const b = feeBounds(ch);
  const useRange = ch.ctx.config.channelHandshakeConfig.closingFeeRange;
  ch.send(makeMessage('closing_signed', {
    channelId: ch.s.channelId, feeSatoshis: feeSat, signature: signClosing(ch, tx),
    tlvs: useRange ? { feeRange: { minFeeSatoshis: b.min, maxFeeSatoshis: b.max } } : {},
  }));
}

/** Completes a cooperative close with both signatures: broadcast, and report the channel closed. */
function finish(ch: Channel, tx: Transaction, theirSig: Uint8Array): void {
  const ourSig = signClosing(ch, tx);
  const signed = withWitness(tx, 0, fundingWitness(ch.fundingScript, ch.s.holderPubkeys.fundingPubkey, ourSig, ch.s.counterpartyPubkeys!.fundingPubkey, theirSig));
  const raw = serializeTx(signed);
  const first = !ch.s.closing!.closingTx;
  ch.s.closing!.closingTx = raw;
  ch.s.closing!.agreedFeeSat = ch.s.closing!.lastSentFeeSat ?? ch.s.closing!.lastReceivedFeeSat;
  ch.ctx.broadcastTransaction(raw);
  if (first) {
    ch.ctx.event({
      type: 'ChannelClosed', channelId: ch.s.channelId, counterpartyNodeId: ch.peer, userChannelId: ch.s.userChannelId,
      reason: { type: 'CooperativeClosure', closingTxid: txidOf(tx) }, channelCapacitySat: ch.s.channelValueSat,
    });
  }
}

/** Legacy `closing_signed` (BOLT 2 "Closing Negotiation: closing_signed"). */
export function onClosingSigned(ch: Channel, m: ClosingSigned): void {
  const c = ch.s.closing;
  if (!c?.ourScript || !c.theirScript) throw ChannelError.close('closing_signed before both shutdown messages');
  if (c.simple) throw ChannelError.warn('closing_signed on a channel negotiating with closing_complete');
  if (hasPendingHtlcs(ch)) throw ChannelError.close('closing_signed while HTLCs are pending');
  const fee = m.feeSatoshis;
  if (c.closingTx) {
    // Already agreed (our last closing_signed may have been lost with the connection): repeat it.
    if (c.agreedFeeSat !== undefined && !c.repeatedAgreement) {
      c.repeatedAgreement = true; // once per connection, so two closed sides never echo each other
      sendAgreed(ch, legacyTx(ch, c.agreedFeeSat, commonDust(ch)), c.agreedFeeSat);
    }
    return;
  }
  // Find the variant their signature covers (BOLT 3: each side removes outputs below its dust limit).
  const variants = [commonDust(ch), ch.s.theirParams!.dustLimitSat, ch.s.ourParams.dustLimitSat];
  let tx: Transaction | undefined;
  for (const d of variants) {
    const t = legacyTx(ch, fee, d);
    if (verifyClosing(ch, t, m.signature)) {
      tx = t;
      break;
    }
  }
  if (!tx) throw ChannelError.close(`closing_signed: invalid signature for fee ${fee}`);
  const bal = balances(ch);
  const funderBal = (ch.s.isOutbound ? bal.ours : bal.theirs) / 1000n;
  if (fee > funderBal) throw ChannelError.close(`closing_signed fee ${fee} is more than the funder's balance`);
  c.lastReceivedFeeSat = fee;
  if (c.lastSentFeeSat === fee) return finish(ch, tx, m.signature);
  const ours = feeBounds(ch);
  const range = m.tlvs.feeRange;
  if (range) {
    c.theirFeeRange = { min: range.minFeeSatoshis, max: range.maxFeeSatoshis };
    const lo = ours.min > range.minFeeSatoshis ? ours.min : range.minFeeSatoshis;
    const hi = ours.max < range.maxFeeSatoshis ? ours.max : range.maxFeeSatoshis;
    if (lo > hi) throw ChannelError.warn(`closing_signed: no overlap between fee_range [${range.minFeeSatoshis}, ${range.maxFeeSatoshis}] and ours [${ours.min}, ${ours.max}]`);
    if (fee >= lo && fee <= hi) {
      sendAgreed(ch, tx, fee);
      return finish(ch, tx, m.signature);
    }
    if (c.lastSentFeeSat !== undefined && ch.s.isOutbound) throw ChannelError.close(`closing_signed fee ${fee} is outside the agreed range [${lo}, ${hi}]`);
    const counter = ours.target < lo ? lo : ours.target > hi ? hi : ours.target;
    return sendClosingSigned(ch, counter);
  }
  // Without fee_range: accept a fee in our range, else move strictly towards theirs.
  if (fee >= ours.min && fee <= ours.max) {
    sendAgreed(ch, tx, fee);
    return finish(ch, tx, m.signature);
  }
  const last = c.lastSentFeeSat ?? ours.target;
  let next = c.lastSentFeeSat === undefined ? ours.target : last + (fee - last) / 2n;
  if (next < ours.min) next = ours.min;
  if (next > ours.max) next = ours.max;
  if (c.lastSentFeeSat !== undefined && (next === last || (fee > last ? next >= fee : next <= fee))) {
    throw ChannelError.warn(`closing_signed: cannot agree on a fee (ours [${ours.min}, ${ours.max}], theirs ${fee})`);
  }
  sendClosingSigned(ch, next);
}

function sendAgreed(ch: Channel, tx: Transaction, fee: bigint): void {
  const c = ch.s.closing!;
  c.lastSentFeeSat = fee;
  c.rounds = (c.rounds ?? 0) + 1;
  ch.send(makeMessage('closing_signed', { channelId: ch.s.channelId, feeSatoshis: fee, signature: signClosing(ch, tx), tlvs: {} }));
}

// --------------------------------------------------------------------------- option_simple_close

type SigField = 'closerOutputOnly' | 'closeeOutputOnly' | 'closerAndCloseeOutputs';

function simpleTx(ch: Channel, closer: 'us' | 'them', closerScript: Uint8Array, closeeScript: Uint8Array, feeSat: bigint, locktime: number, field: SigField): Transaction {
  const bal = balances(ch);
  const closerBal = closer === 'us' ? bal.ours : bal.theirs;
  const closeeBal = closer === 'us' ? bal.theirs : bal.ours;
  return buildClosingTransaction({
    fundingOutpoint: ch.s.fundingOutpoint!,
    closer: { scriptPubkey: closerScript, balanceMsat: closerBal, omit: field === 'closeeOutputOnly' },
    closee: { scriptPubkey: closeeScript, balanceMsat: closeeBal, omit: field === 'closerOutputOnly' },
    feeSat, locktime,
  });
}

/** Sends our `closing_complete`: we pay our own fee from our output. */
export function sendClosingComplete(ch: Channel): void {
  const c = ch.s.closing!;
  const bal = balances(ch);
  const w = BigInt(closingTransactionWeight([c.ourScript!, c.theirScript!]));
  let fee = (BigInt(ch.ctx.fees.getEstSatPer1000Weight('NonAnchorChannelFee')) * w) / 1000n;
  const ourSat = bal.ours / 1000n;
  if (fee > ourSat) fee = ourSat;
  const locktime = ch.ctx.bestBlock().height;
  const closerAmt = ourSat - fee;
  const closeeAmt = bal.theirs / 1000n;
  const closerDust = c.ourScript![0] !== 0x6a && closerAmt < dustThresholdSat(c.ourScript!);
  const closeeDust = closeeAmt < dustThresholdSat(c.theirScript!);
  const fields: SigField[] = [];
  if (bal.ours < bal.theirs) fields.push(closerDust ? 'closeeOutputOnly' : 'closerAndCloseeOutputs');
  else if (closeeDust) fields.push('closerOutputOnly');
  else fields.push('closerOutputOnly', 'closerAndCloseeOutputs');
  if (closerDust && closeeDust) return; // nothing sensible to sign; wait (or use OP_RETURN)
  const tlvs: Partial<Record<SigField, Uint8Array>> = {};
  for (const f of fields) tlvs[f] = signClosing(ch, simpleTx(ch, 'us', c.ourScript!, c.theirScript!, fee, locktime, f));
  c.sentComplete = { feeSat: fee, locktime, fields };
  ch.send(makeMessage('closing_complete', { channelId: ch.s.channelId, closerScriptpubkey: c.ourScript!, closeeScriptpubkey: c.theirScript!, feeSatoshis: fee, locktime, tlvs }));
}

/** `closing_complete` received (we are the closee): pick the variant, check, sign, broadcast, answer `closing_sig`. */
export function onClosingComplete(ch: Channel, m: ClosingComplete): void {
  const c = ch.s.closing;
  if (!c?.ourScript || !c.theirScript) throw ChannelError.warn('closing_complete before both shutdown messages');
  if (!c.simple) throw ChannelError.warn('closing_complete without option_simple_close');
  if (hasPendingHtlcs(ch)) throw ChannelError.warn('closing_complete while HTLCs are pending');
  const bal = balances(ch);
  if (m.feeSatoshis > bal.theirs / 1000n) throw ChannelError.warn(`closing_complete fee ${m.feeSatoshis} is more than the closer's balance`);
  if (!equalBytes(m.closeeScriptpubkey, c.ourScript)) throw ChannelError.warn('closing_complete closee_scriptpubkey is not our script');
  if (!isValidShutdownScript(m.closerScriptpubkey, ch.ctx.peerSupports(ch.peer, 'option_shutdown_anysegwit'), true)) throw ChannelError.warn('closing_complete closer_scriptpubkey is invalid');
  const ourAmt = bal.ours / 1000n;
  let field: SigField;
  if (ourAmt < dustThresholdSat(c.ourScript)) field = 'closerOutputOnly';
  else if (m.tlvs.closerAndCloseeOutputs) field = 'closerAndCloseeOutputs';
  else field = 'closeeOutputOnly';
  const sig = m.tlvs[field];
  if (!sig) throw ChannelError.warn(`closing_complete lacks the ${field} signature`);
  const tx = simpleTx(ch, 'them', m.closerScriptpubkey, m.closeeScriptpubkey, m.feeSatoshis, m.locktime, field);
  if (!verifyClosing(ch, tx, sig)) throw ChannelError.warn(`closing_complete: invalid ${field} signature`);
  c.theirScript = m.closerScriptpubkey;
  ch.send(makeMessage('closing_sig', {
    channelId: ch.s.channelId, closerScriptpubkey: m.closerScriptpubkey, closeeScriptpubkey: m.closeeScriptpubkey, feeSatoshis: m.feeSatoshis, locktime: m.locktime,
    tlvs: { [field]: signClosing(ch, tx) },
  }));
  finish(ch, tx, sig);
}

/** `closing_sig` received (we are the closer): check it matches what we sent, then broadcast. */
export function onClosingSig(ch: Channel, m: ClosingSig): void {
  const c = ch.s.closing;
  const sent = c?.sentComplete;
  if (!c || !sent) throw ChannelError.warn('closing_sig without our closing_complete');
  if (!equalBytes(m.closerScriptpubkey, c.ourScript!) || !equalBytes(m.closeeScriptpubkey, c.theirScript!) || m.feeSatoshis !== sent.feeSat || m.locktime !== sent.locktime) {
    throw ChannelError.warn('closing_sig does not match our closing_complete');
  }
  const present = (['closerOutputOnly', 'closeeOutputOnly', 'closerAndCloseeOutputs'] as SigField[]).filter((f) => m.tlvs[f]);
  if (present.length !== 1 || !sent.fields.includes(present[0]!)) throw ChannelError.warn('closing_sig must hold exactly one of the signatures we sent');
  const field = present[0]!;
  const tx = simpleTx(ch, 'us', c.ourScript!, c.theirScript!, sent.feeSat, sent.locktime, field);
  if (!verifyClosing(ch, tx, m.tlvs[field]!)) throw ChannelError.warn(`closing_sig: invalid ${field} signature`);
  finish(ch, tx, m.tlvs[field]!);
}
