/**
 * What the poller and adapters need from a chain backend. {@link BitcoindRpcClient} and
 * {@link EsploraClient} implement all four; anything else that does (another HTTP API, a
 * test double) works with the same {@link ChainPoller}, {@link ChainBroadcaster},
 * {@link ChainFeeEstimator} and {@link ChainUtxoLookup}.
 *
 * @packageDocumentation
 */
import type { BestBlock, Block, BlockHash, BlockHeader, OutPoint, RawTransaction, Txid } from '@ln/chain-interfaces';

/** Blocks and headers of a source's best chain. Every method rejects only with `ChainSourceError`. */
export interface BlockSource {
  /** The source's tip: hash and height, read together. */
  getBestBlock(): Promise<BestBlock>;
  /** The hash of the best chain's block at `height`. */
  getBlockHash(height: number): Promise<BlockHash>;
  /** The header with this hash (checked to hash to it). */
  getHeader(hash: BlockHash): Promise<BlockHeader>;
  /** The full block with this hash (checked against the hash and its merkle root). */
  getBlock(hash: BlockHash): Promise<Block>;
}

/** Submits a transaction to the network. */
export interface TransactionSubmitter {
  /**
   * Submits `tx` and resolves with its txid, also when the source says it already knows the
   * transaction (in its mempool or its chain). Rejects with `ChainSourceError` otherwise.
   */
  submitTransaction(tx: RawTransaction): Promise<Txid>;
}

/** bitcoind's `estimatesmartfee` modes (Esplora has one mode and ignores it). */
export type EstimateMode = 'economical' | 'conservative';

/** One fee estimate to fetch: confirm within `blocks` blocks. */
export interface FeeRateRequest {
  readonly blocks: number;
  readonly mode: EstimateMode;
}

/** Fetches fee estimates. */
export interface FeeRateSource {
  /**
   * For each request, the feerate in sat per 1000 weight units (not floored), or `undefined`
   * when the source has no estimate for it (e.g. regtest, or too little data).
   */
  fetchFeeRates(requests: readonly FeeRateRequest[]): Promise<(number | undefined)[]>;
}

/** What a UTXO lookup by short channel id needs. */
export interface UtxoSource {
  getBlockHash(height: number): Promise<BlockHash>;
  getBlock(hash: BlockHash): Promise<Block>;
  /** Whether the output exists and is not spent by a confirmed transaction. */
  isOutputUnspent(outpoint: OutPoint): Promise<boolean>;
}
