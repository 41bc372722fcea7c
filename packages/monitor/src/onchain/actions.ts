/**
 * What a monitor does on each new chain tip, given the on-chain view: report events once they
 * are final, and broadcast (and fee-bump) every claim that is ready (BOLT 5).
 */
import type { BroadcasterInterface, ConfirmationTarget, FeeEstimator, MonitorEvent, OutPoint, Txid } from '@ln/chain-interfaces';
import { FEERATE_FLOOR_SATS_PER_KW, clampFeerate } from '@ln/chain-interfaces';
import { bytesToHex, type Secp256k1 } from '@ln/crypto';
import { ANCHOR_OUTPUT_VALUE_SAT, anchorScript, commitmentFeeSat, p2wsh, type EcdsaChannelSigner } from '@ln/transactions';
import { outpointKey } from '../block-scan.js';
import { hasAnchors, holderKeys } from '../commitments.js';
import { ANTI_REORG_DELAY, CLAIM_DUST_LIMIT_SAT, FEE_BUMP_FACTOR, UNCONTESTED_CLAIM_MAX_FEE_SHARE } from '../constants.js';
import type { Balance, MonitorUserEvent, SpendableOutputDescriptor } from '../events.js';
import type { MonitorState } from '../monitor-state.js';
import { buildClaim, buildHolderHtlcTx, claimWeight, type SignedClaim } from './claims.js';
import type { Claimable, OnchainView } from './types.js';

/** What the actions need from the monitor. */
export interface ActionContext {
  readonly secp: Secp256k1;
  readonly st: MonitorState;
  readonly signer: () => EcdsaChannelSigner;
  readonly broadcaster: BroadcasterInterface;
  readonly feeEstimator: FeeEstimator;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** Claims already logged as uneconomic (this monitor's, kept for as long as it runs). */
  readonly uneconomic: Set<string>;
}

/** Claimables that are ours to claim by signing now (the rest we only watch). */
export function isClaimableByUs(c: Claimable): boolean {
  if (c.kind === 'holder_htlc_success' || c.kind === 'cp_htlc_preimage') return c.preimage !== undefined;
  return true;
}

const isRevoked = (c: Claimable) => c.kind === 'revoked_to_local' || c.kind === 'revoked_htlc' || c.kind === 'revoked_second_stage';

/** Ready, unspent claimables grouped into transactions: one justice transaction per revoked source, one transaction per other output. */
export function claimPackages(view: OnchainView, tip: number): Claimable[][] {
  const ready = view.claimables.filter((c) => !c.spentBy && tip >= c.readyHeight && isClaimableByUs(c));
  const packages: Claimable[][] = [];
  const justice = new Map<string, Claimable[]>();
  for (const c of ready) {
    if (isRevoked(c)) {
      const k = bytesToHex(c.sourceTxid);
      const list = justice.get(k) ?? [];
      if (!justice.has(k)) justice.set(k, list);
      list.push(c);
    } else packages.push([c]);
  }
  return [...justice.values(), ...packages];
}

const packageKey = (p: readonly Claimable[]) => p.map((c) => outpointKey(c.outpoint)).sort().join(',');

function targetOf(p: readonly Claimable[]): ConfirmationTarget {
  return p.every((c) => c.kind === 'holder_to_local' || c.kind === 'holder_second_stage') ? 'OutputSpendingFee' : 'OnChainSweep';
}

/**
 * The highest feerate (sat/kw) a claim of `p` may pay: its fee at most
 * {@link UNCONTESTED_CLAIM_MAX_FEE_SHARE} of the value for outputs only we can spend, at most
 * everything above {@link CLAIM_DUST_LIMIT_SAT} for contested ones, and never above the
 * estimator's `MaximumFeeEstimate`. Below the relay floor, the output cannot be claimed.
 */
export function claimFeerateCap(p: readonly Claimable[], destinationScript: Uint8Array, feeEstimator: FeeEstimator): number {
  const total = p.reduce((a, c) => a + c.valueSat, 0n);
  const weight = BigInt(claimWeight(p, destinationScript));
  const contested = targetOf(p) === 'OnChainSweep';
  const maxFee = contested ? total - CLAIM_DUST_LIMIT_SAT : (total * BigInt(Math.round(UNCONTESTED_CLAIM_MAX_FEE_SHARE * 1000))) / 1000n;
  const byValue = maxFee <= 0n ? 0 : Number((maxFee * 1000n) / weight); // floor: ceil(rate × weight / 1000) stays ≤ maxFee
  return Math.min(byValue, clampFeerate(feeEstimator.getEstSatPer1000Weight('MaximumFeeEstimate')));
}

/**
 * Broadcasts every ready claim. A claim first goes out at the estimator's feerate; each later
 * block it is still unconfirmed, it is re-signed at `max(estimate, previous × 1.25)` (RBF), up
 * to {@link claimFeerateCap}; once capped, the same transaction is rebroadcast every block
 * until it confirms (never abandoned). Pre-signed HTLC transactions of our commitment have a
 * fixed fee and are rebroadcast as they are. With `force`, claims already sent at this tip are
 * sent again at the same feerate.
 */
export function broadcastClaims(ctx: ActionContext, view: OnchainView, tip: number, force = false): void {
  const { st } = ctx;
  const live = new Set<string>();
  const txs: Uint8Array[] = [];
  for (const p of claimPackages(view, tip)) {
    const key = packageKey(p);
    live.add(key);
    const track = st.claimTracks.get(key);
    if (track && tip === track.lastHeight && !force) continue; // already sent for this tip
    const estimate = clampFeerate(ctx.feeEstimator.getEstSatPer1000Weight(targetOf(p)));
    const presigned = p[0]!.presigned;
    let feerate = estimate;
    if (!presigned) {
      const cap = claimFeerateCap(p, st.channel.destinationScript, ctx.feeEstimator);
      if (cap < FEERATE_FLOOR_SATS_PER_KW) {
        if (!ctx.uneconomic.has(key)) ctx.log('warn', `claim of ${key} skipped: the output cannot pay a fee at the relay floor (${FEERATE_FLOOR_SATS_PER_KW} sat/kw) within its cap`);
        ctx.uneconomic.add(key);
        continue;
      }
      if (track && tip > track.lastHeight) feerate = Math.max(estimate, Math.ceil(track.feeratePerKw * FEE_BUMP_FACTOR), track.feeratePerKw + 1);
      else if (track) feerate = track.feeratePerKw; // reorged back below the last broadcast: same tx again
      // Capped, but never below what is already in mempools (a lower replacement would be refused).
      feerate = Math.max(Math.min(feerate, cap), track ? Math.min(track.feeratePerKw, cap) : FEERATE_FLOOR_SATS_PER_KW);
      if (feerate === cap && (!track || track.feeratePerKw < cap)) ctx.log('warn', `claim of ${key} reached its fee cap (${cap} sat/kw); rebroadcast at it every block until it confirms`);
    }
    let signed: SignedClaim | undefined;
    try {
      signed = presigned ? buildHolderHtlcTx(st.channel, p[0]!, holderKeys(ctx.secp, st.channel, presigned.keysPoint), ctx.signer()) : buildClaim(p, st.channel.destinationScript, feerate, ctx.signer(), ctx.secp);
    } catch (e) {
      ctx.log('error', `cannot sign the claim of ${key}: ${(e as Error).message}`);
      continue;
    }
    if (!signed) {
      if (!ctx.uneconomic.has(key)) ctx.log('warn', `claim of ${key} skipped: the output does not pay its fee at ${feerate} sat/kw`);
      ctx.uneconomic.add(key);
      continue;
    }
    st.claimTracks.set(key, { key, firstHeight: track?.firstHeight ?? tip, lastHeight: tip, feeratePerKw: presigned ? signed.feeratePerKw : feerate });
    txs.push(signed.raw);
    if (presigned && hasAnchors(st.channel.channelType)) {
      emitOnce(st, `bump:${key}`, () => ({ type: 'BumpTransaction', channelId: st.channel.channelId, kind: 'HtlcResolution', tx: signed!.raw, targetFeeratePerKw: estimate }));
    }
  }
  for (const [k, t] of st.claimTracks) if (!live.has(k) && tip - t.lastHeight > ANTI_REORG_DELAY) st.claimTracks.delete(k);
  if (txs.length) {
    ctx.log('info', `broadcasting ${txs.length} claim transaction(s) at height ${tip}`);
    ctx.broadcaster.broadcastTransactions(txs);
  }
}

function emitOnce(st: MonitorState, key: string, make: () => MonitorUserEvent): void {
  if (st.emitted.has(key)) return;
  st.emitted.add(key);
  st.pendingEvents.push(make());
}
function monitorEventOnce(st: MonitorState, key: string, ev: MonitorEvent): void {
  if (st.emitted.has(key)) return;
  st.emitted.add(key);
  st.pendingMonitorEvents.push(ev);
}

/** Whether a transaction confirmed at `height` is final at `tip` ({@link ANTI_REORG_DELAY} confirmations). */
export function isFinal(height: number, tip: number): boolean {
  return tip - height + 1 >= ANTI_REORG_DELAY;
}

/**
 * Reports what became known or final: the funding spend (`CommitmentTxConfirmed`), preimages
 * of our HTLCs seen on chain (at once: claiming upstream is always safe), HTLCs failed on
 * chain and outputs the user can spend (once final). Each event is reported once.
 */
export function reportEvents(st: MonitorState, view: OnchainView, tip: number): void {
  const channelId = st.channel.channelId;
  if (view.fundingSpend) monitorEventOnce(st, `closed:${bytesToHex(view.fundingSpend.rtx.txid)}`, { type: 'CommitmentTxConfirmed', channelId, txid: view.fundingSpend.rtx.txid });
  for (const o of view.outcomes) {
    if (o.result === 'pending') continue;
    if (o.result === 'failed' && !isFinal(o.height!, tip)) continue;
    monitorEventOnce(st, `htlc:${o.htlcId}`, {
      type: 'HtlcResolved', channelId, htlcId: o.htlcId, paymentHash: o.paymentHash, amountMsat: o.amountMsat, ...(o.preimage ? { paymentPreimage: o.preimage } : {}),
    });
  }
  const outputs: SpendableOutputDescriptor[] = [];
  for (const o of view.owned) {
    const key = `spend:${outpointKey(o.outpoint)}`;
    if (st.emitted.has(key) || !isFinal(o.height, tip)) continue;
    st.emitted.add(key);
    const output = { valueSat: o.valueSat, scriptPubkey: o.scriptPubkey };
    if (o.kind === 'claim') outputs.push({ type: 'StaticOutput', outpoint: o.outpoint, output, channelKeysId: st.channel.channelKeysId });
    else outputs.push({ type: 'StaticPaymentOutput', outpoint: o.outpoint, output, channelKeysId: st.channel.channelKeysId, channelValueSat: st.channel.channelValueSat, ...(o.witnessScript ? { witnessScript: o.witnessScript } : {}), csvDelay: o.witnessScript ? 1 : 0 });
  }
  if (outputs.length) st.pendingEvents.push({ type: 'SpendableOutputs', channelId, outputs });
}

/** The anchor output of our commitment, for a `BumpTransaction` event. */
export function holderAnchor(st: MonitorState, tx: { outputs: readonly { valueSat: bigint; scriptPubkey: Uint8Array }[] }, txid: Txid): { outpoint: OutPoint; witnessScript: Uint8Array; valueSat: bigint } | undefined {
  const ws = anchorScript(st.channel.holderPubkeys.fundingPubkey);
  const spk = p2wsh(ws);
  const vout = tx.outputs.findIndex((o) => o.valueSat === ANCHOR_OUTPUT_VALUE_SAT && o.scriptPubkey.every((b, i) => b === spk[i]) && o.scriptPubkey.length === spk.length);
  return vout < 0 ? undefined : { outpoint: { txid, vout }, witnessScript: ws, valueSat: ANCHOR_OUTPUT_VALUE_SAT };
}

/** The channel's claimable balances (see {@link Balance}). */
export function balances(st: MonitorState, view: OnchainView, tip: number): Balance[] {
  const out: Balance[] = [];
  if (!view.fundingSpend) {
    const hc = st.holderCurrent;
    const anchors = hasAnchors(st.channel.channelType);
    const withOutput = hc.htlcs.filter((h) => h.transactionOutputIndex !== undefined);
    const fee = st.channel.isOutbound ? commitmentFeeSat(hc.feeratePerKw, withOutput.length, anchors) + (anchors ? 2n * ANCHOR_OUTPUT_VALUE_SAT : 0n) : 0n;
    const mine = hc.toSelfValueMsat / 1000n - fee;
    out.push({ type: 'ClaimableOnChannelClose', amountSat: mine > 0n ? mine : 0n });
    for (const h of withOutput) {
      const amountSat = h.amountMsat / 1000n;
      if (h.offered) out.push({ type: 'MaybeTimeoutClaimableHTLC', amountSat, claimableHeight: h.cltvExpiry, paymentHash: h.paymentHash });
      else if (st.preimages.has(bytesToHex(h.paymentHash))) out.push({ type: 'ContentiousClaimable', amountSat, timeoutHeight: h.cltvExpiry, paymentHash: h.paymentHash });
      else out.push({ type: 'MaybePreimageClaimableHTLC', amountSat, expiryHeight: h.cltvExpiry, paymentHash: h.paymentHash });
    }
    return out;
  }
  for (const c of view.claimables) {
    if (c.spentBy) continue;
    const amountSat = c.valueSat;
    const hash = c.htlc?.paymentHash ?? new Uint8Array(32);
    switch (c.kind) {
      case 'holder_to_local':
        out.push({ type: 'ClaimableAwaitingConfirmations', amountSat, confirmationHeight: c.readyHeight + 1, source: 'to_local' });
        break;
      case 'holder_second_stage':
        out.push({ type: 'ClaimableAwaitingConfirmations', amountSat, confirmationHeight: c.readyHeight + 1, source: 'htlc' });
        break;
      case 'holder_htlc_timeout':
      case 'cp_htlc_timeout':
        out.push({ type: 'MaybeTimeoutClaimableHTLC', amountSat, claimableHeight: c.htlc!.cltvExpiry, paymentHash: hash });
        break;
      case 'holder_htlc_success':
      case 'cp_htlc_preimage':
        if (c.preimage) out.push({ type: 'ContentiousClaimable', amountSat, timeoutHeight: c.htlc!.cltvExpiry, paymentHash: hash });
        else if (tip < c.htlc!.cltvExpiry) out.push({ type: 'MaybePreimageClaimableHTLC', amountSat, expiryHeight: c.htlc!.cltvExpiry, paymentHash: hash });
        break;
      default:
        out.push({ type: 'CounterpartyRevokedOutputClaimable', amountSat });
    }
  }
  for (const o of view.owned) {
    if (st.emitted.has(`spend:${outpointKey(o.outpoint)}`)) continue;
    out.push({ type: 'ClaimableAwaitingConfirmations', amountSat: o.valueSat, confirmationHeight: o.height + ANTI_REORG_DELAY - 1, source: o.kind === 'claim' ? 'claim' : 'to_remote' });
  }
  return out;
}
