/**
 * What the monitor derives from the channel's data (BOLT 3): commitment keys for either side,
 * output scripts, the commitment number hidden in a commitment's locktime and sequence, and
 * our own commitment rebuilt for broadcast.
 *
 * The `Watch` data carries no dust limits. The monitor does not need them: an HTLC's output
 * index tells whether it was trimmed, and whether `to_local`/`to_remote` made it onto a
 * commitment is settled by trying the (at most four) variants against the counterparty's
 * signature (our commitment) or the known txid (theirs).
 */
import type { ChannelMonitorInit, HolderCommitmentData, HtlcData, OutPoint, Txid } from '@ln/chain-interfaces';
import { INITIAL_COMMITMENT_INDEX } from '@ln/chain-interfaces';
import { equalBytes, type Secp256k1 } from '@ln/crypto';
import {
  buildCommitmentTransaction, deriveCommitmentKeys, fundingScript, offeredHtlcScript, p2wpkh, p2wsh, receivedHtlcScript,
  toLocalScript, toRemoteAnchorScript, txidOf, verifyInput,
  type BuiltCommitment, type CommitmentKeys, type CommitmentOutput, type Transaction,
} from '@ln/transactions';

/** The channel's fixed facts: a `ChannelMonitorInit` without the initial commitments and tip. */
export type ChannelStatic = Omit<ChannelMonitorInit, 'initialHolderCommitment' | 'initialCounterpartyCommitment' | 'bestBlock'>;

/** Whether a raw BOLT 9 feature vector (big-endian) has bit `bit` set. */
export function featureBit(features: Uint8Array, bit: number): boolean {
  const byte = features.length - 1 - (bit >> 3);
  return byte >= 0 && (features[byte]! & (1 << (bit & 7))) !== 0;
}

/** `option_anchors` (zero-fee HTLC transactions, BOLT 9 bits 22/23) in a `channel_type`. */
export function hasAnchors(channelType: Uint8Array): boolean {
  return featureBit(channelType, 22) || featureBit(channelType, 23);
}

/** BOLT 3 secret index of commitment number `n`. */
export function secretIndexOf(n: bigint): bigint {
  return INITIAL_COMMITMENT_INDEX - n;
}

/** Keys of our commitment at our per-commitment point (we broadcast it). */
export function holderKeys(secp: Secp256k1, ch: ChannelStatic, point: Uint8Array): CommitmentKeys {
  return deriveCommitmentKeys(secp, point, ch.holderPubkeys, ch.counterpartyPubkeys);
}
/** Keys of the counterparty's commitment at their per-commitment point (they broadcast it). */
export function counterpartyKeys(secp: Secp256k1, ch: ChannelStatic, point: Uint8Array): CommitmentKeys {
  return deriveCommitmentKeys(secp, point, ch.counterpartyPubkeys, ch.holderPubkeys);
}

/** The witness script of an HTLC output on a commitment with `keys` (BOLT 3 offered/received HTLC outputs). */
export function htlcWitnessScript(keys: CommitmentKeys, htlc: HtlcData, anchors: boolean): Uint8Array {
  const k = { revocationKey: keys.revocationKey, broadcasterHtlcKey: keys.broadcasterHtlcKey, countersignatoryHtlcKey: keys.countersignatoryHtlcKey };
  return htlc.offered ? offeredHtlcScript(k, htlc.paymentHash, anchors) : receivedHtlcScript(k, htlc.paymentHash, htlc.cltvExpiry, anchors);
}

/** The broadcaster's `to_local` script (also the output script of its HTLC transactions). */
export function broadcasterToLocalScript(keys: CommitmentKeys, toSelfDelay: number): Uint8Array {
  return toLocalScript(keys.revocationKey, toSelfDelay, keys.broadcasterDelayedPaymentKey);
}

/** Our `to_remote` on the counterparty's commitments: P2WPKH of our payment point, or the anchors P2WSH with its script. */
export function ourToRemote(ch: ChannelStatic): { scriptPubkey: Uint8Array; witnessScript?: Uint8Array } {
  if (hasAnchors(ch.channelType)) {
    const ws = toRemoteAnchorScript(ch.holderPubkeys.paymentPoint);
    return { scriptPubkey: p2wsh(ws), witnessScript: ws };
  }
  return { scriptPubkey: p2wpkh(ch.holderPubkeys.paymentPoint) };
}

/** The 2-of-2 funding witness script. */
export function channelFundingScript(ch: ChannelStatic): Uint8Array {
  return fundingScript(ch.holderPubkeys.fundingPubkey, ch.counterpartyPubkeys.fundingPubkey);
}

/**
 * The commitment number hidden in a commitment transaction's locktime and sequence (BOLT 3),
 * or `undefined` if `tx` does not look like a commitment (e.g. a closing transaction).
 */
export function commitmentNumberOf(tx: Transaction, obscureFactor: bigint): bigint | undefined {
  const input = tx.inputs[0];
  if (tx.inputs.length !== 1 || !input) return undefined;
  if (tx.locktime >>> 24 !== 0x20 || input.sequence >>> 24 !== 0x80) return undefined;
  const obscured = (BigInt(input.sequence & 0xffffff) << 24n) | BigInt(tx.locktime & 0xffffff);
  return (obscured ^ obscureFactor) & 0xffffffffffffn;
}

function withOutputs(built: BuiltCommitment, keep: (o: CommitmentOutput) => boolean): BuiltCommitment {
  const idx = built.outputs.map((o, i) => (keep(o) ? i : -1)).filter((i) => i >= 0);
  const outputs = idx.map((i) => built.outputs[i]!);
  const tx: Transaction = { ...built.tx, outputs: idx.map((i) => built.tx.outputs[i]!) };
  const htlcOutputs = outputs.flatMap((o, outputIndex) => (o.kind === 'htlc' ? [{ htlc: o.htlc, outputIndex, witnessScript: o.witnessScript }] : []));
  return { ...built, tx, txid: txidOf(tx), outputs, htlcOutputs };
}

/**
 * The candidate transactions of one commitment: built without trimming the main outputs,
 * then with `to_local` and/or `to_remote` left out (each could have been under the
 * broadcaster's dust limit). Likeliest first.
 */
export function commitmentVariants(p: {
  fundingOutpoint: OutPoint;
  commitmentNumber: bigint;
  obscureFactor: bigint;
  broadcasterIsFunder: boolean;
  toBroadcasterMsat: bigint;
  toCountersignatoryMsat: bigint;
  feeratePerKw: number;
  toSelfDelay: number;
  keys: CommitmentKeys;
  anchors: boolean;
  broadcasterFundingPubkey: Uint8Array;
  countersignatoryFundingPubkey: Uint8Array;
  htlcs: readonly HtlcData[];
}): BuiltCommitment[] {
  const htlcs = p.htlcs.filter((h) => h.transactionOutputIndex !== undefined).map((h) => ({ offered: h.offered, amountMsat: h.amountMsat, cltvExpiry: h.cltvExpiry, paymentHash: h.paymentHash, htlcId: h.htlcId }));
  const full = buildCommitmentTransaction({ ...p, dustLimitSat: 0n, htlcs });
  const value = (kind: 'to_local' | 'to_remote') => full.outputs.find((o) => o.kind === kind)?.valueSat ?? 0n;
  const hasHtlcs = htlcs.length > 0;
  const variant = (local: boolean, remote: boolean) =>
    withOutputs(full, (o) => {
      if (o.kind === 'to_local') return local && o.valueSat > 0n;
      if (o.kind === 'to_remote') return remote && o.valueSat > 0n;
      if (o.kind === 'local_anchor') return (local && value('to_local') > 0n) || hasHtlcs;
      if (o.kind === 'remote_anchor') return (remote && value('to_remote') > 0n) || hasHtlcs;
      return true;
    });
  const likely = (v: bigint) => v >= 546n;
  const order: [boolean, boolean][] = [[likely(value('to_local')), likely(value('to_remote'))]];
  for (const l of [true, false]) for (const r of [true, false]) if (!order.some(([a, b]) => a === l && b === r)) order.push([l, r]);
  return order.map(([l, r]) => variant(l, r));
}

/** Checks that the HTLC outputs of `built` sit at the indices the `Watch` data gives. */
function htlcIndicesMatch(built: BuiltCommitment, htlcs: readonly HtlcData[]): boolean {
  for (const h of htlcs) {
    if (h.transactionOutputIndex === undefined) continue;
    const o = built.outputs[h.transactionOutputIndex];
    if (!o || o.kind !== 'htlc' || o.htlc.htlcId !== h.htlcId || o.htlc.offered !== h.offered) return false;
  }
  return true;
}

/**
 * Rebuilds our commitment `hc` exactly as the counterparty signed it: the variant whose
 * funding-input sighash their signature verifies. `undefined` if none does (corrupt data).
 */
export function rebuildHolderCommitment(secp: Secp256k1, ch: ChannelStatic, hc: HolderCommitmentData): { built: BuiltCommitment; keys: CommitmentKeys } | undefined {
  const keys = holderKeys(secp, ch, hc.perCommitmentPoint);
  const variants = commitmentVariants({
    fundingOutpoint: ch.fundingOutpoint,
    commitmentNumber: hc.commitmentNumber,
    obscureFactor: ch.commitmentNumberObscureFactor,
    broadcasterIsFunder: ch.isOutbound,
    toBroadcasterMsat: hc.toSelfValueMsat,
    toCountersignatoryMsat: hc.toRemoteValueMsat,
    feeratePerKw: hc.feeratePerKw,
    toSelfDelay: ch.counterpartySelectedContestDelay,
    keys,
    anchors: hasAnchors(ch.channelType),
    broadcasterFundingPubkey: ch.holderPubkeys.fundingPubkey,
    countersignatoryFundingPubkey: ch.counterpartyPubkeys.fundingPubkey,
    htlcs: hc.htlcs,
  });
  const script = channelFundingScript(ch);
  for (const built of variants) {
    if (!htlcIndicesMatch(built, hc.htlcs)) continue;
    if (verifyInput(secp, built.tx, 0, script, ch.channelValueSat, hc.counterpartySignature, ch.counterpartyPubkeys.fundingPubkey)) return { built, keys };
  }
  return undefined;
}

/** Whether two txids are equal. */
export function sameTxid(a: Txid, b: Txid): boolean {
  return equalBytes(a, b);
}
