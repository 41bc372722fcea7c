/**
 * Keeping the gossip close watcher's countdowns across restarts (BOLT 7 "Pruning the Network
 * View": a channel whose funding output was spent SHOULD be removed after 72 confirmations).
 *
 * `@ln/gossip` keeps each channel's funding outpoint in the graph and its snapshot, and its
 * `ChannelCloseWatcher` registers them again when built on a restored graph. What it keeps in
 * memory only is the spends it is counting down. So the node does not start the watcher at the
 * chain tip but at a *replay point*: the block {@link CLOSE_DELAY_BLOCKS} before the newest one
 * the watcher had seen when the graph snapshot was written. Replaying those blocks finds again
 * the spends it was counting down, and the ones made while the node was down.
 * {@link ReplayPoint} notes the hashes of recent blocks as they reach the watcher and is written
 * with the graph snapshot.
 *
 * Stored under `gossip_close_watch`: `LNWATCH2`, u32 height, 32-byte block hash (internal order).
 */
import type { BestBlock, Block, BlockHeader, Listen, TransactionData } from '@ln/chain-interfaces';
import { CLOSE_DELAY_BLOCKS, type ChannelCloseWatcher } from '@ln/gossip';
import { NodeError } from './errors.js';

const MAGIC = new TextEncoder().encode('LNWATCH2');

/** Where the close watcher's blocks start at the next start (see the module comment). */
export class ReplayPoint {
  /** Hashes of the blocks the watcher saw lately, by height. */
  private readonly recent = new Map<number, Uint8Array>();

  /** `stored`: the replay point read at this start (the watcher is fed from it). */
  constructor(readonly stored?: BestBlock) {}

  /** A `Listen` that notes each block's hash, then hands the block to `watcher`. */
  listener(watcher: ChannelCloseWatcher): Listen {
    const note = (hd: BlockHeader, h: number) => {
      this.recent.set(h, hd.hash);
      this.recent.delete(h - CLOSE_DELAY_BLOCKS - 8);
    };
    return {
      blockConnected: (b: Block, h: number) => {
        note(b.header, h);
        watcher.blockConnected(b, h);
      },
      filteredBlockConnected: (hd: BlockHeader, txs: readonly TransactionData[], h: number) => {
        note(hd, h);
        watcher.filteredBlockConnected(hd, txs, h);
      },
      blockDisconnected: (hd: BlockHeader, h: number) => {
        for (const k of [...this.recent.keys()]) if (k >= h) this.recent.delete(k);
        watcher.blockDisconnected(hd, h);
      },
    };
  }

  /** The block {@link CLOSE_DELAY_BLOCKS} below the newest seen; with fewer seen since the start, the stored point (further back) or the oldest seen. */
  current(): BestBlock | undefined {
    if (!this.recent.size) return this.stored;
    const want = Math.max(...this.recent.keys()) - CLOSE_DELAY_BLOCKS;
    const hash = this.recent.get(want);
    if (hash) return { height: want, blockHash: hash as BestBlock['blockHash'] };
    if (this.stored && this.stored.height <= want) return this.stored;
    const oldest = Math.min(...this.recent.keys());
    return { height: oldest, blockHash: this.recent.get(oldest)! as BestBlock['blockHash'] };
  }

  /** The record of {@link current} (`undefined`: nothing seen yet, nothing to write). */
  serialize(): Uint8Array | undefined {
    const p = this.current();
    if (!p) return undefined;
    const out = new Uint8Array(MAGIC.length + 36);
    out.set(MAGIC, 0);
    new DataView(out.buffer).setUint32(MAGIC.length, p.height);
    out.set(p.blockHash, MAGIC.length + 4);
    return out;
  }

  /** Reads what {@link serialize} wrote. @throws NodeError on malformed bytes. */
  static deserialize(bytes: Uint8Array): ReplayPoint {
    if (bytes.length !== MAGIC.length + 36 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NodeError('stored gossip close watch: not an LNWATCH2 record', 'bad_state');
    const height = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length);
    return new ReplayPoint({ height, blockHash: bytes.slice(MAGIC.length + 4) as BestBlock['blockHash'] });
  }
}
