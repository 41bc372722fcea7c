/**
 * A small segwit v0 script interpreter for the BOLT 3 scripts (P2WPKH and P2WSH with the
 * opcodes BOLT 3 uses), with BIP 143 signature checks, CLTV/CSV and BIP 68, and a
 * broadcaster that admits to the `MemoryChain` mempool only what bitcoind would accept at
 * the current tip. The chain itself checks no scripts; this makes the tests check that every
 * transaction the monitor broadcasts really spends what it claims to.
 */
import type { BroadcasterInterface, TxOut } from '@ln/chain-interfaces';
import { bytesToHex, equalBytes, hash160, sha256, signatureFromDer, type Secp256k1 } from '@ln/crypto';
import { p2pkh, parseTx, segwitV0Sighash, txidOf, type Transaction } from '@ln/transactions';
import type { MemoryChain } from '@ln/test-kit';

type Result = { ok: true } | { ok: false; premature: boolean; reason: string };
const fail = (reason: string, premature = false): Result => ({ ok: false, premature, reason });

function decodeNum(b: Uint8Array): number {
  if (b.length === 0) return 0;
  if (b.length > 5) throw new Error('script number too long');
  let v = 0;
  for (let i = 0; i < b.length; i++) v += b[i]! * 2 ** (8 * i);
  if (b[b.length - 1]! & 0x80) return -(v - 0x80 * 2 ** (8 * (b.length - 1)));
  return v;
}
function encodeNum(n: number): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  const out: number[] = [];
  let x = Math.abs(n);
  while (x > 0) {
    out.push(x & 0xff);
    x = Math.floor(x / 256);
  }
  if (out[out.length - 1]! & 0x80) out.push(n < 0 ? 0x80 : 0);
  else if (n < 0) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}
const truthy = (b: Uint8Array) => b.some((x, i) => x !== 0 && !(i === b.length - 1 && x === 0x80));

type Op = { op: number; data?: Uint8Array };
function parseScript(s: Uint8Array): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < s.length; ) {
    const op = s[i++]!;
    if (op >= 1 && op <= 0x4b) {
      ops.push({ op, data: s.slice(i, i + op) });
      i += op;
    } else if (op === 0x4c) {
      const n = s[i++]!;
      ops.push({ op, data: s.slice(i, i + n) });
      i += n;
    } else ops.push({ op });
  }
  return ops;
}

interface SpendCtx {
  secp: Secp256k1;
  tx: Transaction;
  index: number;
  value: bigint;
}

function checkSig(c: SpendCtx, sig: Uint8Array, pubkey: Uint8Array, scriptCode: Uint8Array): boolean {
  if (sig.length === 0) return false;
  const hashType = sig[sig.length - 1]!;
  let compact: Uint8Array;
  try {
    compact = signatureFromDer(sig.subarray(0, sig.length - 1));
  } catch {
    return false;
  }
  return c.secp.verify(compact, segwitV0Sighash(c.tx, c.index, scriptCode, c.value, hashType), pubkey);
}

function run(c: SpendCtx, script: Uint8Array, initial: Uint8Array[]): Result {
  const stack = [...initial];
  const exec: boolean[] = [];
  const pop = () => {
    const v = stack.pop();
    if (!v) throw new Error('stack underflow');
    return v;
  };
  const input = c.tx.inputs[c.index]!;
  try {
    for (const { op, data } of parseScript(script)) {
      const executing = exec.every(Boolean);
      if (op === 0x63 || op === 0x64) {
        if (executing) {
          const v = pop();
          if (v.length > 1 || (v.length === 1 && v[0] !== 1)) return fail('MINIMALIF violated');
          exec.push(op === 0x63 ? v.length === 1 : v.length === 0);
        } else exec.push(false);
        continue;
      }
      if (op === 0x67) {
        if (!exec.length) return fail('ELSE without IF');
        exec[exec.length - 1] = !exec[exec.length - 1];
        continue;
      }
      if (op === 0x68) {
        if (!exec.length) return fail('ENDIF without IF');
        exec.pop();
        continue;
      }
      if (!executing) continue;
      if (data) stack.push(data);
      else if (op === 0x00) stack.push(new Uint8Array(0));
      else if (op >= 0x51 && op <= 0x60) stack.push(encodeNum(op - 0x50));
      else if (op === 0x75) pop();
      else if (op === 0x76) stack.push(stack[stack.length - 1] ?? pop());
      else if (op === 0x7c) {
        const a = pop(), b = pop();
        stack.push(a, b);
      } else if (op === 0x73) {
        const v = stack[stack.length - 1] ?? pop();
        if (truthy(v)) stack.push(v);
      } else if (op === 0x82) stack.push(encodeNum((stack[stack.length - 1] ?? pop()).length));
      else if (op === 0x87 || op === 0x88) {
        const eq = equalBytes(pop(), pop());
        if (op === 0x88) {
          if (!eq) return fail('EQUALVERIFY failed');
        } else stack.push(eq ? Uint8Array.of(1) : new Uint8Array(0));
      } else if (op === 0xa9) stack.push(hash160(pop()));
      else if (op === 0xac || op === 0xad) {
        const pk = pop(), sig = pop();
        const ok = checkSig(c, sig, pk, script);
        if (!ok && sig.length) return fail('NULLFAIL: a non-empty signature failed');
        if (op === 0xad) {
          if (!ok) return fail('CHECKSIGVERIFY failed');
        } else stack.push(ok ? Uint8Array.of(1) : new Uint8Array(0));
      } else if (op === 0xae) {
        const n = decodeNum(pop());
        const keys = Array.from({ length: n }, pop).reverse();
        const m = decodeNum(pop());
        const sigs = Array.from({ length: m }, pop).reverse();
        if (pop().length !== 0) return fail('NULLDUMMY');
        let k = 0;
        let ok = true;
        for (const s of sigs) {
          while (k < keys.length && !checkSig(c, s, keys[k]!, script)) k++;
          if (k++ >= keys.length) ok = false;
        }
        stack.push(ok ? Uint8Array.of(1) : new Uint8Array(0));
      } else if (op === 0xb1) {
        const lock = decodeNum(stack[stack.length - 1]!);
        if (lock < 0) return fail('negative locktime');
        if (input.sequence === 0xffffffff) return fail('CLTV with a final sequence');
        if (c.tx.locktime < lock) return fail(`CLTV ${lock} > tx locktime ${c.tx.locktime}`);
      } else if (op === 0xb2) {
        const seq = decodeNum(stack[stack.length - 1]!);
        if (seq < 0) return fail('negative CSV');
        if (!(seq & 0x80000000)) {
          if (c.tx.version < 2) return fail('CSV needs version 2');
          if (input.sequence & 0x80000000) return fail('CSV with the disable flag set on the input');
          if ((input.sequence & 0xffff) < (seq & 0xffff)) return fail(`CSV ${seq} > input sequence ${input.sequence}`);
        }
      } else return fail(`unsupported opcode 0x${op.toString(16)}`);
    }
  } catch (e) {
    return fail((e as Error).message);
  }
  if (exec.length) return fail('unbalanced IF');
  if (stack.length !== 1 || !truthy(stack[0]!)) return fail(`script ended with ${stack.length} items, top ${stack.length ? bytesToHex(stack[stack.length - 1]!) : '-'}`);
  return { ok: true };
}

/** Verifies input `index` of `tx` spending `prev` (segwit v0 only; other inputs pass). */
export function verifySpend(secp: Secp256k1, tx: Transaction, index: number, prev: TxOut): Result {
  const w = tx.inputs[index]!.witness;
  const spk = prev.scriptPubkey;
  const c = { secp, tx, index, value: prev.valueSat };
  if (spk.length === 22 && spk[0] === 0 && spk[1] === 20) {
    if (w.length !== 2) return fail('P2WPKH witness must have 2 items');
    if (!equalBytes(hash160(w[1]!), spk.subarray(2))) return fail('P2WPKH key mismatch');
    return checkSig(c, w[0]!, w[1]!, p2pkh(w[1]!)) ? { ok: true } : fail('P2WPKH signature invalid');
  }
  if (spk.length === 34 && spk[0] === 0 && spk[1] === 32) {
    const ws = w[w.length - 1];
    if (!ws || !equalBytes(sha256(ws), spk.subarray(2))) return fail('P2WSH witness script mismatch');
    return run(c, ws, w.slice(0, -1) as Uint8Array[]);
  }
  return { ok: true };
}

/** Something the validating broadcaster refused. */
export interface Refusal {
  readonly txid: string;
  readonly reason: string;
  readonly premature: boolean;
}

/**
 * A broadcaster that checks scripts and timelocks against the chain (as bitcoind's mempool
 * would at the current tip) before handing transactions to the `MemoryChain`.
 */
export class ValidatingBroadcaster implements BroadcasterInterface {
  /** Every transaction offered, valid or not. */
  readonly offered: Uint8Array[] = [];
  /** Script failures: always a bug. */
  readonly invalid: Refusal[] = [];
  /** Timelocks not yet satisfied (a real mempool refuses these too). */
  readonly premature: Refusal[] = [];
  /** Accepted by scripts but refused by the chain's mempool (conflict without a higher fee, ...). */
  readonly rejected: Refusal[] = [];
  /** When set, transactions are recorded and validated but not handed to the chain. */
  hold = false;
  constructor(
    private readonly chain: MemoryChain,
    private readonly secp: Secp256k1,
  ) {}

  broadcastTransactions(txs: readonly Uint8Array[]): void {
    for (const raw of txs) {
      this.offered.push(raw);
      const r = this.check(raw);
      if (r.ok === false) {
        const txid = bytesToHex(txidOf(parseTx(raw)).slice().reverse());
        (r.premature ? this.premature : this.invalid).push({ txid, reason: r.reason, premature: r.premature });
        continue;
      }
      if (this.hold) continue;
      const res = this.chain.submitToMempool(raw);
      if (!res.ok) this.rejected.push({ txid: bytesToHex(res.txid.slice().reverse()), reason: res.reason, premature: false });
    }
  }

  /** Checks every input's script and the transaction's timelocks at the chain tip. */
  check(raw: Uint8Array): Result {
    const tx = parseTx(raw);
    const next = this.chain.tipHeight + 1;
    if (tx.locktime !== 0 && tx.locktime < 500_000_000 && tx.inputs.some((i) => i.sequence !== 0xffffffff) && tx.locktime >= next) {
      return fail(`locktime ${tx.locktime} not final in block ${next}`, true);
    }
    for (let i = 0; i < tx.inputs.length; i++) {
      const prevout = tx.inputs[i]!.prevout;
      const prevRaw = this.chain.getTransaction(prevout.txid);
      if (!prevRaw) continue; // faucet coins and unknown parents: the chain decides
      const prev = parseTx(prevRaw).outputs[prevout.vout];
      if (!prev) return fail(`input ${i} spends a missing output`);
      const seq = tx.inputs[i]!.sequence;
      if (tx.version >= 2 && !(seq & 0x80000000)) {
        const confs = this.chain.confirmations(prevout.txid);
        const prevHeight = confs === 0 ? next : this.chain.tipHeight - confs + 1;
        if (next - prevHeight < (seq & 0xffff)) return fail(`input ${i}: relative lock ${seq & 0xffff} not met in block ${next} (parent at ${prevHeight})`, true);
      }
      const r = verifySpend(this.secp, tx, i, prev);
      if (r.ok === false) return fail(`input ${i}: ${r.reason}`);
    }
    return { ok: true };
  }
}
