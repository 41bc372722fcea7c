/**
 * BOLT 3 "Commitment Transaction": building the commitment for one side (the broadcaster),
 * with trimming, fees, anchors and BIP 69 output ordering with the CLTV tie-break.
 */
import { compareBytes } from '@ln/crypto';
import type { OutPoint, Txid } from '@ln/chain-interfaces';
import type { CommitmentKeys } from '../keys/derivation.js';
import { anchorScript, offeredHtlcScript, receivedHtlcScript, toLocalScript, toRemoteAnchorScript } from '../scripts.js';
import { p2wpkh, p2wsh } from '../tx/script.js';
import { txidOf, type Transaction } from '../tx/transaction.js';
import { ANCHOR_OUTPUT_VALUE_SAT, commitmentFeeSat, isHtlcTrimmed } from './fees.js';

/** An HTLC as a commitment sees it. */
export interface CommitmentHtlc {
  /** `true` if offered by the broadcaster of this commitment. */
  readonly offered: boolean;
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  readonly paymentHash: Uint8Array;
  /** The channel's HTLC id, to tie outputs back to HTLCs. */
  readonly htlcId?: bigint;
}

/** Everything that determines one commitment transaction. */
export interface CommitmentParams {
  readonly fundingOutpoint: OutPoint;
  /** BOLT 3 commitment number (counts up from 0). */
  readonly commitmentNumber: bigint;
  /** Lower 48 bits of SHA256(opener payment_basepoint || accepter payment_basepoint). */
  readonly obscureFactor: bigint;
  /** Whether the broadcaster funded the channel (pays the fee and the anchors). */
  readonly broadcasterIsFunder: boolean;
  /** The broadcaster's balance before fees and anchors, msat. */
  readonly toBroadcasterMsat: bigint;
  /** The countersignatory's balance before fees and anchors, msat. */
  readonly toCountersignatoryMsat: bigint;
  readonly feeratePerKw: number;
  /** The broadcaster's `dust_limit_satoshis`. */
  readonly dustLimitSat: bigint;
  /** The delay on the broadcaster's outputs: the `to_self_delay` the countersignatory chose. */
  readonly toSelfDelay: number;
  readonly keys: CommitmentKeys;
  /** `option_anchors` (zero-fee HTLC transactions). */
  readonly anchors: boolean;
  /** Funding pubkeys: needed for the anchor outputs. */
  readonly broadcasterFundingPubkey: Uint8Array;
  readonly countersignatoryFundingPubkey: Uint8Array;
  readonly htlcs: readonly CommitmentHtlc[];
}

/** One output of a built commitment and what it is. */
export type CommitmentOutput =
  | { readonly kind: 'to_local'; readonly valueSat: bigint; readonly witnessScript: Uint8Array }
  | { readonly kind: 'to_remote'; readonly valueSat: bigint; readonly witnessScript?: Uint8Array }
  | { readonly kind: 'local_anchor' | 'remote_anchor'; readonly valueSat: bigint; readonly witnessScript: Uint8Array }
  | { readonly kind: 'htlc'; readonly valueSat: bigint; readonly witnessScript: Uint8Array; readonly htlc: CommitmentHtlc };

/** A built (unsigned) commitment transaction. */
export interface BuiltCommitment {
  readonly tx: Transaction;
  readonly txid: Txid;
  /** Outputs in transaction order, with their scripts. */
  readonly outputs: readonly CommitmentOutput[];
  /** HTLC outputs in transaction order, with their output index (what `commitment_signed` signatures follow). */
  readonly htlcOutputs: readonly { readonly htlc: CommitmentHtlc; readonly outputIndex: number; readonly witnessScript: Uint8Array }[];
  readonly trimmedHtlcs: readonly CommitmentHtlc[];
  /** The base fee the funder pays (BOLT 3 "Fee Calculation"). */
  readonly baseFeeSat: bigint;
}

/** The obscured commitment number's parts: `locktime` (0x20 || lower 24 bits) and `sequence` (0x80 || upper 24 bits). */
export function commitmentLocktimeAndSequence(commitmentNumber: bigint, obscureFactor: bigint): { locktime: number; sequence: number } {
  const obscured = (commitmentNumber ^ obscureFactor) & 0xffffffffffffn;
  return {
    locktime: Number((0x20n << 24n) | (obscured & 0xffffffn)),
    sequence: Number((0x80n << 24n) | (obscured >> 24n)),
  };
}

/** Builds the commitment transaction of BOLT 3 for the broadcaster described by `p`. */
export function buildCommitmentTransaction(p: CommitmentParams): BuiltCommitment {
  const untrimmed: CommitmentHtlc[] = [];
  const trimmedHtlcs: CommitmentHtlc[] = [];
  for (const h of p.htlcs) (isHtlcTrimmed(h.offered, h.amountMsat, p.dustLimitSat, p.feeratePerKw, p.anchors) ? trimmedHtlcs : untrimmed).push(h);
  const baseFeeSat = commitmentFeeSat(p.feeratePerKw, untrimmed.length, p.anchors);
  const anchorsCost = p.anchors ? 2n * ANCHOR_OUTPUT_VALUE_SAT : 0n;
  let toBroadcaster = p.toBroadcasterMsat / 1000n;
  let toCountersignatory = p.toCountersignatoryMsat / 1000n;
  const pay = (v: bigint) => (v > baseFeeSat + anchorsCost ? v - baseFeeSat - anchorsCost : 0n);
  if (p.broadcasterIsFunder) toBroadcaster = pay(toBroadcaster);
  else toCountersignatory = pay(toCountersignatory);

  const outs: (CommitmentOutput & { scriptPubkey: Uint8Array; cltv: number })[] = [];
  const htlcKeys = { revocationKey: p.keys.revocationKey, broadcasterHtlcKey: p.keys.broadcasterHtlcKey, countersignatoryHtlcKey: p.keys.countersignatoryHtlcKey };
  for (const h of untrimmed) {
    const ws = h.offered ? offeredHtlcScript(htlcKeys, h.paymentHash, p.anchors) : receivedHtlcScript(htlcKeys, h.paymentHash, h.cltvExpiry, p.anchors);
    outs.push({ kind: 'htlc', valueSat: h.amountMsat / 1000n, witnessScript: ws, htlc: h, scriptPubkey: p2wsh(ws), cltv: h.cltvExpiry });
  }
  const hasToLocal = toBroadcaster >= p.dustLimitSat;
  const hasToRemote = toCountersignatory >= p.dustLimitSat;
  if (hasToLocal) {
    const ws = toLocalScript(p.keys.revocationKey, p.toSelfDelay, p.keys.broadcasterDelayedPaymentKey);
    outs.push({ kind: 'to_local', valueSat: toBroadcaster, witnessScript: ws, scriptPubkey: p2wsh(ws), cltv: 0 });
  }
  if (hasToRemote) {
    if (p.anchors) {
      const ws = toRemoteAnchorScript(p.keys.countersignatoryPaymentKey);
      outs.push({ kind: 'to_remote', valueSat: toCountersignatory, witnessScript: ws, scriptPubkey: p2wsh(ws), cltv: 0 });
    } else {
      outs.push({ kind: 'to_remote', valueSat: toCountersignatory, scriptPubkey: p2wpkh(p.keys.countersignatoryPaymentKey), cltv: 0 });
    }
  }
  if (p.anchors) {
    if (hasToLocal || untrimmed.length) {
      const ws = anchorScript(p.broadcasterFundingPubkey);
      outs.push({ kind: 'local_anchor', valueSat: ANCHOR_OUTPUT_VALUE_SAT, witnessScript: ws, scriptPubkey: p2wsh(ws), cltv: 0 });
    }
    if (hasToRemote || untrimmed.length) {
      const ws = anchorScript(p.countersignatoryFundingPubkey);
      outs.push({ kind: 'remote_anchor', valueSat: ANCHOR_OUTPUT_VALUE_SAT, witnessScript: ws, scriptPubkey: p2wsh(ws), cltv: 0 });
    }
  }
  // BIP 69: by amount, then by scriptPubkey; equal HTLC outputs by ascending cltv_expiry (BOLT 3).
  outs.sort((a, b) => (a.valueSat !== b.valueSat ? (a.valueSat < b.valueSat ? -1 : 1) : compareBytes(a.scriptPubkey, b.scriptPubkey) || a.cltv - b.cltv));

  const { locktime, sequence } = commitmentLocktimeAndSequence(p.commitmentNumber, p.obscureFactor);
  const tx: Transaction = {
    version: 2,
    locktime,
    inputs: [{ prevout: p.fundingOutpoint, scriptSig: new Uint8Array(0), sequence, witness: [] }],
    outputs: outs.map((o) => ({ valueSat: o.valueSat, scriptPubkey: o.scriptPubkey })),
  };
  const outputs: CommitmentOutput[] = outs.map(({ scriptPubkey: _s, cltv: _c, ...o }) => o as CommitmentOutput);
  const htlcOutputs = outputs.flatMap((o, outputIndex) => (o.kind === 'htlc' ? [{ htlc: o.htlc, outputIndex, witnessScript: o.witnessScript }] : []));
  return { tx, txid: txidOf(tx), outputs, htlcOutputs, trimmedHtlcs, baseFeeSat };
}
