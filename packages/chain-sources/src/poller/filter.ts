/**
 * `ChainPollerFilter`: the {@link Filter} the poller gives to components so that its `Confirm`
 * listeners are told about the transactions they registered.
 *
 * @packageDocumentation
 */
import { bytesToHex } from '@ln/crypto';
import { outPointToString, type Filter, type OutPoint, type Txid, type TxOut, type WatchedOutput } from '@ln/chain-interfaces';

/** The parts of a transaction the filter looks at. */
export interface FilterableTx {
  readonly txid: Txid;
  readonly inputs: readonly OutPoint[];
  readonly outputs: readonly TxOut[];
}

/**
 * What `Confirm` listeners registered: txids, scripts paid to, outputs spent. A transaction
 * matches when it has a registered txid, spends a registered output, or pays a registered
 * script. Registrations are never withdrawn; duplicates are harmless.
 */
export class ChainPollerFilter implements Filter {
  private readonly txids = new Set<string>();
  private readonly scripts = new Set<string>();
  private readonly outputs = new Set<string>();
  /** Bumped on every new registration (the poller re-scans the block being delivered when it moves). */
  version = 0;

  /** `Filter.registerTx`: watch for this txid, or any transaction paying `scriptPubkey` (empty: txid only). */
  registerTx(txid: Txid, scriptPubkey: Uint8Array): void {
    this.add(this.txids, bytesToHex(txid));
    if (scriptPubkey.length) this.add(this.scripts, bytesToHex(scriptPubkey));
  }

  /** `Filter.registerOutput`: watch for any transaction spending `output.outpoint`. */
  registerOutput(output: WatchedOutput): void {
    this.add(this.outputs, outPointToString(output.outpoint));
  }

  private add(set: Set<string>, key: string): void {
    if (set.has(key)) return;
    set.add(key);
    this.version++;
  }

  /** Whether nothing is registered. */
  get isEmpty(): boolean {
    return this.txids.size === 0 && this.scripts.size === 0 && this.outputs.size === 0;
  }

  /** Whether `tx` matches a registration. */
  matches(tx: FilterableTx): boolean {
    if (this.txids.has(bytesToHex(tx.txid))) return true;
    if (this.outputs.size && tx.inputs.some((i) => this.outputs.has(outPointToString(i)))) return true;
    return this.scripts.size > 0 && tx.outputs.some((o) => this.scripts.has(bytesToHex(o.scriptPubkey)));
  }
}
