/**
 * Keeping the gossip close watcher's state across restarts (BOLT 7 "Pruning the Network View":
 * a channel whose funding output was spent SHOULD be removed after 72 confirmations).
 *
 * `@ln/gossip`'s `ChannelCloseWatcher` learns each channel's funding outpoint when the
 * `channel_announcement` is checked against the chain (`UtxoLookup`) and keeps it in memory.
 * The graph is restored from its snapshot at start, but without those outpoints the watcher
 * would never notice that a restored channel closed. {@link PersistedCloseWatch} records each
 * registration as the watcher gets it, and is written with the graph snapshot (so the two
 * describe the same channels). At start the registrations of channels still in the graph are
 * handed back to the watcher (which also registers them with the chain `Filter` again), and the
 * watcher is fed from a *replay point*: the block {@link CLOSE_DELAY_BLOCKS} before the
 * newest one it had seen when the snapshot was written. Replaying those blocks finds again the
 * spends it was counting down (the watcher keeps them in memory too) and the ones made while
 * the node was down.
 *
 * Stored under `gossip_close_watch`: `LNWATCH1`, the replay point (u32 height, 32-byte hash;
 * height 0xffffffff = none), a u32 count, then per channel: u64 scid, 32-byte funding txid
 * (internal order), u32 vout, u16 script length, the funding script.
 */
import type { BestBlock, Block, BlockHeader, Listen, OutPoint, TransactionData, Txid } from '@ln/chain-interfaces';
import { CLOSE_DELAY_BLOCKS, type ChannelCloseWatcher, type NetworkGraph } from '@ln/gossip';
import { NodeError } from './errors.js';

const MAGIC = new TextEncoder().encode('LNWATCH1');
const NO_HEIGHT = 0xffffffff;

interface Registration {
  readonly txid: Uint8Array;
  readonly vout: number;
  readonly script: Uint8Array;
}

/** The close watcher's registrations and recent blocks, persisted (see the module comment). */
export class PersistedCloseWatch {
  private readonly entries = new Map<bigint, Registration>();
  /** Hashes of the blocks the watcher saw lately, by height (enough to name a replay point). */
  private readonly recent = new Map<number, Uint8Array>();
  private replayFrom: BestBlock | undefined;
  /** Registrations changed since the last {@link serialize}. */
  dirty = false;

  /** Records every registration `watcher` gets from now on (it wraps the watcher's `watch`). */
  attach(watcher: ChannelCloseWatcher): void {
    const watch = watcher.watch.bind(watcher);
    watcher.watch = (scid: bigint, outpoint: OutPoint, scriptPubkey: Uint8Array) => {
      watch(scid, outpoint, scriptPubkey);
      this.entries.set(scid, { txid: Uint8Array.from(outpoint.txid), vout: outpoint.vout, script: Uint8Array.from(scriptPubkey) });
      this.dirty = true;
    };
  }

  /** Hands the stored registrations of channels still in `graph` to `watcher`; returns how many. */
  restore(watcher: ChannelCloseWatcher, graph: NetworkGraph): number {
    let n = 0;
    for (const [scid, r] of [...this.entries]) {
      if (!graph.channel(scid)) {
        this.entries.delete(scid);
        this.dirty = true;
        continue;
      }
      watcher.watch(scid, { txid: r.txid as Txid, vout: r.vout }, r.script);
      n++;
    }
    return n;
  }

  /** Where the watcher's blocks should start at the next start (the stored replay point at this one). */
  get replayPoint(): BestBlock | undefined {
    return this.replayFrom;
  }

  /** Registrations held. */
  get size(): number {
    return this.entries.size;
  }

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

  /** The block {@link CLOSE_DELAY_BLOCKS} below the newest seen (or the oldest seen, or the previous replay point). */
  private currentReplayPoint(): BestBlock | undefined {
    if (!this.recent.size) return this.replayFrom;
    const newest = Math.max(...this.recent.keys());
    const want = newest - CLOSE_DELAY_BLOCKS;
    const hash = this.recent.get(want);
    if (hash) return { height: want, blockHash: hash as BestBlock['blockHash'] };
    // Fewer blocks seen since the start: the replay point this start used is further back still.
    if (this.replayFrom && this.replayFrom.height <= want) return this.replayFrom;
    const oldest = Math.min(...this.recent.keys());
    return { height: oldest, blockHash: this.recent.get(oldest)! as BestBlock['blockHash'] };
  }

  serialize(): Uint8Array {
    const rp = this.currentReplayPoint();
    let size = MAGIC.length + 4 + 32 + 4;
    for (const r of this.entries.values()) size += 8 + 32 + 4 + 2 + r.script.length;
    const out = new Uint8Array(size);
    const v = new DataView(out.buffer);
    out.set(MAGIC, 0);
    let o = MAGIC.length;
    v.setUint32(o, rp ? rp.height : NO_HEIGHT);
    if (rp) out.set(rp.blockHash, o + 4);
    o += 36;
    v.setUint32(o, this.entries.size);
    o += 4;
    for (const [scid, r] of this.entries) {
      v.setBigUint64(o, scid);
      out.set(r.txid, o + 8);
      v.setUint32(o + 40, r.vout);
      v.setUint16(o + 44, r.script.length);
      out.set(r.script, o + 46);
      o += 46 + r.script.length;
    }
    this.dirty = false;
    return out;
  }

  /** Reads what {@link serialize} wrote. @throws NodeError on malformed bytes. */
  static deserialize(bytes: Uint8Array): PersistedCloseWatch {
    const bad = (why: string) => new NodeError(`stored gossip close watch: ${why}`, 'bad_state');
    if (bytes.length < MAGIC.length + 40 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad('not an LNWATCH1 record');
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const w = new PersistedCloseWatch();
    let o = MAGIC.length;
    const h = v.getUint32(o);
    if (h !== NO_HEIGHT) w.replayFrom = { height: h, blockHash: bytes.slice(o + 4, o + 36) as BestBlock['blockHash'] };
    o += 36;
    const count = v.getUint32(o);
    o += 4;
    for (let i = 0; i < count; i++) {
      if (o + 46 > bytes.length) throw bad('truncated');
      const scid = v.getBigUint64(o);
      const len = v.getUint16(o + 44);
      if (o + 46 + len > bytes.length) throw bad('truncated');
      w.entries.set(scid, { txid: bytes.slice(o + 8, o + 40), vout: v.getUint32(o + 40), script: bytes.slice(o + 46, o + 46 + len) });
      o += 46 + len;
    }
    if (o !== bytes.length) throw bad('trailing bytes');
    return w;
  }
}
