/**
 * `ChainPoller`: polls a {@link BlockSource} and delivers its blocks in chain order to `Listen`
 * (full blocks) and `Confirm` (filtered transactions) listeners, as `@ln/chain-interfaces`
 * prescribes: on a reorg, stale blocks are disconnected tip first down to the fork point, then
 * the new branch is connected in order.
 *
 * No runtime of its own: {@link ChainPoller.poll} is one async call the caller drives;
 * {@link ChainPoller.start} is an optional helper timer around it.
 *
 * @packageDocumentation
 */
import { equalBytes, sha256d } from '@ln/crypto';
import {
  blockHashToHex, moduleLogger, NULL_LOGGER,
  type BestBlock, type Block, type BlockHash, type BlockHeader, type Confirm, type Listen, type Logger, type ModuleLogger,
  type TransactionData,
} from '@ln/chain-interfaces';
import { parseTx, txidOf } from '@ln/transactions';
import { ChainSourceError, isNotFoundError } from '../errors.js';
import type { BlockSource } from '../source.js';
import { ChainPollerFilter, type FilterableTx } from './filter.js';

/** Options of a {@link ChainPoller}. */
export interface ChainPollerOptions {
  /** Stop a poll after connecting this many blocks (the next poll goes on). Default: no limit. */
  readonly maxBlocksPerPoll?: number;
  /** Refuse (with `reorg_too_deep`) reorgs deeper than this. Default 2016. */
  readonly maxReorgDepth?: number;
  /** How many blocks to fetch concurrently during a catch-up (delivery stays in order). Default 4; 1 fetches one at a time. */
  readonly fetchAhead?: number;
  /** How many recent headers each cursor keeps (older ones are fetched by hash when a reorg reaches them). Default 288. */
  readonly headerCacheSize?: number;
  /** The filter `Confirm` listeners' transactions are matched against. Default: a new {@link ChainPollerFilter}. */
  readonly filter?: ChainPollerFilter;
  readonly logger?: Logger;
}

/** What one {@link ChainPoller.poll} did. */
export interface PollResult {
  /** The source's tip when the poll started. */
  readonly tip: BestBlock;
  /** Blocks connected (summed over listener groups). */
  readonly connected: number;
  /** Blocks disconnected (summed over listener groups). */
  readonly disconnected: number;
  /** Whether every listener is now at `tip` (false when the block budget ran out or the source changed mid-poll). */
  readonly upToDate: boolean;
}

type Entry =
  | { readonly kind: 'listen'; readonly listener: Listen; readonly order: number }
  | { readonly kind: 'confirm'; readonly listener: Confirm; readonly order: number };

/** Listeners that are synced to the same block, and the headers of their chain. */
interface Cursor {
  best: BestBlock;
  /** Headers of this cursor's chain by height (a recent window). */
  readonly headers: Map<number, BlockHeader>;
  entries: Entry[];
}

interface ParsedBlockTx extends FilterableTx {
  readonly index: number;
  readonly raw: Uint8Array;
}

/** Polls a block source and feeds `Listen` and `Confirm` listeners in order, reorgs included. */
export class ChainPoller {
  /** Hand this to components as their `Filter`; `Confirm` listeners get what matches it. */
  readonly filter: ChainPollerFilter;
  private readonly log: ModuleLogger;
  private readonly maxBlocksPerPoll: number;
  private readonly maxReorgDepth: number;
  private readonly headerCacheSize: number;
  private readonly fetchAhead: number;
  private cursors: Cursor[] = [];
  private order = 0;
  private running?: Promise<PollResult>;
  private timer?: ReturnType<typeof setTimeout>;
  private loopActive = false;
  /** Blocks fetched in the current poll, by hash hex (several cursors may need the same ones). */
  private readonly blockCache = new Map<string, Block>();

  constructor(private readonly source: BlockSource, opts: ChainPollerOptions = {}) {
    this.filter = opts.filter ?? new ChainPollerFilter();
    this.log = moduleLogger(opts.logger ?? NULL_LOGGER, 'chain-sources');
    this.maxBlocksPerPoll = opts.maxBlocksPerPoll ?? Number.POSITIVE_INFINITY;
    this.maxReorgDepth = opts.maxReorgDepth ?? 2016;
    this.headerCacheSize = Math.max(1, opts.headerCacheSize ?? 288);
    this.fetchAhead = Math.max(1, Math.floor(opts.fetchAhead ?? 4));
  }

  /**
   * Registers a full-block listener that has seen the chain up to `syncedTo` (its persisted
   * best block; `{ blockHash: genesis, height: 0 }` for a new one). From the next poll on it gets
   * `blockConnected`/`blockDisconnected` for every block after that, in order.
   */
  addListen(listener: Listen, syncedTo: BestBlock): void {
    this.addEntry({ kind: 'listen', listener, order: this.order++ }, syncedTo);
  }

  /**
   * Registers a `Confirm` listener synced to `syncedTo`. It gets `transactionsConfirmed` for the
   * transactions matching {@link ChainPoller.filter} (re-scanning a block when the listener
   * registers more during it), `transactionUnconfirmed` for its relevant txids in disconnected
   * blocks, and `bestBlockUpdated` after each block.
   */
  addConfirm(listener: Confirm, syncedTo: BestBlock): void {
    this.addEntry({ kind: 'confirm', listener, order: this.order++ }, syncedTo);
  }

  /** Stops delivering to `listener` (both kinds). */
  removeListener(listener: Listen | Confirm): void {
    for (const c of this.cursors) c.entries = c.entries.filter((e) => e.listener !== listener);
    this.cursors = this.cursors.filter((c) => c.entries.length > 0);
  }

  private addEntry(entry: Entry, syncedTo: BestBlock): void {
    if (!Number.isSafeInteger(syncedTo.height) || syncedTo.height < 0) throw new ChainSourceError('inconsistent', `invalid height ${syncedTo.height}`);
    const same = this.cursors.find((c) => c.best.height === syncedTo.height && equalBytes(c.best.blockHash, syncedTo.blockHash));
    if (same) same.entries.push(entry);
    else this.cursors.push({ best: { blockHash: syncedTo.blockHash, height: syncedTo.height }, headers: new Map(), entries: [entry] });
  }

  /** The lowest block any listener is synced to (all of them after a poll that was `upToDate`). */
  syncedTo(): BestBlock | undefined {
    let low: BestBlock | undefined;
    for (const c of this.cursors) if (!low || c.best.height < low.height) low = c.best;
    return low && { blockHash: low.blockHash, height: low.height };
  }

  /**
   * Brings every listener to the source's tip. Rejects with the source's
   * {@link ChainSourceError} (or a listener's exception) when something fails; the listeners
   * stay where the last delivered block left them and the next poll goes on from there.
   * Concurrent calls share one run.
   */
  poll(): Promise<PollResult> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
      this.blockCache.clear();
    });
    return this.running;
  }

  /** Helper timer: polls every `intervalMs` (never overlapping) until {@link ChainPoller.stop}. */
  start(intervalMs: number, onError: (e: unknown) => void = () => undefined): void {
    if (this.loopActive) return;
    this.loopActive = true;
    const tick = (): void => {
      this.timer = undefined;
      this.poll()
        .catch((e: unknown) => onError(e))
        .finally(() => {
          if (this.loopActive) this.timer = setTimeout(tick, intervalMs);
        });
    };
    tick();
  }

  /** Stops the helper timer and waits for a poll in flight. */
  async stop(): Promise<void> {
    this.loopActive = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<PollResult> {
    const tip = await this.source.getBestBlock();
    const budget = { left: this.maxBlocksPerPoll };
    let connected = 0;
    let disconnected = 0;
    let upToDate = true;
    // Lagging cursors first: the blocks they fetch last are the ones the others need, and the
    // block cache of this poll still holds them.
    const cursors = [...this.cursors].sort((a, b) => a.best.height - b.best.height);
    for (const c of cursors) {
      const r = await this.syncCursor(c, tip, budget);
      connected += r.connected;
      disconnected += r.disconnected;
      if (!r.done) upToDate = false;
    }
    this.mergeCursors();
    for (const c of this.cursors) for (const h of c.headers.keys()) if (h <= c.best.height - this.headerCacheSize) c.headers.delete(h);
    return { tip, connected, disconnected, upToDate };
  }

  /** Merges cursors that reached the same block; their listeners keep registration order. */
  private mergeCursors(): void {
    const merged: Cursor[] = [];
    for (const c of this.cursors) {
      const into = merged.find((m) => m.best.height === c.best.height && equalBytes(m.best.blockHash, c.best.blockHash));
      if (!into) {
        merged.push(c);
        continue;
      }
      into.entries = [...into.entries, ...c.entries].sort((a, b) => a.order - b.order);
      for (const [h, hdr] of c.headers) if (!into.headers.has(h)) into.headers.set(h, hdr);
    }
    this.cursors = merged;
  }

  /** The hash of the cursor's chain at `height` (at most its tip), fetching headers by hash below its cache. */
  private async hashAt(c: Cursor, height: number): Promise<BlockHash> {
    if (height === c.best.height) return c.best.blockHash;
    const cached = c.headers.get(height);
    if (cached) return cached.hash;
    const above = c.headers.get(height + 1) ?? (await this.headerAt(c, height + 1));
    return above.prevBlockHash;
  }

  /** The header of the cursor's chain at `height`, from the cache or fetched by hash (and cached). */
  private async headerAt(c: Cursor, height: number): Promise<BlockHeader> {
    const cached = c.headers.get(height);
    if (cached) return cached;
    // Find the lowest cached height above `height` and walk down from it.
    let h = c.best.height;
    let hash = c.best.blockHash;
    for (let k = height + 1; k <= c.best.height; k++) {
      const hdr = c.headers.get(k);
      if (hdr) {
        h = k - 1;
        hash = hdr.prevBlockHash;
        break;
      }
    }
    for (;;) {
      const hdr = await this.fetchHeader(hash);
      c.headers.set(h, hdr);
      if (h === height) return hdr;
      hash = hdr.prevBlockHash;
      h--;
    }
  }

  /** A header by hash, checked (a `BlockSource` other than this package's clients may not check). */
  private async fetchHeader(hash: BlockHash): Promise<BlockHeader> {
    const hdr = await this.source.getHeader(hash);
    if (!equalBytes(hdr.hash, hash) || !equalBytes(sha256d(hdr.raw), hash)) {
      throw new ChainSourceError('inconsistent', `asked for header ${blockHashToHex(hash)}, got ${blockHashToHex(hdr.hash)}`, { endpoint: 'getHeader' });
    }
    return hdr;
  }

  private async fetchBlock(hash: BlockHash): Promise<Block> {
    const key = blockHashToHex(hash);
    const hit = this.blockCache.get(key);
    if (hit) return hit;
    const block = await this.source.getBlock(hash);
    if (!equalBytes(block.header.hash, hash) || !equalBytes(sha256d(block.header.raw), hash)) {
      throw new ChainSourceError('inconsistent', `asked for block ${key}, got ${blockHashToHex(block.header.hash)}`, { endpoint: 'getBlock' });
    }
    // Only worth keeping when other cursors will ask for the same blocks in this poll (bounded:
    // mainnet blocks are up to 4 MB).
    if (this.cursors.length > 1) {
      this.blockCache.set(key, block);
      if (this.blockCache.size > 16) this.blockCache.delete(this.blockCache.keys().next().value!);
    }
    return block;
  }

  private async syncCursor(c: Cursor, tip: BestBlock, budget: { left: number }): Promise<{ connected: number; disconnected: number; done: boolean }> {
    if (c.best.height === tip.height && equalBytes(c.best.blockHash, tip.blockHash)) return { connected: 0, disconnected: 0, done: true };

    // 1. Find the fork point: walk down from min(our height, tip height) comparing the source's
    //    best-chain hash with ours; below the first mismatch, follow the source's prev hashes.
    let h = Math.min(c.best.height, tip.height);
    let theirs = h === tip.height ? tip.blockHash : await this.source.getBlockHash(h);
    const newBranch: BlockHeader[] = []; // the source's headers above the fork, highest first
    const ours = async (height: number): Promise<BlockHash | undefined> => {
      try {
        return await this.hashAt(c, height);
      } catch (e) {
        // The source does not know our blocks and its tip is below ours: it is behind (or on
        // another chain); nothing can be delivered until it catches up.
        if (tip.height < c.best.height && isNotFoundError(e)) return undefined;
        throw e;
      }
    };
    for (;;) {
      const mine = await ours(h);
      if (!mine) {
        this.log.warn(`source tip ${tip.height} is below our block ${c.best.height} and the source does not know our chain; waiting`);
        return { connected: 0, disconnected: 0, done: false };
      }
      if (equalBytes(theirs, mine)) break;
      if (c.best.height - h >= this.maxReorgDepth) {
        throw new ChainSourceError('reorg_too_deep', `no common block within ${this.maxReorgDepth} blocks of ${c.best.height}`);
      }
      if (h === 0) throw new ChainSourceError('inconsistent', 'the source has a different genesis block');
      const hdr = await this.fetchHeader(theirs);
      newBranch.push(hdr);
      theirs = hdr.prevBlockHash;
      h--;
    }
    const fork = h;
    if (fork === tip.height && tip.height < c.best.height) {
      // The source's tip is an ancestor of ours: it is behind (restarting, reindexing, a lagging
      // backend), not reorganised. Our chain has more work; wait for the source to catch up.
      this.log.info(`source tip ${tip.height} is behind our block ${c.best.height} on the same chain; waiting`);
      return { connected: 0, disconnected: 0, done: false };
    }

    // 2. Disconnect our blocks above the fork, tip first. All headers are fetched before the
    //    first notification, so a failing source cannot leave a half-announced reorg.
    const stale: { header: BlockHeader; height: number }[] = [];
    for (let k = c.best.height; k > fork; k--) stale.push({ header: await this.headerAt(c, k), height: k });
    const hasConfirm = c.entries.some((e) => e.kind === 'confirm');
    const forkHeader = stale.length && hasConfirm ? await this.headerAt(c, fork) : undefined;
    if (stale.length) this.log.info(`reorg: disconnecting ${stale.length} block(s) down to fork point ${fork}`);
    let firstError: unknown;
    for (const s of stale) {
      c.best = { blockHash: s.header.prevBlockHash, height: s.height - 1 };
      c.headers.delete(s.height);
      firstError ??= this.notifyDisconnected(c, s.header, s.height);
    }
    if (forkHeader) firstError ??= this.notifyBestBlock(c, forkHeader, fork);
    if (firstError !== undefined) throw firstError;

    // 3. Connect the new branch, then the blocks above it, each checked to extend our tip.
    let connected = 0;
    newBranch.reverse();
    // Blocks are fetched up to `fetchAhead` at a time but delivered strictly in order; a failed or
    // stale fetch ahead of the failure point is simply dropped.
    const ahead = new Map<number, Promise<Block>>();
    const startFetch = (height: number): void => {
      if (ahead.has(height)) return;
      const branchHeader = newBranch[height - fork - 1];
      const p = (async () => {
        const hash = branchHeader ? branchHeader.hash : height === tip.height ? tip.blockHash : await this.source.getBlockHash(height);
        return this.fetchBlock(hash);
      })();
      p.catch(() => undefined); // observed when consumed; ones never consumed must not be unhandled
      ahead.set(height, p);
    };
    for (let height = fork + 1; height <= tip.height; height++) {
      if (budget.left <= 0) return { connected, disconnected: stale.length, done: false };
      const last = Math.min(tip.height, height + Math.min(this.fetchAhead, budget.left) - 1);
      for (let k = height; k <= last; k++) startFetch(k);
      const block = await ahead.get(height)!;
      ahead.delete(height);
      if (!equalBytes(block.header.prevBlockHash, c.best.blockHash)) {
        this.log.info(`block ${height} does not extend our tip: the source's chain changed during the poll`);
        return { connected, disconnected: stale.length, done: false };
      }
      const parsed = hasConfirm ? parseBlockTxs(block) : undefined;
      c.best = { blockHash: block.header.hash, height };
      c.headers.set(height, block.header);
      c.headers.delete(height - this.headerCacheSize);
      connected++;
      budget.left--;
      const err = this.notifyConnected(c, block, height, parsed);
      if (err !== undefined) throw err;
    }
    return { connected, disconnected: stale.length, done: true };
  }

  private notifyDisconnected(c: Cursor, header: BlockHeader, height: number): unknown {
    let firstError: unknown;
    for (const e of c.entries) {
      try {
        if (e.kind === 'listen') {
          e.listener.blockDisconnected(header, height);
        } else {
          for (const r of e.listener.getRelevantTxids()) {
            const inBlock = r.blockHash ? equalBytes(r.blockHash, header.hash) : r.height >= height;
            if (inBlock) e.listener.transactionUnconfirmed(r.txid);
          }
        }
      } catch (err) {
        firstError ??= err;
      }
    }
    return firstError;
  }

  private notifyBestBlock(c: Cursor, header: BlockHeader, height: number): unknown {
    let firstError: unknown;
    for (const e of c.entries) {
      if (e.kind !== 'confirm') continue;
      try {
        e.listener.bestBlockUpdated(header, height);
      } catch (err) {
        firstError ??= err;
      }
    }
    return firstError;
  }

  /** Delivers a connected block to every listener of the cursor; returns the first listener exception. */
  private notifyConnected(c: Cursor, block: Block, height: number, parsed: readonly ParsedBlockTx[] = []): unknown {
    let firstError: unknown;
    for (const e of c.entries) {
      try {
        if (e.kind === 'listen') {
          e.listener.blockConnected(block, height);
          continue;
        }
        const delivered = new Set<number>();
        for (;;) {
          const version = this.filter.version;
          const relevant: TransactionData[] = [];
          for (const t of parsed) if (!delivered.has(t.index) && this.filter.matches(t)) relevant.push({ index: t.index, tx: t.raw });
          if (!relevant.length) break;
          for (const r of relevant) delivered.add(r.index);
          e.listener.transactionsConfirmed(block.header, relevant, height);
          if (this.filter.version === version) break;
        }
        e.listener.bestBlockUpdated(block.header, height);
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError === undefined) this.log.debug(`block ${height} ${blockHashToHex(block.header.hash)} connected`);
    return firstError;
  }
}

/** Parses a block's transactions for filtering; a source's unparsable transaction is `malformed`. */
function parseBlockTxs(block: Block): ParsedBlockTx[] {
  return block.transactions.map((raw, index) => {
    try {
      const tx = parseTx(raw);
      return { index, raw, txid: txidOf(tx), inputs: tx.inputs.map((i) => i.prevout), outputs: tx.outputs };
    } catch (e) {
      throw new ChainSourceError('malformed', `transaction ${index} of block ${blockHashToHex(block.header.hash)}: ${(e as Error).message}`, { cause: e });
    }
  });
}
