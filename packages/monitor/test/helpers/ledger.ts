/**
 * Follows every satoshi of a channel on the chain: from the funding output through every
 * confirmed descendant transaction to the unspent outputs, with the fees paid on the way, and
 * says whose each unspent output is.
 */
import { bytesToHex, equalBytes } from '@ln/crypto';
import { p2wpkh, parseTx, txidOf, type Transaction } from '@ln/transactions';
import type { OutPoint, Txid } from '@ln/chain-interfaces';
import type { Env } from './env.js';

export interface Leaf {
  readonly outpoint: OutPoint;
  readonly valueSat: bigint;
  readonly owner: 'A-wallet' | 'A-to_remote' | 'B-wallet' | 'B-to_remote' | 'other';
}

export interface Ledger {
  readonly txs: { txid: Txid; tx: Transaction; height: number; feeSat: bigint }[];
  readonly leaves: Leaf[];
  readonly feesSat: bigint;
  /** Unspent value per owner. */
  readonly by: Record<Leaf['owner'], bigint>;
}

/** The ledger of the channel's funding output at the current tip. */
export function ledger(env: Env): Ledger {
  const { chain, pair } = env;
  const key = (o: OutPoint) => `${bytesToHex(o.txid)}:${o.vout}`;
  const values = new Map<string, bigint>([[key(pair.fundingOutpoint), pair.channelValueSat]]);
  const spent = new Set<string>();
  const txs: Ledger['txs'] = [];
  const created = new Map<string, { outpoint: OutPoint; valueSat: bigint; script: Uint8Array }>();
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
        spent.add(key(i.prevout));
        created.delete(key(i.prevout));
      }
      const outV = tx.outputs.reduce((a, o) => a + o.valueSat, 0n);
      txs.push({ txid, tx, height: h, feeSat: inV - outV });
      tx.outputs.forEach((o, vout) => {
        const op = { txid, vout };
        values.set(key(op), o.valueSat);
        created.set(key(op), { outpoint: op, valueSat: o.valueSat, script: o.scriptPubkey });
      });
    }
  }
  const scripts: [Leaf['owner'], Uint8Array][] = [
    ['A-wallet', env.destination('A')],
    ['A-to_remote', p2wpkh(pair.a.signer.pubkeys.paymentPoint)],
    ['B-wallet', env.destination('B')],
    ['B-to_remote', p2wpkh(pair.b.signer.pubkeys.paymentPoint)],
  ];
  const leaves: Leaf[] = [...created.values()].map((c) => ({ outpoint: c.outpoint, valueSat: c.valueSat, owner: scripts.find(([, s]) => equalBytes(s, c.script))?.[0] ?? 'other' }));
  const by = { 'A-wallet': 0n, 'A-to_remote': 0n, 'B-wallet': 0n, 'B-to_remote': 0n, other: 0n };
  for (const l of leaves) by[l.owner] += l.valueSat;
  const feesSat = txs.reduce((a, t) => a + t.feeSat, 0n);
  if (feesSat + leaves.reduce((a, l) => a + l.valueSat, 0n) !== pair.channelValueSat) throw new Error('ledger does not balance');
  return { txs, leaves, feesSat, by };
}
