/**
 * `MemoryChain`: a deterministic, regtest-like bitcoin chain in memory for tests and demos.
 * Real 80-byte headers and merkle roots, a UTXO set with double-spend checks, a mempool fed
 * by a recording broadcaster (with simple fee-based replacement), reorgs, UTXO lookups by
 * short channel id, and notifications to `Listen` and `Confirm` subscribers as
 * `@ln/chain-interfaces` prescribes (tip-first disconnects, then the new chain in order).
 */
import { hexToBytes, sha256 } from '@ln/crypto';
import {
  outPointToString, txidFromInternalBytes,
  type Block, type BlockHeader, type BroadcasterInterface, type Confirm, type Filter, type Listen, type OutPoint,
  type RawTransaction, type TransactionData, type Txid, type TxOut, type UtxoLookup, type UtxoResult, type WatchedOutput,
} from '@ln/chain-interfaces';
import { REGTEST_GENESIS_HEADER_HEX, buildHeader, headerFromRaw, merkleRoot } from './block.js';
import { parseTx as parseTransaction } from '@ln/transactions';
import { finalityError, sequenceLockError, verifyInputScript, type LockContext } from './script-verify.js';
import { buildLegacyTx, parseTx, type ParsedTx } from './tx.js';

/** A subscriber: a full-block `Listen`, a per-transaction `Confirm`, or both. */
export type ChainListener = Partial<Listen> & Partial<Confirm>;

/** One stored block with its parsed transactions. */
interface StoredBlock {
  readonly header: BlockHeader;
  readonly height: number;
  readonly txs: readonly ParsedTx[];
}

/** Why a broadcast transaction was not accepted into the mempool. */
export interface RejectedBroadcast {
  readonly txid: Txid;
  readonly reason: string;
}

const hexKey = (t: Uint8Array) => Array.from(t, (b) => b.toString(16).padStart(2, '0')).join('');
const COINBASE_VALUE_SAT = 50_0000_0000n;

/** Records every broadcast and feeds valid transactions to the chain's mempool. */
export class RecordingBroadcaster implements BroadcasterInterface {
  /** Every transaction ever broadcast, in order. */
  readonly broadcasts: RawTransaction[] = [];
  /** Broadcasts the mempool refused, with the reason. */
  readonly rejected: RejectedBroadcast[] = [];
  constructor(private readonly chain: MemoryChain) {}
  broadcastTransactions(txs: readonly RawTransaction[]): void {
    for (const tx of txs) {
      this.broadcasts.push(tx);
      const r = this.chain.submitToMempool(tx);
      if (!r.ok) this.rejected.push({ txid: r.txid, reason: r.reason });
    }
  }
}

/** Registrations of what `Confirm` subscribers want to see: the chain side of `Filter`. */
export class MemoryChainFilter implements Filter {
  /** Registered txids (hex, internal order). */
  readonly txids = new Set<string>();
  readonly scripts = new Set<string>();
  readonly outputs = new Set<string>();
  registerTx(txid: Txid, scriptPubkey: Uint8Array): void {
    this.txids.add(hexKey(txid));
    if (scriptPubkey.length) this.scripts.add(hexKey(scriptPubkey));
  }
  registerOutput(output: WatchedOutput): void {
    this.outputs.add(outPointToString(output.outpoint));
  }
  /** Whether a transaction matches a registered txid, spends a registered output or pays a registered script. */
  matches(tx: ParsedTx): boolean {
    if (this.txids.has(hexKey(tx.txid))) return true;
    if (tx.inputs.some((i) => this.outputs.has(outPointToString(i)))) return true;
    return tx.outputs.some((o) => this.scripts.has(hexKey(o.scriptPubkey)));
  }
}

/** Options of a {@link MemoryChain}. */
export interface MemoryChainOptions {
  /** Timestamp of block 1; each block adds `blockIntervalSeconds`. Default 1_700_000_000. */
  readonly startTime?: number;
  readonly blockIntervalSeconds?: number;
  /**
   * Verify what bitcoind would before accepting a transaction (default `true`): every
   * segwit v0 input's witness (P2WPKH, P2WSH with the BOLT 3 scripts, BIP 143 signatures,
   * strict DER, low S), nLockTime finality for the next block, BIP 65/68/112 lock times.
   * Refusals read `script: <what failed> (input i)`, `non-final: ...` or `non-BIP68-final: ...`.
   */
  readonly verifyScripts?: boolean;
}

/** The in-memory chain. */
export class MemoryChain implements UtxoLookup {
  readonly broadcaster: RecordingBroadcaster;
  /** Register here what `Confirm` subscribers must be told about. */
  readonly filter: MemoryChainFilter = new MemoryChainFilter();
  private readonly blocks: StoredBlock[] = [];
  private readonly mempool = new Map<string, ParsedTx>();
  private readonly utxos = new Map<string, TxOut>();
  private readonly confirmedAt = new Map<string, number>();
  private readonly faucetOutpoints = new Set<string>();
  private readonly listeners: ChainListener[] = [];
  private readonly startTime: number;
  private readonly interval: number;
  private readonly verifyScripts: boolean;
  private faucetCounter = 0;
  /** Bumped on every reorg so replacement blocks differ from the ones they replace. */
  private branch = 0;

  constructor(opts: MemoryChainOptions = {}) {
    this.startTime = opts.startTime ?? 1_700_000_000;
    this.interval = opts.blockIntervalSeconds ?? 600;
    this.verifyScripts = opts.verifyScripts ?? verifyScriptsDefault();
    this.blocks.push({ header: headerFromRaw(hexToBytes(REGTEST_GENESIS_HEADER_HEX)), height: 0, txs: [] });
    this.broadcaster = new RecordingBroadcaster(this);
  }

  /** The BOLT 1 `chain_hash`: the genesis block hash (regtest's), internal order. */
  get chainHash(): Uint8Array {
    return this.blocks[0]!.header.hash;
  }
  get tipHeight(): number {
    return this.blocks.length - 1;
  }
  get tip(): BlockHeader {
    return this.blocks[this.blocks.length - 1]!.header;
  }
  getHeader(height: number): BlockHeader | undefined {
    return this.blocks[height]?.header;
  }
  /** The full block at `height` (transactions in block order). */
  getBlock(height: number): Block | undefined {
    const b = this.blocks[height];
    return b && { header: b.header, transactions: b.txs.map((t) => t.raw) };
  }
  /** Transactions waiting in the mempool. */
  mempoolTxids(): Txid[] {
    return [...this.mempool.values()].map((t) => t.txid);
  }
  /** A confirmed or mempool transaction by txid. */
  getTransaction(txid: Txid): RawTransaction | undefined {
    const k = hexKey(txid);
    const m = this.mempool.get(k);
    if (m) return m.raw;
    const h = this.confirmedAt.get(k);
    return h === undefined ? undefined : this.blocks[h]!.txs.find((t) => hexKey(t.txid) === k)!.raw;
  }
  /** Confirmations of a transaction: 0 in the mempool or unknown, 1 in the tip block. */
  confirmations(txid: Txid): number {
    const h = this.confirmedAt.get(hexKey(txid));
    return h === undefined ? 0 : this.tipHeight - h + 1;
  }
  /** Whether an output exists and is unspent on the chain (mempool spends not counted). */
  isUnspent(outpoint: OutPoint): boolean {
    return this.utxos.has(outPointToString(outpoint));
  }

  /** Adds a subscriber. It hears about blocks connected from now on. */
  subscribe(listener: ChainListener): void {
    this.listeners.push(listener);
  }
  unsubscribe(listener: ChainListener): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /**
   * A faucet: a transaction paying `valueSat` to `scriptPubkey`, placed in the mempool (mine a
   * block to confirm it). Its single input is a synthetic coin the chain accepts as spendable.
   */
  fund(scriptPubkey: Uint8Array, valueSat: bigint): { outpoint: OutPoint; tx: RawTransaction } {
    const n = this.faucetCounter++;
    const src = { txid: txidFromInternalBytes(sha256(new TextEncoder().encode(`memory-chain faucet ${n}`))), vout: 0 };
    this.faucetOutpoints.add(outPointToString(src));
    const tx = buildLegacyTx([{ outpoint: src, scriptSig: Uint8Array.of(0x51) }], [{ valueSat, scriptPubkey }]);
    const r = this.submitToMempool(tx);
    if (!r.ok) throw new Error(`faucet transaction refused: ${r.reason}`);
    return { outpoint: { txid: r.txid, vout: 0 }, tx };
  }

  /**
   * Validates a transaction against the chain and mempool and adds it. A transaction spending
   * an output that a mempool transaction already spends replaces it (and its descendants)
   * when it pays a higher fee.
   */
  submitToMempool(raw: RawTransaction): { ok: true; txid: Txid } | { ok: false; txid: Txid; reason: string } {
    let tx: ParsedTx;
    try {
      tx = parseTx(raw);
    } catch (e) {
      return { ok: false, txid: txidFromInternalBytes(new Uint8Array(32)), reason: `unparsable: ${(e as Error).message}` };
    }
    const k = hexKey(tx.txid);
    if (this.mempool.has(k) || this.confirmedAt.has(k)) return { ok: true, txid: tx.txid };
    const mempoolOutputs = new Map<string, TxOut>();
    for (const m of this.mempool.values()) m.outputs.forEach((o, vout) => mempoolOutputs.set(outPointToString({ txid: m.txid, vout }), o));
    let inValue = 0n;
    const conflicts = new Set<string>();
    const spent: (TxOut | undefined)[] = [];
    const coinHeights: (number | undefined)[] = [];
    for (const input of tx.inputs) {
      const key = outPointToString(input);
      spent.push(undefined);
      coinHeights.push(undefined);
      if (this.faucetOutpoints.has(key)) continue;
      const confirmed = this.utxos.get(key);
      const out = confirmed ?? mempoolOutputs.get(key);
      if (!out) return { ok: false, txid: tx.txid, reason: `input ${key} does not exist or is already spent on chain` };
      spent[spent.length - 1] = out;
      if (confirmed) coinHeights[coinHeights.length - 1] = this.confirmedAt.get(hexKey(input.txid));
      inValue += out.valueSat;
      for (const m of this.mempool.values()) if (m.inputs.some((i) => outPointToString(i) === key)) conflicts.add(hexKey(m.txid));
    }
    const outValue = tx.outputs.reduce((a, o) => a + o.valueSat, 0n);
    const isFaucet = tx.inputs.every((i) => this.faucetOutpoints.has(outPointToString(i)));
    if (!isFaucet && outValue > inValue) return { ok: false, txid: tx.txid, reason: `outputs (${outValue} sat) exceed inputs (${inValue} sat)` };
    if (this.verifyScripts && !isFaucet) {
      const why = this.verificationError(raw, spent, coinHeights);
      if (why) {
        if (envFlag('LN_VERIFY_SCRIPTS_TRACE') === '1') console.warn(`MemoryChain refused ${hexKey(tx.txid)}: ${why}\n  ${hexKey(raw)}`);
        return { ok: false, txid: tx.txid, reason: why };
      }
    }
    if (conflicts.size) {
      const fee = inValue - outValue;
      for (const c of conflicts) {
        const old = this.mempool.get(c)!;
        if (fee <= this.feeOf(old, mempoolOutputs)) return { ok: false, txid: tx.txid, reason: `conflicts with ${c} and does not pay a higher fee` };
      }
      for (const c of conflicts) this.evictWithDescendants(c);
    }
    this.mempool.set(k, tx);
    return { ok: true, txid: tx.txid };
  }

  /** What bitcoind would refuse `raw` for in the next block (see {@link MemoryChainOptions.verifyScripts}), or `undefined`. */
  private verificationError(raw: RawTransaction, spent: readonly (TxOut | undefined)[], coinHeights: readonly (number | undefined)[]): string | undefined {
    const tx = parseTransaction(raw);
    const ctx: LockContext = {
      nextHeight: this.tipHeight + 1,
      tipMedianTimePast: this.medianTimePast(this.tipHeight),
      medianTimePast: (h) => this.medianTimePast(h),
    };
    const nonFinal = finalityError(tx, ctx);
    if (nonFinal) return `non-final: ${nonFinal}`;
    for (let i = 0; i < tx.inputs.length; i++) {
      const out = spent[i];
      if (!out) continue; // a faucet coin
      const why = verifyInputScript(tx, i, out);
      if (why) return `script: ${why} (input ${i})`;
    }
    const bip68 = sequenceLockError(tx, coinHeights, ctx);
    return bip68 && `non-BIP68-final: ${bip68}`;
  }

  /** Why a transaction returned by a reorg may not re-enter the mempool at the new tip, or `undefined`. */
  private revalidationError(t: ParsedTx): string | undefined {
    const spent: (TxOut | undefined)[] = [];
    const coinHeights: (number | undefined)[] = [];
    for (const input of t.inputs) {
      const key = outPointToString(input);
      if (this.faucetOutpoints.has(key)) {
        spent.push(undefined);
        coinHeights.push(undefined);
        continue;
      }
      const confirmed = this.utxos.get(key);
      const parent = confirmed ? undefined : this.mempool.get(hexKey(input.txid));
      const out = confirmed ?? parent?.outputs[input.vout];
      if (!out) return `input ${key} no longer exists`;
      spent.push(out);
      coinHeights.push(confirmed ? this.confirmedAt.get(hexKey(input.txid)) : undefined);
    }
    if (t.inputs.every((i) => this.faucetOutpoints.has(outPointToString(i)))) return undefined;
    return this.verificationError(t.raw, spent, coinHeights);
  }

  /** BIP 113 median time past of the block at `height`: the median of it and its 10 predecessors' timestamps. */
  medianTimePast(height: number): number {
    const times: number[] = [];
    for (let h = Math.max(0, height - 10); h <= height; h++) times.push(this.blocks[h]!.header.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  private feeOf(tx: ParsedTx, mempoolOutputs: Map<string, TxOut>): bigint {
    let inV = 0n;
    for (const i of tx.inputs) inV += (this.utxos.get(outPointToString(i)) ?? mempoolOutputs.get(outPointToString(i)))?.valueSat ?? 0n;
    return inV - tx.outputs.reduce((a, o) => a + o.valueSat, 0n);
  }

  private evictWithDescendants(key: string): void {
    const tx = this.mempool.get(key);
    if (!tx) return;
    this.mempool.delete(key);
    for (const m of [...this.mempool.values()]) if (m.inputs.some((i) => hexKey(i.txid) === key)) this.evictWithDescendants(hexKey(m.txid));
  }

  /**
   * Mines `count` blocks. The first block includes `txs` when given (they are submitted to
   * the mempool first), otherwise the whole mempool; later blocks include what is left.
   */
  mine(count = 1, opts: { txs?: readonly RawTransaction[] } = {}): Block[] {
    const mined: Block[] = [];
    for (let n = 0; n < count; n++) {
      let chosen: ParsedTx[];
      if (n === 0 && opts.txs) {
        chosen = [];
        for (const raw of opts.txs) {
          const r = this.submitToMempool(raw);
          if (!r.ok) throw new Error(`cannot mine ${hexKey(r.txid)}: ${r.reason}`);
          const t = this.mempool.get(hexKey(r.txid));
          if (t) chosen.push(t);
        }
      } else {
        chosen = this.orderedMempool();
      }
      mined.push(this.connect(chosen));
    }
    return mined;
  }

  /** Mempool transactions with parents before children. */
  private orderedMempool(): ParsedTx[] {
    const out: ParsedTx[] = [];
    const done = new Set<string>();
    const visit = (t: ParsedTx) => {
      const k = hexKey(t.txid);
      if (done.has(k)) return;
      done.add(k);
      for (const i of t.inputs) {
        const p = this.mempool.get(hexKey(i.txid));
        if (p) visit(p);
      }
      out.push(t);
    };
    for (const t of this.mempool.values()) visit(t);
    return out;
  }

  private connect(txs: ParsedTx[]): Block {
    const height = this.blocks.length;
    const coinbase = parseTx(
      buildLegacyTx(
        [{ outpoint: { txid: txidFromInternalBytes(new Uint8Array(32)), vout: 0xffffffff }, scriptSig: bip34Height(height, this.branch) }],
        [{ valueSat: COINBASE_VALUE_SAT, scriptPubkey: Uint8Array.of(0x51) }],
      ),
    );
    const all = [coinbase, ...txs];
    const header = buildHeader(this.tip.hash, merkleRoot(all.map((t) => t.txid)), this.startTime + height * this.interval);
    const block: StoredBlock = { header, height, txs: all };
    this.blocks.push(block);
    for (const t of all) {
      const k = hexKey(t.txid);
      this.mempool.delete(k);
      this.confirmedAt.set(k, height);
      for (const i of t.inputs) this.utxos.delete(outPointToString(i));
      t.outputs.forEach((o, vout) => this.utxos.set(outPointToString({ txid: t.txid, vout }), o));
    }
    // Transactions left in the mempool that now conflict with the block are dropped.
    const spentNow = new Set(txs.flatMap((t) => t.inputs.map(outPointToString)));
    for (const m of [...this.mempool.values()]) if (m.inputs.some((i) => spentNow.has(outPointToString(i)))) this.evictWithDescendants(hexKey(m.txid));
    this.notifyConnected(block);
    return { header, transactions: all.map((t) => t.raw) };
  }

  private notifyConnected(b: StoredBlock): void {
    const full: Block = { header: b.header, transactions: b.txs.map((t) => t.raw) };
    for (const l of [...this.listeners]) {
      l.blockConnected?.(full, b.height);
      if (l.transactionsConfirmed) {
        const relevant: TransactionData[] = [];
        b.txs.forEach((t, index) => {
          if (this.filter.matches(t)) relevant.push({ index, tx: t.raw });
        });
        if (relevant.length) l.transactionsConfirmed(b.header, relevant, b.height);
      }
      l.bestBlockUpdated?.(b.header, b.height);
    }
  }

  /**
   * Disconnects the top `depth` blocks (notifying subscribers tip first), returns their
   * non-coinbase transactions to the mempool (minus `dropTxids`), then mines `newBlocks`
   * blocks (default `depth + 1`, so the new chain is longer) with the mempool's contents.
   */
  reorg(depth: number, opts: { newBlocks?: number; dropTxids?: readonly Txid[]; includeMempool?: boolean } = {}): void {
    if (depth < 1 || depth >= this.blocks.length) throw new Error(`cannot reorg ${depth} blocks of a ${this.tipHeight}-block chain`);
    this.branch++;
    const drop = new Set((opts.dropTxids ?? []).map(hexKey));
    const returned: ParsedTx[] = [];
    for (let n = 0; n < depth; n++) {
      const b = this.blocks.pop()!;
      for (const t of [...b.txs].reverse()) {
        const k = hexKey(t.txid);
        this.confirmedAt.delete(k);
        t.outputs.forEach((_, vout) => this.utxos.delete(outPointToString({ txid: t.txid, vout })));
        for (const i of t.inputs) {
          const h = this.confirmedAt.get(hexKey(i.txid));
          if (h !== undefined) {
            // The parent may sit in the block being disconnected (already popped): its outputs go with it below.
            const parentBlock = h === b.height ? b : this.blocks[h]!;
            const parent = parentBlock.txs.find((p) => hexKey(p.txid) === hexKey(i.txid))!;
            this.utxos.set(outPointToString(i), parent.outputs[i.vout]!);
          }
        }
      }
      returned.unshift(...b.txs.slice(1));
      for (const l of [...this.listeners]) {
        if (l.transactionUnconfirmed && l.getRelevantTxids) {
          const ours = new Set(b.txs.map((t) => hexKey(t.txid)));
          for (const r of l.getRelevantTxids()) if (ours.has(hexKey(r.txid))) l.transactionUnconfirmed(r.txid);
        }
        l.blockDisconnected?.(b.header, b.height);
      }
    }
    for (const t of returned) {
      if (drop.has(hexKey(t.txid))) continue;
      // As bitcoind after a reorg: what is no longer final at the new tip (BIP 68 locks on outputs now unconfirmed) is dropped.
      if (this.verifyScripts && this.revalidationError(t)) continue;
      this.mempool.set(hexKey(t.txid), t);
    }
    for (const l of [...this.listeners]) l.bestBlockUpdated?.(this.tip, this.tipHeight);
    const newBlocks = opts.newBlocks ?? depth + 1;
    for (let n = 0; n < newBlocks; n++) this.connect(opts.includeMempool === false ? [] : this.orderedMempool());
  }

  /** `UtxoLookup`: the unspent output at `block x tx x output` of a short channel id, with its outpoint. */
  getUtxo(chainHash: Uint8Array, shortChannelId: bigint): UtxoResult {
    if (hexKey(chainHash) !== hexKey(this.chainHash)) return { ok: false, error: 'UnknownChain' };
    const height = Number(shortChannelId >> 40n);
    const txIndex = Number((shortChannelId >> 16n) & 0xffffffn);
    const vout = Number(shortChannelId & 0xffffn);
    const tx = this.blocks[height]?.txs[txIndex];
    if (!tx) return { ok: false, error: 'UnknownTx' };
    const outpoint = { txid: tx.txid, vout };
    const out = this.utxos.get(outPointToString(outpoint));
    return out ? { ok: true, output: out, outpoint } : { ok: false, error: 'UnknownTx' };
  }

  /** The short channel id of a confirmed output (BOLT 7: block height, tx index, output index). */
  shortChannelIdOf(outpoint: OutPoint): bigint | undefined {
    const h = this.confirmedAt.get(hexKey(outpoint.txid));
    if (h === undefined) return undefined;
    const index = this.blocks[h]!.txs.findIndex((t) => hexKey(t.txid) === hexKey(outpoint.txid));
    return (BigInt(h) << 40n) | (BigInt(index) << 16n) | BigInt(outpoint.vout);
  }
}

/** The default of {@link MemoryChainOptions.verifyScripts}: the environment variable `LN_VERIFY_SCRIPTS` (`1` on, `0` off). */
/** On unless the environment has `LN_VERIFY_SCRIPTS=0` (a debugging switch: every test of the repo passes with it on). */
function verifyScriptsDefault(): boolean {
  return envFlag('LN_VERIFY_SCRIPTS') !== '0';
}
const envFlag = (name: string): string | undefined => (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];

/** Coinbase scriptSig: the BIP 34 height push, then an extra-nonce push of the branch number. */
function bip34Height(height: number, branch: number): Uint8Array {
  const bytes: number[] = [];
  let h = height;
  while (h > 0) {
    bytes.push(h & 0xff);
    h >>= 8;
  }
  if (bytes.length && bytes[bytes.length - 1]! & 0x80) bytes.push(0);
  return Uint8Array.from([bytes.length, ...bytes, 0x04, branch & 0xff, (branch >> 8) & 0xff, (branch >> 16) & 0xff, branch >>> 24]);
}
