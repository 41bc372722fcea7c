/**
 * `ChainUtxoLookup`: a {@link UtxoLookup} over any {@link UtxoSource}, for BOLT 7's check that
 * an announced channel's funding output exists and is unspent: the short channel id gives the
 * block height, the transaction's index in that block and the output index (BOLT 7
 * "Definition of short_channel_id").
 *
 * @packageDocumentation
 */
import { bytesToHex, equalBytes } from '@ln/crypto';
import { moduleLogger, NULL_LOGGER, type BlockHash, type Logger, type ModuleLogger, type Txid, type TxOut, type UtxoLookup, type UtxoResult } from '@ln/chain-interfaces';
import { parseTx, txidOf } from '@ln/transactions';
import type { UtxoSource } from './source.js';

/** Options of a {@link ChainUtxoLookup}. */
export interface ChainUtxoLookupOptions {
  /** The chain's BOLT 1 `chain_hash` (genesis hash, internal order). Default: asked of the source (block 0). */
  readonly chainHash?: Uint8Array;
  readonly logger?: Logger;
  /** How many recently looked-up blocks to keep parsed (channels cluster in blocks). Default 8. */
  readonly blockCacheSize?: number;
}

/** A short channel id split into its parts (BOLT 7: 3 bytes block height, 3 bytes tx index, 2 bytes output index). */
export function splitShortChannelId(scid: bigint): { height: number; txIndex: number; vout: number } {
  return { height: Number((scid >> 40n) & 0xffffffn), txIndex: Number((scid >> 16n) & 0xffffffn), vout: Number(scid & 0xffffn) };
}

interface ParsedBlock {
  readonly txs: readonly { txid: Txid; outputs: readonly TxOut[] }[];
}

/** Looks up funding outputs by short channel id; never throws (errors are `UnknownTx`). */
export class ChainUtxoLookup implements UtxoLookup {
  private genesis?: Promise<Uint8Array>;
  /** Parsed blocks by hash (hex): keyed by hash, not height, so a reorg never serves a stale block. */
  private readonly blocks = new Map<string, Promise<ParsedBlock>>();
  private readonly log: ModuleLogger;
  private readonly cacheSize: number;

  constructor(private readonly source: UtxoSource, opts: ChainUtxoLookupOptions = {}) {
    if (opts.chainHash) this.genesis = Promise.resolve(Uint8Array.from(opts.chainHash));
    this.log = moduleLogger(opts.logger ?? NULL_LOGGER, 'chain-sources');
    this.cacheSize = Math.max(1, opts.blockCacheSize ?? 8);
  }

  private chainHash(): Promise<Uint8Array> {
    this.genesis ??= this.source.getBlockHash(0).then((h) => Uint8Array.from(h));
    this.genesis.catch(() => (this.genesis = undefined));
    return this.genesis;
  }

  private block(hash: BlockHash): Promise<ParsedBlock> {
    const key = bytesToHex(hash);
    let p = this.blocks.get(key);
    if (!p) {
      p = this.source
        .getBlock(hash)
        .then((b) => ({
          txs: b.transactions.map((raw) => {
            const tx = parseTx(raw);
            return { txid: txidOf(tx), outputs: tx.outputs };
          }),
        }));
      this.blocks.set(key, p);
      p.catch(() => this.blocks.delete(key));
      if (this.blocks.size > this.cacheSize) this.blocks.delete(this.blocks.keys().next().value!);
    }
    return p;
  }

  /** `UtxoLookup`: the unspent output at the short channel id's position. */
  async getUtxo(chainHash: Uint8Array, shortChannelId: bigint): Promise<UtxoResult> {
    try {
      if (!equalBytes(chainHash, await this.chainHash())) return { ok: false, error: 'UnknownChain' };
      if (shortChannelId < 0n || shortChannelId >= 1n << 64n) return { ok: false, error: 'UnknownTx' };
      const { height, txIndex, vout } = splitShortChannelId(shortChannelId);
      const tx = (await this.block(await this.source.getBlockHash(height))).txs[txIndex];
      const output = tx?.outputs[vout];
      if (!tx || !output) return { ok: false, error: 'UnknownTx' };
      const outpoint = { txid: tx.txid, vout };
      if (!(await this.source.isOutputUnspent(outpoint))) return { ok: false, error: 'UnknownTx' };
      return { ok: true, output, outpoint };
    } catch (e) {
      this.log.warn(`UTXO lookup of ${shortChannelId} (chain ${bytesToHex(chainHash).slice(0, 16)}…) failed: ${(e as Error)?.message ?? String(e)}`);
      return { ok: false, error: 'UnknownTx' };
    }
  }
}
