/**
 * Chain data the user feeds in: block and transaction notifications ({@link Listen} for
 * full blocks, {@link Confirm} for Electrum/Esplora-style clients), what to watch
 * ({@link Filter}) and UTXO lookups for gossip validation ({@link UtxoLookup}).
 * Together they are the seed's `ChainWatchInterface`.
 *
 * @packageDocumentation
 */
import type { BestBlock, Block, BlockHash, BlockHeader, OutPoint, TransactionData, Txid, TxOut } from './primitives.js';

/**
 * Receives full blocks, in chain order. For clients that see whole blocks (bitcoind).
 *
 * Caller's obligations:
 * - Call {@link Listen.blockConnected} for every block, in height order, with no gaps,
 *   starting from the block after the one the listener was last synced to.
 * - On a reorg, first call {@link Listen.blockDisconnected} for each stale block, tip
 *   first, down to the fork point; then connect the new chain's blocks in order.
 * - Calls never overlap: wait for one to return before making the next.
 */
export interface Listen {
  /** A block was connected at `height` on top of the previous tip. */
  blockConnected(block: Block, height: number): void;
  /**
   * Like {@link Listen.blockConnected}, but only the transactions that matter to the listener
   * (those matching what it registered with {@link Filter}) are given.
   */
  filteredBlockConnected(header: BlockHeader, txdata: readonly TransactionData[], height: number): void;
  /** The tip block at `height` was disconnected (reorg); the new tip is `height - 1`. */
  blockDisconnected(header: BlockHeader, height: number): void;
}

/** A transaction the listener saw confirmed: its txid, the block height and hash. */
export interface RelevantTxid {
  readonly txid: Txid;
  readonly height: number;
  readonly blockHash?: BlockHash;
}

/**
 * Receives confirmations of individual transactions, for clients that do not see every
 * block (Electrum, Esplora): they ask {@link Confirm.getRelevantTxids} what to re-check.
 *
 * Caller's obligations:
 * - {@link Confirm.transactionsConfirmed} for every transaction that spends a watched output
 *   or matches a watched txid ({@link Filter}), in chain order; transactions of one block in
 *   one call, in block order.
 * - {@link Confirm.transactionUnconfirmed} for each txid from {@link Confirm.getRelevantTxids}
 *   whose block was reorganised out, before confirming anything on the new chain.
 * - {@link Confirm.bestBlockUpdated} whenever the tip changes, after the confirmations of that
 *   block were delivered.
 */
export interface Confirm {
  transactionsConfirmed(header: BlockHeader, txdata: readonly TransactionData[], height: number): void;
  transactionUnconfirmed(txid: Txid): void;
  bestBlockUpdated(header: BlockHeader, height: number): void;
  /** Txids whose confirmation the caller must keep checking for reorgs. */
  getRelevantTxids(): RelevantTxid[];
}

/** An output to watch: when a transaction spends it, the watcher must see that transaction. */
export interface WatchedOutput {
  /** The block the output was created in, when known (lets light clients narrow the search). */
  readonly blockHash?: BlockHash;
  readonly outpoint: OutPoint;
  readonly scriptPubkey: Uint8Array;
}

/**
 * Registers what a component must see on chain. A light client uses it to decide which
 * transactions to fetch; a full-block client may ignore it and deliver whole blocks.
 *
 * Caller's obligations:
 * - After `registerTx`/`registerOutput`, every later block's transactions that match must be
 *   delivered through {@link Listen.filteredBlockConnected} or {@link Confirm.transactionsConfirmed}
 *   — including matches in the block currently being processed, if registration happened
 *   during it (re-scan that block).
 * - Registrations are never withdrawn by the library; duplicates must be harmless.
 */
export interface Filter {
  /** Watch for a transaction with this txid (or paying to `scriptPubkey`). */
  registerTx(txid: Txid, scriptPubkey: Uint8Array): void;
  /** Watch for any transaction that spends `output.outpoint`. */
  registerOutput(output: WatchedOutput): void;
}

/** Why a UTXO lookup found nothing. */
export type UtxoLookupError =
  /** The lookup source does not know this chain. */
  | 'UnknownChain'
  /** No such transaction/output, or it is already spent. */
  | 'UnknownTx';

/** Result of a UTXO lookup: the output, or why there is none. */
export type UtxoResult =
  | {
      readonly ok: true;
      readonly output: TxOut;
      /**
       * The output's outpoint, when the source knows it. Optional; with it, gossip can register
       * the funding output with a {@link Filter} and forget the channel once it is spent.
       */
      readonly outpoint?: OutPoint;
    }
  | { readonly ok: false; readonly error: UtxoLookupError };

/**
 * Looks up the funding output of a channel announced in gossip (BOLT 7 requires checking
 * that it exists, is unspent and pays to the announced 2-of-2).
 *
 * Caller's obligations: return the unspent output at `(block, tx, output)` of the short
 * channel id, synchronously or as a promise; a promise lets gossip validation continue
 * with other messages while the lookup runs. Never throw: report `UnknownTx`.
 */
export interface UtxoLookup {
  getUtxo(chainHash: Uint8Array, shortChannelId: bigint): UtxoResult | Promise<UtxoResult>;
}

/** What a component reports when asked where it is synced to. */
export type { BestBlock };
