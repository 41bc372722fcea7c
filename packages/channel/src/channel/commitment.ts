/**
 * Rebuilding either side's commitment transaction at any commitment number from the
 * channel's update log (BOLT 2 "Normal Operation", BOLT 3 "Commitment Transaction").
 */
import { INITIAL_COMMITMENT_INDEX, type ChannelSigner, type HtlcData } from '@ln/chain-interfaces';
import type { Secp256k1 } from '@ln/crypto';
import {
  buildCommitmentTransaction, commitmentNumberObscureFactor, deriveCommitmentKeys, type BuiltCommitment, type CommitmentHtlc, type CommitmentKeys,
} from '@ln/transactions';
import type { ChannelState, HtlcRecord } from './state.js';

/** Which side's commitment: ours (`local`, we can broadcast it) or theirs (`remote`). */
export type Side = 'local' | 'remote';

/** The BOLT 3 secret index of commitment number `n`. */
export function secretIndex(n: bigint): bigint {
  return INITIAL_COMMITMENT_INDEX - n;
}

/** Whether `h` is on `side`'s commitment number `n`. */
export function htlcIncluded(h: HtlcRecord, side: Side, n: bigint): boolean {
  const add = side === 'local' ? h.addLocal : h.addRemote;
  const rem = side === 'local' ? h.removeLocal : h.removeRemote;
  return add !== undefined && add <= n && !(rem !== undefined && rem <= n);
}

/** Balances (msat) and live HTLCs of `side`'s commitment number `n`: `toLocal` is always *our* balance. */
export function commitmentBalances(s: ChannelState, side: Side, n: bigint): { toLocalMsat: bigint; toRemoteMsat: bigint; htlcs: HtlcRecord[] } {
  let toLocal = s.baseToLocalMsat;
  let toRemote = s.baseToRemoteMsat;
  const live: HtlcRecord[] = [];
  for (const h of s.htlcs) {
    const add = side === 'local' ? h.addLocal : h.addRemote;
    if (add === undefined || add > n) continue;
    if (h.outbound) toLocal -= h.amountMsat;
    else toRemote -= h.amountMsat;
    const rem = side === 'local' ? h.removeLocal : h.removeRemote;
    if (rem !== undefined && rem <= n) {
      const fulfilled = h.removal?.kind === 'fulfill';
      if (h.outbound === fulfilled) toRemote += h.amountMsat;
      else toLocal += h.amountMsat;
    } else live.push(h);
  }
  return { toLocalMsat: toLocal, toRemoteMsat: toRemote, htlcs: live };
}

/** The feerate of `side`'s commitment number `n`. */
export function commitmentFeerate(s: ChannelState, side: Side, n: bigint): number {
  let rate = s.baseFeeratePerKw;
  for (const f of s.feeUpdates) {
    const at = side === 'local' ? f.local : f.remote;
    if (at !== undefined && at <= n) rate = f.feeratePerKw;
  }
  return rate;
}

/** BOLT 3 obscuring factor of the channel. */
export function obscureFactorOf(s: ChannelState): bigint {
  const ours = s.holderPubkeys.paymentPoint;
  const theirs = s.counterpartyPubkeys!.paymentPoint;
  return s.isOutbound ? commitmentNumberObscureFactor(ours, theirs) : commitmentNumberObscureFactor(theirs, ours);
}

/** A built commitment with what produced it. */
export interface CommitmentInfo {
  readonly side: Side;
  readonly n: bigint;
  readonly built: BuiltCommitment;
  readonly keys: CommitmentKeys;
  readonly feeratePerKw: number;
  readonly toLocalMsat: bigint;
  readonly toRemoteMsat: bigint;
  readonly htlcs: HtlcRecord[];
  readonly point: Uint8Array;
}

/** Builds our commitment number `n` (its per-commitment point from our signer). */
export function buildHolderCommitment(secp: Secp256k1, s: ChannelState, signer: ChannelSigner, n: bigint, point = signer.getPerCommitmentPoint(secretIndex(n))): CommitmentInfo {
  return build(secp, s, 'local', n, point);
}

/** Builds their commitment number `n` at their per-commitment point `point`. */
export function buildCounterpartyCommitment(secp: Secp256k1, s: ChannelState, n: bigint, point: Uint8Array): CommitmentInfo {
  return build(secp, s, 'remote', n, point);
}

function build(secp: Secp256k1, s: ChannelState, side: Side, n: bigint, point: Uint8Array): CommitmentInfo {
  const them = s.counterpartyPubkeys!;
  const us = s.holderPubkeys;
  const local = side === 'local';
  const { toLocalMsat, toRemoteMsat, htlcs } = commitmentBalances(s, side, n);
  const feeratePerKw = commitmentFeerate(s, side, n);
  const keys = local ? deriveCommitmentKeys(secp, point, us, them) : deriveCommitmentKeys(secp, point, them, us);
  const chtlcs: CommitmentHtlc[] = htlcs.map((h) => ({
    offered: local ? h.outbound : !h.outbound, amountMsat: h.amountMsat, cltvExpiry: h.cltvExpiry, paymentHash: h.paymentHash, htlcId: h.id,
  }));
  const built = buildCommitmentTransaction({
    fundingOutpoint: s.fundingOutpoint!,
    commitmentNumber: n,
    obscureFactor: obscureFactorOf(s),
    broadcasterIsFunder: local ? s.isOutbound : !s.isOutbound,
    toBroadcasterMsat: local ? toLocalMsat : toRemoteMsat,
    toCountersignatoryMsat: local ? toRemoteMsat : toLocalMsat,
    feeratePerKw,
    dustLimitSat: local ? s.ourParams.dustLimitSat : s.theirParams!.dustLimitSat,
    toSelfDelay: local ? s.theirParams!.toSelfDelay : s.ourParams.toSelfDelay,
    keys,
    anchors: s.anchors,
    broadcasterFundingPubkey: local ? us.fundingPubkey : them.fundingPubkey,
    countersignatoryFundingPubkey: local ? them.fundingPubkey : us.fundingPubkey,
    htlcs: chtlcs,
  });
  return { side, n, built, keys, feeratePerKw, toLocalMsat, toRemoteMsat, htlcs, point };
}

/** The monitor's view of a commitment's HTLCs (`@ln/chain-interfaces` `HtlcData`). */
export function htlcDataOf(info: CommitmentInfo): HtlcData[] {
  const local = info.side === 'local';
  return info.htlcs.map((h) => {
    const out = info.built.htlcOutputs.find((o) => o.htlc.htlcId === h.id && o.htlc.offered === (local ? h.outbound : !h.outbound));
    return {
      offered: local ? h.outbound : !h.outbound,
      amountMsat: h.amountMsat,
      cltvExpiry: h.cltvExpiry,
      paymentHash: h.paymentHash,
      ...(out ? { transactionOutputIndex: out.outputIndex } : {}),
      htlcId: h.id,
    };
  });
}

/**
 * Folds HTLCs and fee updates that no commitment we may still rebuild depends on into the
 * base balances, so the log stays as small as the set of live updates.
 */
export function pruneSettled(s: ChannelState, keepUnnotifiedFailures = false): void {
  const keep: HtlcRecord[] = [];
  for (const h of s.htlcs) {
    let done = h.removeLocal !== undefined && h.removeLocal <= s.holderCtn && h.removeRemote !== undefined && h.removeRemote <= s.counterpartyOldestCtn;
    // A failed outbound HTLC stays until the payments layer has heard of it (it fails the payment or the HTLC upstream).
    if (done && keepUnnotifiedFailures && h.outbound && h.removal?.kind !== 'fulfill' && !h.notified) done = false;
    if (!done) {
      keep.push(h);
      continue;
    }
    if (h.removal?.kind === 'fulfill') {
      if (h.outbound) {
        s.baseToLocalMsat -= h.amountMsat;
        s.baseToRemoteMsat += h.amountMsat;
      } else {
        s.baseToRemoteMsat -= h.amountMsat;
        s.baseToLocalMsat += h.amountMsat;
      }
    }
  }
  s.htlcs = keep;
  while (s.feeUpdates.length) {
    const f = s.feeUpdates[0]!;
    if (f.local !== undefined && f.local <= s.holderCtn && f.remote !== undefined && f.remote <= s.counterpartyOldestCtn) {
      s.baseFeeratePerKw = f.feeratePerKw;
      s.feeUpdates.shift();
    } else break;
  }
}
