/** Listeners that check the chain-interfaces ordering rules as they are called and log every call. */
import * as assert from 'uvu/assert';
import { bytesToHex } from '@ln/crypto';
import { blockHashToHex, txidToHex, type BestBlock, type Block, type BlockHeader, type Confirm, type Listen, type RelevantTxid, type TransactionData, type Txid } from '@ln/chain-interfaces';
import { parseTx } from '@ln/test-kit';

const short = (h: Uint8Array) => blockHashToHex(h as never).slice(0, 12);

/** A `Listen` that keeps its own chain: every connect must extend its tip, every disconnect must be its tip. */
export class FollowingListen implements Listen {
  readonly events: string[] = [];
  /** Block hashes (display hex) by height, from the start block. */
  readonly hashes: string[] = [];
  readonly blocks: Block[] = [];
  /** `history`: where to read the hashes below `start` from (the chain the listener followed). */
  constructor(start: BestBlock, history?: { getHeader(height: number): BlockHeader | undefined }) {
    for (let h = 0; h < start.height && history; h++) this.hashes[h] = blockHashToHex(history.getHeader(h)!.hash);
    this.hashes[start.height] = blockHashToHex(start.blockHash);
  }
  get height(): number {
    return this.hashes.length - 1;
  }
  blockConnected(block: Block, height: number): void {
    assert.is(height, this.hashes.length, `connect at ${height} must follow tip ${this.height}`);
    assert.is(blockHashToHex(block.header.prevBlockHash), this.hashes[height - 1], `block ${height} must extend our tip`);
    this.hashes.push(blockHashToHex(block.header.hash));
    this.blocks[height] = block;
    this.events.push(`+${height}:${short(block.header.hash)}`);
  }
  filteredBlockConnected(): void {
    throw new Error('the poller delivers full blocks');
  }
  blockDisconnected(header: BlockHeader, height: number): void {
    assert.is(height, this.height, `disconnect at ${height} must be our tip ${this.height}`);
    assert.is(blockHashToHex(header.hash), this.hashes[height], 'disconnected header must be our tip');
    this.hashes.pop();
    this.events.push(`-${height}:${short(header.hash)}`);
  }
}

/** A `Confirm` that remembers what confirmed where and logs every call. */
export class RecordingConfirm implements Confirm {
  readonly events: string[] = [];
  readonly relevant = new Map<string, RelevantTxid>();
  /** Called inside transactionsConfirmed (e.g. to register more with a Filter). */
  onConfirmed?: (txs: readonly TransactionData[], height: number) => void;
  transactionsConfirmed(header: BlockHeader, txdata: readonly TransactionData[], height: number): void {
    const ids: string[] = [];
    for (const t of txdata) {
      const txid = parseTx(t.tx).txid;
      this.relevant.set(bytesToHex(txid), { txid, height, blockHash: header.hash });
      ids.push(`${t.index}:${txidToHex(txid).slice(0, 8)}`);
    }
    this.events.push(`conf ${height} ${ids.join(',')}`);
    this.onConfirmed?.(txdata, height);
  }
  transactionUnconfirmed(txid: Txid): void {
    this.relevant.delete(bytesToHex(txid));
    this.events.push(`unconf ${txidToHex(txid).slice(0, 8)}`);
  }
  bestBlockUpdated(header: BlockHeader, height: number): void {
    this.events.push(`best ${height}:${short(header.hash)}`);
  }
  getRelevantTxids(): RelevantTxid[] {
    return [...this.relevant.values()];
  }
}
