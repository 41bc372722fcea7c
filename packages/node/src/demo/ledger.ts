/**
 * The demo's accounting: on-chain fees of everything mined, where the outputs of a transaction
 * (and of everything that spends them) end up, and the BOLT 3 commitment fee of a channel.
 */
import type { MemoryChain } from '@ln/test-kit';
import { bytesToHex, equalBytes } from '@ln/crypto';
import { parseTx, txidOf, type Transaction } from '@ln/transactions';

interface MinedTx {
  readonly tx: Transaction;
  readonly txid: string;
  readonly height: number;
}

/** Every transaction mined so far (coinbases left out), in chain order. */
export function minedTransactions(chain: MemoryChain): MinedTx[] {
  const out: MinedTx[] = [];
  for (let h = 1; h <= chain.tipHeight; h++) {
    chain.getBlock(h)!.transactions.forEach((raw, i) => {
      if (i === 0) return;
      const tx = parseTx(raw);
      out.push({ tx, txid: bytesToHex(txidOf(tx)), height: h });
    });
  }
  return out;
}

/**
 * Fees paid by mined transactions (inputs minus outputs), in satoshis. Faucet transactions
 * (whose input is the chain's synthetic coin) create value and pay none.
 */
export function minedFeesSat(chain: MemoryChain): { fees: bigint; faucetSat: bigint } {
  const values = new Map<string, bigint>();
  let fees = 0n;
  let faucetSat = 0n;
  for (const { tx, txid } of minedTransactions(chain)) {
    let inSum = 0n;
    let known = true;
    for (const i of tx.inputs) {
      const v = values.get(`${bytesToHex(i.prevout.txid)}:${i.prevout.vout}`);
      if (v === undefined) known = false;
      else inSum += v;
    }
    const outSum = tx.outputs.reduce((a, o) => a + o.valueSat, 0n);
    tx.outputs.forEach((o, vout) => values.set(`${txid}:${vout}`, o.valueSat));
    if (known) fees += inSum - outSum;
    else faucetSat += outSum;
  }
  return { fees, faucetSat };
}

/**
 * Follows the outputs of `rootTxid` through every mined transaction that spends them, down to
 * outputs nobody spent; returns those final outputs (value and script) and the fees paid on
 * the way (the root's own fee excluded).
 */
export function finalOutputsOf(chain: MemoryChain, rootTxid: string): { outputs: { valueSat: bigint; script: Uint8Array }[]; feesSat: bigint } {
  const mined = minedTransactions(chain);
  const byTxid = new Map(mined.map((m) => [m.txid, m]));
  const spender = new Map<string, MinedTx>();
  for (const m of mined) for (const i of m.tx.inputs) spender.set(`${bytesToHex(i.prevout.txid)}:${i.prevout.vout}`, m);
  const outputs: { valueSat: bigint; script: Uint8Array }[] = [];
  let feesSat = 0n;
  const seen = new Set<string>();
  const visit = (txid: string) => {
    if (seen.has(txid)) return;
    seen.add(txid);
    const m = byTxid.get(txid)!;
    m.tx.outputs.forEach((o, vout) => {
      const s = spender.get(`${txid}:${vout}`);
      if (!s) outputs.push({ valueSat: o.valueSat, script: o.scriptPubkey });
      else visit(s.txid);
    });
  };
  const root = byTxid.get(rootTxid);
  if (!root) return { outputs, feesSat };
  visit(rootTxid);
  // Fees of the descendants: what went in from the root's tree minus what came out.
  const values = new Map<string, bigint>();
  for (const m of mined) m.tx.outputs.forEach((o, vout) => values.set(`${m.txid}:${vout}`, o.valueSat));
  for (const t of seen) {
    if (t === rootTxid) continue;
    const m = byTxid.get(t)!;
    const inSum = m.tx.inputs.reduce((a, i) => a + (values.get(`${bytesToHex(i.prevout.txid)}:${i.prevout.vout}`) ?? 0n), 0n);
    feesSat += inSum - m.tx.outputs.reduce((a, o) => a + o.valueSat, 0n);
  }
  return { outputs, feesSat };
}

/** Whether every script in `outputs` is `script`. */
export function allPayTo(outputs: readonly { script: Uint8Array }[], script: Uint8Array): boolean {
  return outputs.length > 0 && outputs.every((o) => equalBytes(o.script, script));
}

/** BOLT 3 "Fee Calculation": the fee of a commitment without anchors and without untrimmed HTLCs, in satoshis. */
export function commitmentFeeSat(feeratePerKw: number, untrimmedHtlcs = 0): bigint {
  return BigInt(Math.floor((feeratePerKw * (724 + 172 * untrimmedHtlcs)) / 1000));
}

/** A mined transaction by its txid (internal byte order hex, as `minedTransactions` gives it). */
export function minedTx(chain: MemoryChain, txid: string): MinedTx | undefined {
  return minedTransactions(chain).find((m) => m.txid === txid);
}

/** The mined transaction spending `txid:vout` (txid in internal byte order hex), if any. */
export function spenderOf(chain: MemoryChain, txid: string, vout: number): MinedTx | undefined {
  return minedTransactions(chain).find((m) => m.tx.inputs.some((i) => bytesToHex(i.prevout.txid) === txid && i.prevout.vout === vout));
}

/** `txid:vout` in display order (as `listChannels` shows `fundingTxo`) to internal-order txid and vout. */
export function outpointFromDisplay(display: string): { txid: string; vout: number } {
  const [hex, vout] = display.split(':') as [string, string];
  return { txid: hex.match(/../g)!.reverse().join(''), vout: Number(vout) };
}

/** A mined transaction's fee: its inputs (looked up in earlier mined transactions) minus its outputs, in satoshis. */
export function feeOfSat(chain: MemoryChain, m: MinedTx): bigint {
  const all = minedTransactions(chain);
  const value = (txid: string, vout: number) => all.find((x) => x.txid === txid)?.tx.outputs[vout]?.valueSat ?? 0n;
  const inSum = m.tx.inputs.reduce((a, i) => a + value(bytesToHex(i.prevout.txid), i.prevout.vout), 0n);
  return inSum - m.tx.outputs.reduce((a, o) => a + o.valueSat, 0n);
}

/** The value paid to `script` by a transaction's outputs, in satoshis. */
export function paidTo(tx: Transaction, script: Uint8Array): bigint {
  return tx.outputs.filter((o) => equalBytes(o.scriptPubkey, script)).reduce((a, o) => a + o.valueSat, 0n);
}
