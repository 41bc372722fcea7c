/**
 * What the HTTP stand-ins serve: a test-kit MemoryChain plus every block it ever connected
 * (stale ones too, as bitcoind keeps them), so the servers answer by hash and by height like
 * the real APIs.
 */
import { bytesToHex } from '@ln/crypto';
import { blockHashToHex, outPointToString, txidToHex, type Block, type OutPoint, type Txid } from '@ln/chain-interfaces';
import { parseTx, type MemoryChain, type ParsedTx } from '@ln/test-kit';

export class ChainBackend {
  /** Every block ever connected, by display-order hash hex. */
  private readonly all = new Map<string, { block: Block; height: number }>();

  constructor(readonly chain: MemoryChain) {
    for (let h = 0; h <= chain.tipHeight; h++) this.record(chain.getBlock(h)!, h);
    chain.subscribe({ blockConnected: (b, h) => this.record(b, h) });
  }

  private record(block: Block, height: number): void {
    this.all.set(blockHashToHex(block.header.hash), { block, height });
  }

  /** A block known by hash (stale or not) and the height it was connected at. */
  byHash(hashHex: string): { block: Block; height: number; inBestChain: boolean } | undefined {
    const b = this.all.get(hashHex.toLowerCase());
    if (!b) return undefined;
    const best = this.chain.getHeader(b.height);
    return { ...b, inBestChain: !!best && blockHashToHex(best.hash) === hashHex.toLowerCase() };
  }

  /** The best chain's block at a height. */
  atHeight(height: number): Block | undefined {
    return Number.isSafeInteger(height) && height >= 0 ? this.chain.getBlock(height) : undefined;
  }

  /** Where a transaction is confirmed on the best chain. */
  confirmedIn(txid: Txid): { height: number; block: Block } | undefined {
    const conf = this.chain.confirmations(txid);
    if (conf === 0) return undefined;
    const height = this.chain.tipHeight - conf + 1;
    return { height, block: this.chain.getBlock(height)! };
  }

  /** The best-chain or mempool transaction spending an outpoint, with its input index. */
  spenderOf(outpoint: OutPoint): { tx: ParsedTx; vin: number; height?: number } | undefined {
    const key = outPointToString(outpoint);
    for (let h = this.chain.tipHeight; h >= 0; h--) {
      for (const raw of this.chain.getBlock(h)!.transactions) {
        const tx = parseTx(raw);
        const vin = tx.inputs.findIndex((i) => outPointToString(i) === key);
        if (vin >= 0) return { tx, vin, height: h };
      }
    }
    for (const txid of this.chain.mempoolTxids()) {
      const tx = parseTx(this.chain.getTransaction(txid)!);
      const vin = tx.inputs.findIndex((i) => outPointToString(i) === key);
      if (vin >= 0) return { tx, vin };
    }
    return undefined;
  }
}

export const hex = bytesToHex;
export { txidToHex, blockHashToHex };
