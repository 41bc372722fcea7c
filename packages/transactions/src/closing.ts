/**
 * BOLT 3 closing transactions: the legacy `closing_signed` variant and the
 * `closing_complete`/`closing_sig` variant (`option_simple_close`), with their weights.
 */
import { compareBytes } from '@ln/crypto';
import type { OutPoint } from '@ln/chain-interfaces';
import type { Transaction } from './tx/transaction.js';

const OP_RETURN = 0x6a;

/** One side of a closing transaction: its script and balance (msat, rounded down to sat in the tx). */
export interface ClosingSide {
  readonly scriptPubkey: Uint8Array;
  readonly balanceMsat: bigint;
  /** Leave this side's output out (BOLT 3: a side may eliminate its own output). */
  readonly omit?: boolean;
}

function sortOutputs(outs: { valueSat: bigint; scriptPubkey: Uint8Array }[]): { valueSat: bigint; scriptPubkey: Uint8Array }[] {
  return outs.sort((a, b) => (a.valueSat !== b.valueSat ? (a.valueSat < b.valueSat ? -1 : 1) : compareBytes(a.scriptPubkey, b.scriptPubkey)));
}

/**
 * BOLT 3 "Legacy Closing Transaction" (`closing_signed`): version 2, locktime 0, sequence
 * 0xFFFFFFFF; the funder pays `feeSat`; outputs below `dustLimitSat` are removed.
 */
export function buildLegacyClosingTransaction(p: {
  fundingOutpoint: OutPoint;
  local: ClosingSide;
  remote: ClosingSide;
  localIsFunder: boolean;
  feeSat: bigint;
  dustLimitSat: bigint;
}): Transaction {
  const outs: { valueSat: bigint; scriptPubkey: Uint8Array }[] = [];
  for (const [side, isFunder] of [[p.local, p.localIsFunder], [p.remote, !p.localIsFunder]] as const) {
    if (side.omit) continue;
    const v = side.balanceMsat / 1000n - (isFunder ? p.feeSat : 0n);
    if (v >= p.dustLimitSat) outs.push({ valueSat: v, scriptPubkey: side.scriptPubkey });
  }
  return { version: 2, locktime: 0, inputs: [{ prevout: p.fundingOutpoint, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }], outputs: sortOutputs(outs) };
}

/**
 * BOLT 3 "Closing Transaction" (`closing_complete`/`closing_sig`): version 2, the message's
 * `locktime`, sequence 0xFFFFFFFD; the closer pays `feeSat`; an `OP_RETURN` output has amount 0.
 */
export function buildClosingTransaction(p: {
  fundingOutpoint: OutPoint;
  closer: ClosingSide;
  closee: ClosingSide;
  feeSat: bigint;
  locktime: number;
}): Transaction {
  const outs: { valueSat: bigint; scriptPubkey: Uint8Array }[] = [];
  for (const [side, isCloser] of [[p.closer, true], [p.closee, false]] as const) {
    if (side.omit) continue;
    const opReturn = side.scriptPubkey[0] === OP_RETURN;
    outs.push({ valueSat: opReturn ? 0n : side.balanceMsat / 1000n - (isCloser ? p.feeSat : 0n), scriptPubkey: side.scriptPubkey });
  }
  return { version: 2, locktime: p.locktime, inputs: [{ prevout: p.fundingOutpoint, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [] }], outputs: sortOutputs(outs) };
}

/**
 * Weight of a closing transaction with the given output scripts, once signed: the funding
 * input's witness (2 signatures of up to 73 bytes and the 71-byte funding script) included.
 * Fee = feerate × weight / 1000.
 */
export function closingTransactionWeight(outputScripts: readonly Uint8Array[]): number {
  // version 4 + marker/flag (witness) + input count 1 + input 41 + output count 1 + outputs + locktime 4
  const base = 4 + 1 + 41 + 1 + outputScripts.reduce((a, s) => a + 8 + 1 + s.length, 0) + 4;
  // witness: item count 1, empty 1, two sigs (1 + 73 each), script (1 + 71), plus marker and flag 2
  const witness = 2 + 1 + 1 + 2 * 74 + 72;
  return base * 4 + witness;
}
