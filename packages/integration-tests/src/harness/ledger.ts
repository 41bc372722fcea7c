/**
 * Follows every satoshi of a channel on the chain: from the funding output through every
 * confirmed descendant transaction to the outputs still unspent, with the fee each transaction
 * paid. Scenarios check amounts "to the satoshi" against it.
 */
import type { OutPoint, Txid } from '@ln/chain-interfaces';
import { bytesToHex, equalBytes } from '@ln/crypto';
import type { MemoryChain } from '@ln/test-kit';
import { p2wpkh, parseTx, txidOf, type Transaction } from '@ln/transactions';
import type { HarnessNode } from './node.js';

/** An unspent output descending from the funding output. */
export interface LedgerLeaf {
  readonly outpoint: OutPoint;
  readonly valueSat: bigint;
  readonly scriptPubkey: Uint8Array;
}

/** The channel's funds at the chain tip. */
export interface ChannelLedger {
  /** Confirmed descendants of the funding output, in chain order, with their fees. */
  readonly txs: readonly { readonly txid: Txid; readonly tx: Transaction; readonly height: number; readonly feeSat: bigint }[];
  readonly leaves: readonly LedgerLeaf[];
  readonly feesSat: bigint;
}

const key = (o: OutPoint) => `${bytesToHex(o.txid)}:${o.vout}`;

/** The ledger of the output `funding` (worth `valueSat`) at `chain`'s tip. Throws if it does not balance. */
export function channelLedger(chain: MemoryChain, funding: OutPoint, valueSat: bigint): ChannelLedger {
  const values = new Map<string, bigint>([[key(funding), valueSat]]);
  const unspent = new Map<string, LedgerLeaf>([[key(funding), { outpoint: funding, valueSat, scriptPubkey: new Uint8Array(0) }]]);
  const txs: { txid: Txid; tx: Transaction; height: number; feeSat: bigint }[] = [];
  for (let h = 1; h <= chain.tipHeight; h++) {
    for (const raw of chain.getBlock(h)!.transactions) {
      const tx = parseTx(raw);
      if (!tx.inputs.some((i) => values.has(key(i.prevout)))) continue;
      const txid = txidOf(tx);
      let inV = 0n;
      for (const i of tx.inputs) {
        const v = values.get(key(i.prevout));
        if (v === undefined) throw new Error(`transaction ${bytesToHex(txid)} mixes channel outputs with foreign inputs`);
        inV += v;
        unspent.delete(key(i.prevout));
      }
      const outV = tx.outputs.reduce((a, o) => a + o.valueSat, 0n);
      txs.push({ txid, tx, height: h, feeSat: inV - outV });
      tx.outputs.forEach((o, vout) => {
        const op = { txid, vout };
        values.set(key(op), o.valueSat);
        unspent.set(key(op), { outpoint: op, valueSat: o.valueSat, scriptPubkey: o.scriptPubkey });
      });
    }
  }
  const leaves = [...unspent.values()];
  const feesSat = txs.reduce((a, t) => a + t.feeSat, 0n);
  if (feesSat + leaves.reduce((a, l) => a + l.valueSat, 0n) !== valueSat) throw new Error('the channel ledger does not balance');
  return { txs, leaves, feesSat };
}

/**
 * What of a ledger is `node`'s: outputs paying its wallet script, and outputs its monitor
 * reported as spendable (e.g. `to_remote`, paid to the channel's payment basepoint).
 * `paymentPoints` adds P2WPKH scripts of channel payment basepoints to count as its own.
 */
export function ownedBy(ledger: ChannelLedger, node: HarnessNode, spendable: readonly OutPoint[] = [], paymentPoints: readonly Uint8Array[] = []): bigint {
  const scripts = [node.walletScript, ...paymentPoints.map((p) => p2wpkh(p))];
  const spend = new Set(spendable.map(key));
  let sum = 0n;
  for (const l of ledger.leaves) if (spend.has(key(l.outpoint)) || scripts.some((s) => equalBytes(s, l.scriptPubkey))) sum += l.valueSat;
  return sum;
}
