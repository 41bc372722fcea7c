/**
 * Where a `LightningNode` gets its chain from: blocks in order (`Listen`, with reorgs as
 * disconnects), a broadcaster, fee estimates and UTXO lookups for gossip (BOLT 7 funding
 * checks). {@link memoryChainSource} adapts the test kit's `MemoryChain` (the embedded default
 * of the demo and tests; several nodes may share one chain in one process).
 */
import { bytesToHex, equalBytes } from '@ln/crypto';
import type { BestBlock, Block, BlockHeader, BroadcasterInterface, FeeEstimator, Filter, Listen, UtxoLookup, UtxoResult } from '@ln/chain-interfaces';
import type { MemoryChain } from '@ln/test-kit';
import { FixedFeeEstimator } from '@ln/test-kit';
import { parseTx, txidOf } from '@ln/transactions';

/** A chain the node follows. */
export interface NodeChainSource {
  /** BOLT 1 `chain_hash` (the genesis block hash, internal order). */
  readonly chainHash: Uint8Array;
  readonly broadcaster: BroadcasterInterface;
  readonly feeEstimator: FeeEstimator;
  /** Funding-output lookups for `channel_announcement`s (without one, gossip is accepted on signatures alone). */
  readonly utxoLookup?: UtxoLookup;
  readonly filter?: Filter;
  /** The current tip. */
  bestBlock(): BestBlock;
  /**
   * Brings `listener` from `syncedTo` to the tip (connecting the blocks it missed; a listener
   * synced to a block no longer in the best chain is an error the source reports), then
   * delivers every later block, and disconnects on reorgs, in order.
   */
  subscribe(listener: Listen, syncedTo: BestBlock): void | Promise<void>;
  unsubscribe(listener: Listen): void;
  /** The time in seconds the node should use (chain time for an in-memory chain); default the system clock. */
  now?(): number;
  /** Starts polling, when the source polls. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/**
 * The test kit's `MemoryChain` as a node's chain. Blocks are delivered synchronously when the
 * chain mines; `fees` defaults to a fixed 1,000 sat/kw.
 */
export function memoryChainSource(chain: MemoryChain, fees: FeeEstimator = new FixedFeeEstimator(1000)): NodeChainSource {
  // Only the `Listen` side of each listener is subscribed: a component that is also a `Confirm`
  // (ChannelManager, ChainMonitor) must not hear of a block twice.
  const wrappers = new Map<Listen, Listen>();
  // Every header this source has seen (stale ones too), so a listener synced to a block a reorg
  // removed can be disconnected back to the fork, as the polling sources do.
  const seen = new Map<string, { header: BlockHeader; height: number }>();
  const key = (hash: Uint8Array) => bytesToHex(hash);
  for (let h = 0; h <= chain.tipHeight; h++) seen.set(key(chain.getHeader(h)!.hash), { header: chain.getHeader(h)!, height: h });
  chain.subscribe({ blockConnected: (b: Block, h: number) => void seen.set(key(b.header.hash), { header: b.header, height: h }) });
  const inBestChain = (height: number, hash: Uint8Array) => {
    const at = chain.getHeader(height);
    return !!at && equalBytes(at.hash, hash);
  };
  return {
    chainHash: chain.chainHash,
    broadcaster: chain.broadcaster,
    feeEstimator: fees,
    // With the funding outpoint (MemoryChain's own lookup leaves it out), so gossip's close
    // watcher can register it and forget the channel once it is spent (BOLT 7).
    utxoLookup: {
      getUtxo: (chainHash: Uint8Array, scid: bigint): UtxoResult => {
        const r = chain.getUtxo(chainHash, scid);
        if (!r.ok || r.outpoint) return r;
        const raw = chain.getBlock(Number(scid >> 40n))?.transactions[Number((scid >> 16n) & 0xffffffn)];
        return raw ? { ...r, outpoint: { txid: txidOf(parseTx(raw)), vout: Number(scid & 0xffffn) } } : r;
      },
    },
    filter: chain.filter,
    bestBlock: () => ({ blockHash: chain.tip.hash, height: chain.tipHeight }),
    now: () => chain.tip.time,
    subscribe: (l, syncedTo) => {
      let at = { hash: syncedTo.blockHash as Uint8Array, height: syncedTo.height };
      // Reorged out: disconnect the listener's stale blocks, tip first, down to the fork.
      while (!inBestChain(at.height, at.hash)) {
        const stale = seen.get(key(at.hash));
        if (!stale) throw new Error(`listener synced to block ${syncedTo.height}, which is not in the chain and was never seen`);
        l.blockDisconnected(stale.header, stale.height);
        at = { hash: stale.header.prevBlockHash, height: stale.height - 1 };
      }
      for (let h = at.height + 1; h <= chain.tipHeight; h++) l.blockConnected(chain.getBlock(h)!, h);
      const w: Listen = {
        blockConnected: (b, h) => l.blockConnected(b, h),
        filteredBlockConnected: (hd, txs, h) => l.filteredBlockConnected(hd, txs, h),
        blockDisconnected: (hd, h) => l.blockDisconnected(hd, h),
      };
      wrappers.set(l, w);
      chain.subscribe(w);
    },
    unsubscribe: (l) => {
      const w = wrappers.get(l);
      if (w) chain.unsubscribe(w);
      wrappers.delete(l);
    },
  };
}
