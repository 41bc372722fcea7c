/** BOLT 3 "HTLC-Timeout and HTLC-Success Transactions": second-stage transactions spending a commitment's HTLC outputs. */
import type { Txid } from '@ln/chain-interfaces';
import { toLocalScript } from '../scripts.js';
import { p2wsh } from '../tx/script.js';
import type { Transaction } from '../tx/transaction.js';
import { htlcSuccessFeeSat, htlcTimeoutFeeSat } from './fees.js';
import type { CommitmentHtlc } from './commitment.js';

/** What an HTLC transaction needs. */
export interface HtlcTxParams {
  readonly commitmentTxid: Txid;
  readonly outputIndex: number;
  readonly htlc: CommitmentHtlc;
  readonly feeratePerKw: number;
  readonly anchors: boolean;
  /** The broadcaster's `to_self_delay` (chosen by the countersignatory). */
  readonly toSelfDelay: number;
  readonly revocationKey: Uint8Array;
  readonly broadcasterDelayedPaymentKey: Uint8Array;
}

/**
 * Builds the HTLC-timeout (for an HTLC offered by the broadcaster; locktime = `cltv_expiry`)
 * or HTLC-success (received; locktime 0) transaction. Version 2; input sequence 1 with
 * `option_anchors`, else 0; one output paying the HTLC amount minus the fee (0 with anchors)
 * to the `to_local`-style script.
 */
export function buildHtlcTransaction(p: HtlcTxParams): Transaction {
  const fee = p.htlc.offered ? htlcTimeoutFeeSat(p.feeratePerKw, p.anchors) : htlcSuccessFeeSat(p.feeratePerKw, p.anchors);
  const ws = toLocalScript(p.revocationKey, p.toSelfDelay, p.broadcasterDelayedPaymentKey);
  return {
    version: 2,
    locktime: p.htlc.offered ? p.htlc.cltvExpiry : 0,
    inputs: [{ prevout: { txid: p.commitmentTxid, vout: p.outputIndex }, scriptSig: new Uint8Array(0), sequence: p.anchors ? 1 : 0, witness: [] }],
    outputs: [{ valueSat: p.htlc.amountMsat / 1000n - fee, scriptPubkey: p2wsh(ws) }],
  };
}
