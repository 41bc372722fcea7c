/**
 * The transaction view the in-memory chain needs (txid, spent outpoints, outputs), on top of
 * `@ln/transactions`' codec.
 */
import type { OutPoint, Txid, TxOut } from '@ln/chain-interfaces';
import { parseTx as parseTransaction, serializeTx, txidOf } from '@ln/transactions';

/** A transaction as the chain keeps it. */
export interface ParsedTx {
  readonly txid: Txid;
  readonly inputs: readonly OutPoint[];
  readonly outputs: readonly TxOut[];
  readonly raw: Uint8Array;
}

/** Parses a serialized transaction; throws `TransactionError` (from `@ln/transactions`) on bad bytes. */
export function parseTx(raw: Uint8Array): ParsedTx {
  const tx = parseTransaction(raw);
  return { txid: txidOf(tx), inputs: tx.inputs.map((i) => i.prevout), outputs: tx.outputs, raw };
}

/** Serializes a version-2, non-witness transaction: coinbases, faucet transactions and test spends. */
export function buildLegacyTx(
  inputs: readonly { outpoint: OutPoint; scriptSig: Uint8Array; sequence?: number }[],
  outputs: readonly TxOut[],
  locktime = 0,
): Uint8Array {
  return serializeTx({
    version: 2,
    locktime,
    inputs: inputs.map((i) => ({ prevout: i.outpoint, scriptSig: i.scriptSig, sequence: i.sequence ?? 0xffffffff, witness: [] })),
    outputs,
  });
}
