/**
 * BOLT 5 as a pure function: from the channel's data and the confirmed transactions that
 * spend the funding output (and their descendants), which outputs are ours to claim, when,
 * how, and which of our outgoing HTLCs were settled how.
 *
 * The monitor never keeps "what it did" as state that a reorg could invalidate: after every
 * change of the relevant transactions (blocks connected or disconnected) it recomputes this
 * view, so claims are rebuilt on whatever chain is now the best one.
 */
import type { CounterpartyCommitmentData, HolderCommitmentData, HtlcData, OutPoint, Txid } from '@ln/chain-interfaces';
import { outPointToString } from '@ln/chain-interfaces';
import { bytesToHex, equalBytes, sha256, type Secp256k1 } from '@ln/crypto';
import { p2wsh, type BuiltCommitment, type CommitmentKeys } from '@ln/transactions';
import {
  broadcasterToLocalScript, commitmentNumberOf, counterpartyKeys, htlcWitnessScript, ourToRemote, rebuildHolderCommitment,
  type ChannelStatic,
} from '../commitments.js';
import type { Claimable, FundingSpendKind, HtlcOutcome, OnchainView, OwnedOutput, RelevantTx, SpentBy } from './types.js';

/** A revoked counterparty commitment with HTLC outputs, kept so those outputs can be taken. */
export interface RevokedCommitment {
  readonly txid: Txid;
  readonly commitmentNumber: bigint;
  /** Its HTLCs that have an output (the others need no justice). */
  readonly htlcs: readonly HtlcData[];
}

/** Everything the analysis reads. */
export interface AnalysisInput {
  readonly secp: Secp256k1;
  readonly ch: ChannelStatic;
  readonly anchors: boolean;
  /** Our current commitment, then the previous one if any. */
  readonly holderCommitments: readonly HolderCommitmentData[];
  /** Their commitments not yet revoked. */
  readonly counterpartyCommitments: readonly CounterpartyCommitmentData[];
  readonly revoked: readonly RevokedCommitment[];
  secretFor(commitmentNumber: bigint): Uint8Array | undefined;
  preimageFor(paymentHash: Uint8Array): Uint8Array | undefined;
  /** Relevant confirmed transactions, in chain order. */
  readonly relevant: readonly RelevantTx[];
}

/** Memoized key derivations and rebuilt commitments (expensive; never serialized). */
export class AnalysisCache {
  private readonly holder = new Map<string, { built: BuiltCommitment; keys: CommitmentKeys } | null>();
  private readonly cpKeys = new Map<string, CommitmentKeys>();
  private readonly points = new Map<string, Uint8Array>();

  holderCommitment(secp: Secp256k1, ch: ChannelStatic, hc: HolderCommitmentData): { built: BuiltCommitment; keys: CommitmentKeys } | undefined {
    const k = `${hc.commitmentNumber}:${bytesToHex(hc.perCommitmentPoint)}:${bytesToHex(hc.counterpartySignature)}`;
    if (!this.holder.has(k)) this.holder.set(k, rebuildHolderCommitment(secp, ch, hc) ?? null);
    return this.holder.get(k) ?? undefined;
  }
  counterpartyKeys(secp: Secp256k1, ch: ChannelStatic, point: Uint8Array): CommitmentKeys {
    const k = bytesToHex(point);
    let v = this.cpKeys.get(k);
    if (!v) this.cpKeys.set(k, (v = counterpartyKeys(secp, ch, point)));
    return v;
  }
  pointOf(secp: Secp256k1, secret: Uint8Array): Uint8Array {
    const k = bytesToHex(secret);
    let v = this.points.get(k);
    if (!v) this.points.set(k, (v = secp.publicKeyCreate(secret)));
    return v;
  }
}

const RBF_SEQUENCE = 0xfffffffd;
const hex = bytesToHex;

/** The 32-byte witness item whose SHA256 is `paymentHash`, if any. */
export function preimageInWitness(witness: readonly Uint8Array[], paymentHash: Uint8Array): Uint8Array | undefined {
  for (const item of witness) if (item.length === 32 && equalBytes(sha256(item), paymentHash)) return item;
  return undefined;
}

function outputsMatching(rtx: RelevantTx, scriptPubkey: Uint8Array): number[] {
  const out: number[] = [];
  rtx.tx.outputs.forEach((o, i) => {
    if (equalBytes(o.scriptPubkey, scriptPubkey)) out.push(i);
  });
  return out;
}

/** Computes the on-chain view (see the module comment). */
export function analyze(input: AnalysisInput, cache: AnalysisCache): OnchainView {
  const { secp, ch, anchors } = input;
  const f = ch.fundingOutpoint;
  const spent = new Map<string, SpentBy>();
  for (const rtx of input.relevant) rtx.tx.inputs.forEach((i, inputIndex) => spent.set(outPointToString(i.prevout), { rtx, inputIndex }));
  const fundingSpentBy = spent.get(outPointToString(f));
  const preimagesSeen = new Map<string, Uint8Array>();
  if (!fundingSpentBy) return { claimables: [], owned: [], outcomes: [], preimagesSeen };
  const T = fundingSpentBy.rtx;
  const h = T.height;
  const claimables: Claimable[] = [];
  const owned: OwnedOutput[] = [];
  const out = (vout: number): OutPoint => ({ txid: T.txid, vout });
  const withSpend = (c: Omit<Claimable, 'spentBy'>): Claimable => {
    const s = spent.get(outPointToString(c.outpoint));
    return s ? { ...c, spentBy: s } : c;
  };

  // Our to_remote, whichever of their commitments this is (it pays our static payment key).
  const toRemote = ourToRemote(ch);
  const toRemoteOutputs = (): void => {
    for (const vout of outputsMatching(T, toRemote.scriptPubkey)) {
      owned.push({ kind: 'to_remote', outpoint: out(vout), valueSat: T.tx.outputs[vout]!.valueSat, scriptPubkey: toRemote.scriptPubkey, height: h, ...(toRemote.witnessScript ? { witnessScript: toRemote.witnessScript } : {}) });
    }
  };

  let kind: FundingSpendKind = 'cooperative';
  let commitmentNumber: bigint | undefined;
  const holder = input.holderCommitments.map((hc) => ({ hc, rebuilt: cache.holderCommitment(secp, ch, hc) })).find((x) => x.rebuilt && equalBytes(x.rebuilt.built.txid, T.txid));
  const cp = holder ? undefined : input.counterpartyCommitments.find((c) => equalBytes(c.txid, T.txid));
  if (holder) {
    kind = 'holder';
    commitmentNumber = holder.hc.commitmentNumber;
    holderClaimables(holder.hc, holder.rebuilt!.keys);
  } else if (cp) {
    kind = 'counterparty';
    commitmentNumber = cp.commitmentNumber;
    toRemoteOutputs();
    counterpartyClaimables(cp.htlcs, cache.counterpartyKeys(secp, ch, cp.perCommitmentPoint), cp.perCommitmentPoint);
  } else {
    const n = commitmentNumberOf(T.tx, ch.commitmentNumberObscureFactor);
    if (n !== undefined) {
      commitmentNumber = n;
      const secret = input.secretFor(n);
      toRemoteOutputs();
      if (secret) {
        kind = 'revoked';
        revokedClaimables(n, secret);
      } else kind = 'unknown_commitment';
    }
  }

  function holderClaimables(hc: HolderCommitmentData, keys: CommitmentKeys): void {
    const delay = ch.counterpartySelectedContestDelay;
    const toLocal = broadcasterToLocalScript(keys, delay);
    const toLocalSpk = p2wsh(toLocal);
    for (const vout of outputsMatching(T, toLocalSpk)) {
      claimables.push(withSpend({ kind: 'holder_to_local', outpoint: out(vout), valueSat: T.tx.outputs[vout]!.valueSat, witnessScript: toLocal, sourceTxid: T.txid, sourceHeight: h, readyHeight: h + delay - 1, sequence: delay, locktime: 0, point: hc.perCommitmentPoint }));
    }
    const withOutput = hc.htlcs.filter((x) => x.transactionOutputIndex !== undefined).sort((a, b) => a.transactionOutputIndex! - b.transactionOutputIndex!);
    withOutput.forEach((htlc, k) => {
      const vout = htlc.transactionOutputIndex!;
      const ws = htlcWitnessScript(keys, htlc, anchors);
      const o = T.tx.outputs[vout];
      if (!o || !equalBytes(o.scriptPubkey, p2wsh(ws))) return;
      const preimage = htlc.offered ? undefined : input.preimageFor(htlc.paymentHash);
      const c = withSpend({
        kind: htlc.offered ? 'holder_htlc_timeout' : 'holder_htlc_success',
        outpoint: out(vout), valueSat: o.valueSat, witnessScript: ws, sourceTxid: T.txid, sourceHeight: h,
        readyHeight: htlc.offered ? Math.max(htlc.cltvExpiry, h) : h, sequence: anchors ? 1 : 0, locktime: htlc.offered ? htlc.cltvExpiry : 0,
        htlc, outbound: htlc.offered, ...(preimage ? { preimage } : {}),
        presigned: { counterpartySignature: hc.counterpartyHtlcSignatures[k] ?? new Uint8Array(64), commitmentNumber: hc.commitmentNumber, feeratePerKw: hc.feeratePerKw, keysPoint: hc.perCommitmentPoint },
      });
      claimables.push(c);
      // Our HTLC transaction pays the to_local-style script: its output is ours after the delay.
      if (c.spentBy) {
        const s = c.spentBy.rtx;
        for (const j of outputsMatching(s, toLocalSpk)) {
          claimables.push(withSpend({ kind: 'holder_second_stage', outpoint: { txid: s.txid, vout: j }, valueSat: s.tx.outputs[j]!.valueSat, witnessScript: toLocal, sourceTxid: s.txid, sourceHeight: s.height, readyHeight: s.height + delay - 1, sequence: delay, locktime: 0, point: hc.perCommitmentPoint, htlc, outbound: htlc.offered }));
        }
      }
    });
  }

  function counterpartyClaimables(htlcs: readonly HtlcData[], keys: CommitmentKeys, point: Uint8Array): void {
    for (const htlc of htlcs) {
      const vout = htlc.transactionOutputIndex;
      if (vout === undefined) continue;
      const ws = htlcWitnessScript(keys, htlc, anchors);
      const o = T.tx.outputs[vout];
      if (!o || !equalBytes(o.scriptPubkey, p2wsh(ws))) continue;
      const outbound = !htlc.offered;
      const preimage = outbound ? undefined : input.preimageFor(htlc.paymentHash);
      claimables.push(withSpend({
        kind: outbound ? 'cp_htlc_timeout' : 'cp_htlc_preimage', outpoint: out(vout), valueSat: o.valueSat, witnessScript: ws, sourceTxid: T.txid, sourceHeight: h,
        readyHeight: outbound ? Math.max(htlc.cltvExpiry, h) : h, sequence: anchors ? 1 : RBF_SEQUENCE, locktime: outbound ? htlc.cltvExpiry : 0,
        point, htlc, outbound, ...(preimage ? { preimage } : {}),
      }));
    }
  }

  function revokedClaimables(n: bigint, secret: Uint8Array): void {
    const point = cache.pointOf(secp, secret);
    const keys = cache.counterpartyKeys(secp, ch, point);
    const toLocal = broadcasterToLocalScript(keys, ch.holderSelectedContestDelay);
    const toLocalSpk = p2wsh(toLocal);
    const base = { sourceTxid: T.txid, sourceHeight: h, readyHeight: h, sequence: RBF_SEQUENCE, locktime: 0, secret };
    for (const vout of outputsMatching(T, toLocalSpk)) {
      claimables.push(withSpend({ ...base, kind: 'revoked_to_local', outpoint: out(vout), valueSat: T.tx.outputs[vout]!.valueSat, witnessScript: toLocal }));
    }
    const stored = input.revoked.find((r) => equalBytes(r.txid, T.txid)) ?? input.revoked.find((r) => r.commitmentNumber === n);
    for (const htlc of stored?.htlcs ?? []) {
      const vout = htlc.transactionOutputIndex;
      if (vout === undefined) continue;
      const ws = htlcWitnessScript(keys, htlc, anchors);
      const o = T.tx.outputs[vout];
      if (!o || !equalBytes(o.scriptPubkey, p2wsh(ws))) continue;
      const c = withSpend({ ...base, kind: 'revoked_htlc', outpoint: out(vout), valueSat: o.valueSat, witnessScript: ws, revocationPubkey: keys.revocationKey, htlc, outbound: !htlc.offered });
      claimables.push(c);
      // The cheater's HTLC-timeout/success transaction pays the same revocable script: take it too.
      if (c.spentBy) {
        const s = c.spentBy.rtx;
        for (const j of outputsMatching(s, toLocalSpk)) {
          claimables.push(withSpend({ ...base, sourceTxid: s.txid, sourceHeight: s.height, readyHeight: s.height, kind: 'revoked_second_stage', outpoint: { txid: s.txid, vout: j }, valueSat: s.tx.outputs[j]!.valueSat, witnessScript: toLocal, htlc, outbound: !htlc.offered }));
        }
      }
    }
  }

  // Preimages revealed on chain, and where our claims paid us.
  for (const c of claimables) {
    if (!c.htlc || !c.spentBy) continue;
    const p = preimageInWitness(c.spentBy.rtx.tx.inputs[c.spentBy.inputIndex]!.witness, c.htlc.paymentHash);
    if (p) preimagesSeen.set(hex(c.htlc.paymentHash), p);
  }
  const claimSpenders = new Map<string, RelevantTx>();
  for (const c of claimables) if (c.spentBy) claimSpenders.set(hex(c.spentBy.rtx.txid), c.spentBy.rtx);
  for (const s of claimSpenders.values()) {
    for (const vout of outputsMatching(s, ch.destinationScript)) owned.push({ kind: 'claim', outpoint: { txid: s.txid, vout }, valueSat: s.tx.outputs[vout]!.valueSat, scriptPubkey: ch.destinationScript, height: s.height });
  }

  const outcomes = outgoingOutcomes(input, kind, h, claimables, preimagesSeen);
  return { fundingSpend: { rtx: T, kind, ...(commitmentNumber !== undefined ? { commitmentNumber } : {}) }, claimables, owned, outcomes, preimagesSeen };
}

/**
 * The HTLCs we offered whose fate the channel manager waits for: those on our current
 * commitment and on their unrevoked commitments, by id.
 */
export function outgoingHtlcs(input: Pick<AnalysisInput, 'holderCommitments' | 'counterpartyCommitments'>): Map<bigint, HtlcData> {
  const m = new Map<bigint, HtlcData>();
  for (const x of input.holderCommitments[0]?.htlcs ?? []) if (x.offered && !m.has(x.htlcId)) m.set(x.htlcId, x);
  for (const cc of input.counterpartyCommitments) for (const x of cc.htlcs) if (!x.offered && !m.has(x.htlcId)) m.set(x.htlcId, x);
  return m;
}

function outgoingOutcomes(input: AnalysisInput, kind: FundingSpendKind, h: number, claimables: readonly Claimable[], seen: ReadonlyMap<string, Uint8Array>): HtlcOutcome[] {
  const outcomes: HtlcOutcome[] = [];
  if (kind === 'cooperative') return outcomes;
  const all = outgoingHtlcs(input);
  for (const c of claimables) if (c.outbound && c.htlc && !all.has(c.htlc.htlcId)) all.set(c.htlc.htlcId, c.htlc);
  for (const [id, htlc] of all) {
    const base = { htlcId: id, paymentHash: htlc.paymentHash, amountMsat: htlc.amountMsat };
    const c = claimables.find((x) => x.outbound && x.htlc?.htlcId === id && (x.kind === 'holder_htlc_timeout' || x.kind === 'cp_htlc_timeout' || x.kind === 'revoked_htlc'));
    const preimage = seen.get(hex(htlc.paymentHash));
    if (preimage && (!c || c.spentBy)) {
      outcomes.push({ ...base, result: 'preimage', preimage, height: c?.spentBy?.rtx.height ?? h });
    } else if (!c) {
      outcomes.push({ ...base, result: 'failed', height: h });
    } else if (c.spentBy) {
      outcomes.push({ ...base, result: 'failed', height: c.spentBy.rtx.height });
    } else outcomes.push({ ...base, result: 'pending' });
  }
  return outcomes;
}

