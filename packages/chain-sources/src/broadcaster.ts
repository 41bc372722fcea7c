/**
 * `ChainBroadcaster`: a {@link BroadcasterInterface} over any {@link TransactionSubmitter}
 * (bitcoind's `sendrawtransaction`, Esplora's `POST /tx`). It never blocks and never throws:
 * transactions are queued and submitted in the background, parents before children.
 *
 * @packageDocumentation
 */
import { bytesToHex } from '@ln/crypto';
import { moduleLogger, NULL_LOGGER, txidToHex, type BroadcasterInterface, type Logger, type ModuleLogger, type RawTransaction, type Txid } from '@ln/chain-interfaces';
import { parseTx, txidOf } from '@ln/transactions';
import type { TransactionSubmitter } from './source.js';

/** The outcome of one submitted transaction. */
export interface BroadcastResult {
  readonly tx: RawTransaction;
  /** The txid, when the source accepted (or already knew) the transaction. */
  readonly txid?: Txid;
  /** Why it was not accepted (a `ChainSourceError` from the source, usually). */
  readonly error?: unknown;
}

/** Options of a {@link ChainBroadcaster}. */
export interface ChainBroadcasterOptions {
  readonly logger?: Logger;
  /** Called once per transaction after its submission settled. Must not throw. */
  readonly onResult?: (result: BroadcastResult) => void;
}

/**
 * Orders a batch so that every transaction comes after the batch members it spends (a stable
 * topological sort; unparsable transactions keep their place and are left to the source to reject).
 */
export function parentsFirst(txs: readonly RawTransaction[]): RawTransaction[] {
  const ids: (string | undefined)[] = [];
  const spends: string[][] = [];
  for (const raw of txs) {
    try {
      const tx = parseTx(raw);
      ids.push(bytesToHex(txidOf(tx)));
      spends.push(tx.inputs.map((i) => bytesToHex(i.prevout.txid)));
    } catch {
      ids.push(undefined);
      spends.push([]);
    }
  }
  const index = new Map<string, number>();
  ids.forEach((id, i) => id !== undefined && !index.has(id) && index.set(id, i));
  const out: RawTransaction[] = [];
  const state = new Uint8Array(txs.length); // 0 new, 1 visiting, 2 done
  const visit = (i: number): void => {
    if (state[i] !== 0) return;
    state[i] = 1;
    for (const p of spends[i]!) {
      const j = index.get(p);
      if (j !== undefined && j !== i) visit(j);
    }
    state[i] = 2;
    out.push(txs[i]!);
  };
  for (let i = 0; i < txs.length; i++) visit(i);
  return out;
}

/** A background-submitting broadcaster. */
export class ChainBroadcaster implements BroadcasterInterface {
  private queue: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private readonly log: ModuleLogger;

  constructor(private readonly submitter: TransactionSubmitter, private readonly opts: ChainBroadcasterOptions = {}) {
    this.log = moduleLogger(opts.logger ?? NULL_LOGGER, 'chain-sources');
  }

  /** `BroadcasterInterface`: queues the batch (parents first) and returns at once. */
  broadcastTransactions(txs: readonly RawTransaction[]): void {
    const ordered = parentsFirst(txs);
    this.inFlight += ordered.length;
    for (const tx of ordered) this.queue = this.queue.then(() => this.submitOne(tx));
  }

  /** Transactions queued or being submitted. */
  get pending(): number {
    return this.inFlight;
  }

  /** Resolves when everything queued so far has been submitted (or refused). Never rejects. */
  flush(): Promise<void> {
    return this.queue;
  }

  private async submitOne(tx: RawTransaction): Promise<void> {
    let result: BroadcastResult;
    try {
      const txid = await this.submitter.submitTransaction(tx);
      this.log.info(`broadcast ${txidToHex(txid)}`);
      result = { tx, txid };
    } catch (error) {
      this.log.warn(`broadcast refused: ${(error as Error)?.message ?? String(error)}`);
      result = { tx, error };
    }
    this.inFlight--;
    try {
      this.opts.onResult?.(result);
    } catch {
      // onResult must not throw; a throwing callback must not stop the queue.
    }
  }
}
