/**
 * Forgetting closed channels (BOLT 7 "Pruning the Network View": "if the funding output of a
 * channel is spent and received 72 block confirmations: SHOULD be removed from the local
 * network view"). Funding outputs are registered with the user's `Filter`; the user feeds
 * blocks (`Listen`) or confirmed transactions (`Confirm`); reorgs undo a spend.
 */
import type { BlockHeader, Confirm, Filter, Listen, OutPoint, RelevantTxid, TransactionData, Txid, Block } from '@ln/chain-interfaces';
import { toHex } from './bytes.js';
import type { NetworkGraph } from './network-graph.js';
import { parseTxInputs, TxParseError } from './tx-inputs.js';

/** Blocks to wait after a funding spend before forgetting the channel (BOLT 7). */
export const CLOSE_DELAY_BLOCKS = 72;

interface Spend {
  readonly scid: bigint;
  readonly height: number;
  readonly txid: Uint8Array;
}

/**
 * Watches funding outputs of announced channels and removes a channel from the graph
 * {@link CLOSE_DELAY_BLOCKS} blocks after its funding output was spent. Implements `Listen`
 * and `Confirm`; feed it with whichever matches the chain source.
 */
export class ChannelCloseWatcher implements Listen, Confirm {
  private readonly byOutpoint = new Map<string, bigint>();
  private readonly spends = new Map<bigint, Spend>();
  private bestHeight = 0;

  /**
   * Watches every funding outpoint the graph already holds (e.g. loaded from a snapshot:
   * registered with the `Filter` again), and forgets a channel's watch when the graph removes
   * it (closed, pruned).
   */
  constructor(
    private readonly graph: NetworkGraph,
    private readonly filter?: Filter,
  ) {
    graph.onChannelRemoved((scid, outpoint) => {
      if (outpoint) {
        const k = key(outpoint.txid, outpoint.vout);
        if (this.byOutpoint.get(k) === scid) this.byOutpoint.delete(k);
      }
      this.spends.delete(scid);
    });
    const c = graph.cols;
    for (let r = 0; r < c.chanCount; r++) {
      const f = graph.fundingAt(r);
      if (f) this.watchOutput(graph.scidAt(r), f.outpoint, f.scriptPubkey);
    }
  }

  /** Watches the funding output of `scid` (called by `P2PGossipSync` when the UTXO lookup gave an outpoint); the graph keeps it for snapshots. */
  watch(scid: bigint, outpoint: OutPoint, scriptPubkey: Uint8Array): void {
    this.graph.setFunding(scid, outpoint, scriptPubkey);
    this.watchOutput(scid, outpoint, scriptPubkey);
  }

  private watchOutput(scid: bigint, outpoint: OutPoint, scriptPubkey: Uint8Array): void {
    this.byOutpoint.set(key(outpoint.txid, outpoint.vout), scid);
    this.filter?.registerOutput({ outpoint, scriptPubkey });
  }

  /** Whether the channel's funding output was seen spent (its `channel_update`s are then only accepted with `disable` set). */
  isSpent(scid: bigint): boolean {
    return this.spends.has(scid);
  }

  /** Funding outputs being watched. */
  get watchedCount(): number {
    return this.byOutpoint.size;
  }

  blockConnected(block: Block, height: number): void {
    this.filteredBlockConnected(block.header, block.transactions.map((tx, index) => ({ index, tx })), height);
  }

  filteredBlockConnected(header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    this.transactionsConfirmed(header, txdata, height);
    this.bestBlockUpdated(header, height);
  }

  blockDisconnected(_header: BlockHeader, height: number): void {
    for (const [scid, s] of this.spends) if (s.height >= height) this.spends.delete(scid);
    this.bestHeight = height - 1;
  }

  transactionsConfirmed(_header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    for (const { tx } of txdata) {
      let parsed;
      try {
        parsed = parseTxInputs(tx);
      } catch (e) {
        if (e instanceof TxParseError) continue;
        throw e;
      }
      for (const input of parsed.inputs) {
        const scid = this.byOutpoint.get(key(input.txid, input.vout));
        if (scid !== undefined && !this.spends.has(scid)) this.spends.set(scid, { scid, height, txid: parsed.txid });
      }
    }
  }

  transactionUnconfirmed(txid: Txid): void {
    const k = toHex(txid);
    for (const [scid, s] of this.spends) if (toHex(s.txid) === k) this.spends.delete(scid);
  }

  bestBlockUpdated(_header: BlockHeader, height: number): void {
    this.bestHeight = height;
    for (const [scid, s] of this.spends) {
      if (height >= s.height + CLOSE_DELAY_BLOCKS - 1) {
        this.spends.delete(scid);
        // The graph's removal listener drops the watch.
        if (!this.graph.removeChannel(scid)) for (const [k, v] of this.byOutpoint) if (v === scid) this.byOutpoint.delete(k);
      }
    }
  }

  getRelevantTxids(): RelevantTxid[] {
    return [...this.spends.values()].map((s) => ({ txid: s.txid as Txid, height: s.height }));
  }

  /** The last height seen. */
  get height(): number {
    return this.bestHeight;
  }
}

function key(txid: Uint8Array, vout: number): string {
  return `${toHex(txid)}:${vout}`;
}
