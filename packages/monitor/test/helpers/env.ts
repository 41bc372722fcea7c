/** Test environment: a `MemoryChain`, a channel pair, and a `ChainMonitor` per side. */
import type { ChannelMonitorUpdate, ChannelMonitorUpdateStatus, MonitorEvent } from '@ln/chain-interfaces';
import { bytesToHex, equalBytes, type Secp256k1 } from '@ln/crypto';
import { loadBestSecp256k1 } from '@ln/crypto/node';
import { parseTx, txidOf } from '@ln/transactions';
import { MemoryChain, ScriptedFeeEstimator, type ChainListener } from '@ln/test-kit';
import { ChainMonitor, type ChannelMonitor, type MonitorUserEvent, type Persist } from '../../src/index.js';
import { ChannelPair, type PairOptions, type SideName } from './channel-pair.js';
import { ValidatingBroadcaster } from './script.js';

let secpCache: Secp256k1 | undefined;
/** The fastest secp256k1 backend (native in CI). */
export function secp(): Secp256k1 {
  return (secpCache ??= loadBestSecp256k1().backend);
}

/** A persister that completes at once and keeps the latest bytes of each monitor. */
export class SyncPersist implements Persist {
  readonly stored = new Map<string, Uint8Array>();
  writes = 0;
  next: ChannelMonitorUpdateStatus = 'Completed';
  persistNewChannel(name: string, m: ChannelMonitor): ChannelMonitorUpdateStatus {
    return this.write(name, m);
  }
  updatePersistedChannel(name: string, _u: ChannelMonitorUpdate | undefined, m: ChannelMonitor): ChannelMonitorUpdateStatus {
    return this.write(name, m);
  }
  private write(name: string, m: ChannelMonitor): ChannelMonitorUpdateStatus {
    if (this.next === 'Completed') {
      this.stored.set(name, m.serialize());
      this.writes++;
    }
    return this.next;
  }
}

/** How a monitor is fed: whole blocks (`Listen`) or per-transaction confirmations (`Confirm`). */
export type FeedMode = 'listen' | 'confirm';

/** Subscribes `m` to `chain` through one of its two interfaces (never both). */
export function feed(chain: MemoryChain, m: ChainMonitor, mode: FeedMode): ChainListener {
  const l: ChainListener =
    mode === 'listen'
      ? { blockConnected: (b, h) => m.blockConnected(b, h), blockDisconnected: (hd, h) => m.blockDisconnected(hd, h) }
      : {
          transactionsConfirmed: (hd, t, h) => m.transactionsConfirmed(hd, t, h),
          transactionUnconfirmed: (t) => m.transactionUnconfirmed(t),
          bestBlockUpdated: (hd, h) => m.bestBlockUpdated(hd, h),
          getRelevantTxids: () => m.getRelevantTxids(),
        };
  chain.subscribe(l);
  return l;
}

export interface EnvOptions extends PairOptions {
  readonly pushMsat?: bigint;
  /** Fixed feerate of the monitors' fee estimator (sat/kw). */
  readonly claimFeerate?: number;
  /** `MaximumFeeEstimate` of the monitors' fee estimator (default 50,000 sat/kw). */
  readonly maxFeerate?: number;
  readonly mode?: FeedMode;
  /** Start the chain at this height (blocks mined before funding). */
  readonly startHeight?: number;
}

/** One side's monitor with its broadcaster and collected events. */
export interface SideEnv {
  readonly name: SideName;
  readonly monitor: ChainMonitor;
  readonly broadcaster: ValidatingBroadcaster;
  readonly persister: Persist;
  listener: ChainListener;
  readonly monitorEvents: MonitorEvent[];
  readonly userEvents: MonitorUserEvent[];
  /** Applies updates, asserting each is `Completed`. */
  apply(updates: readonly ChannelMonitorUpdate[]): void;
  /** Drains both event queues into the arrays above. */
  drain(): void;
}

export class Env {
  readonly secp = secp();
  readonly chain = new MemoryChain();
  /** Every target at `claimFeerate` but `MaximumFeeEstimate` (the claims' fee cap), 50,000 sat/kw as a real estimator's 10× a high-priority rate. */
  readonly fees: ScriptedFeeEstimator;
  readonly pair: ChannelPair;
  readonly A: SideEnv;
  readonly B: SideEnv;

  constructor(readonly opts: EnvOptions = {}, persisters: { A?: Persist; B?: Persist } = {}) {
    if (opts.startHeight) this.chain.mine(opts.startHeight);
    this.fees = new ScriptedFeeEstimator({ MaximumFeeEstimate: opts.maxFeerate ?? 50_000 }, opts.claimFeerate ?? 1000);
    this.pair = new ChannelPair(this.secp, opts);
    this.pair.fund(this.chain, opts.pushMsat ?? 400_000_000n);
    this.A = this.makeSide('A', persisters.A ?? new SyncPersist());
    this.B = this.makeSide('B', persisters.B ?? new SyncPersist());
  }

  makeSide(name: SideName, persister: Persist, existing?: ChainMonitor, broadcaster = new ValidatingBroadcaster(this.chain, this.secp)): SideEnv {
    const km = this.pair.side(name).km;
    const monitor = existing ?? new ChainMonitor({ secp: this.secp, signerProvider: km, broadcaster, feeEstimator: this.fees, persister, filter: this.chain.filter });
    const side: SideEnv = {
      name, monitor, broadcaster, persister, listener: feed(this.chain, monitor, this.opts.mode ?? 'listen'), monitorEvents: [], userEvents: [],
      apply(updates) {
        for (const u of updates) {
          const s = monitor.updateChannel(u);
          if (s !== 'Completed') throw new Error(`update ${u.updateId} of ${name}: ${s}`);
        }
      },
      drain() {
        side.monitorEvents.push(...monitor.releasePendingMonitorEvents());
        side.userEvents.push(...monitor.getAndClearPendingEvents());
      },
    };
    if (!existing) {
      const s = monitor.watchChannel(this.pair.initFor(name, { blockHash: this.chain.tip.hash, height: this.chain.tipHeight }));
      if (s !== 'Completed' && s !== 'InProgress') throw new Error(`watchChannel ${name}: ${s}`);
    }
    return side;
  }

  /** Applies `advance`'s updates to both monitors. */
  advance(updates: { A: ChannelMonitorUpdate[]; B: ChannelMonitorUpdate[] }): void {
    this.A.apply(updates.A);
    this.B.apply(updates.B);
  }

  /** Mines `n` blocks, draining events of both sides after each. */
  mine(n = 1): void {
    for (let i = 0; i < n; i++) {
      this.chain.mine(1);
      this.A.drain();
      this.B.drain();
    }
  }

  /** Mines blocks until `pred` holds (at most `max`). */
  mineUntil(pred: () => boolean, max = 400): number {
    for (let i = 0; i < max; i++) {
      if (pred()) return i;
      this.mine(1);
    }
    throw new Error(`condition not reached in ${max} blocks`);
  }

  /** Asserts no side broadcast a transaction with an invalid script. */
  assertNoInvalid(): void {
    for (const s of [this.A, this.B]) if (s.broadcaster.invalid.length) throw new Error(`${s.name} broadcast invalid transactions: ${JSON.stringify(s.broadcaster.invalid)}`);
  }

  /** Unspent outputs on chain paying `script` (searching every block). */
  unspentTo(script: Uint8Array): { valueSat: bigint; txid: string; vout: number }[] {
    const out: { valueSat: bigint; txid: string; vout: number }[] = [];
    for (let h = 0; h <= this.chain.tipHeight; h++) {
      for (const raw of this.chain.getBlock(h)!.transactions) {
        const tx = parseTx(raw);
        const txid = txidOf(tx);
        tx.outputs.forEach((o, vout) => {
          if (equalBytes(o.scriptPubkey, script) && this.chain.isUnspent({ txid, vout })) out.push({ valueSat: o.valueSat, txid: bytesToHex(txid), vout });
        });
      }
    }
    return out;
  }

  /** Sum of the unspent outputs paying `script`. */
  balanceOf(script: Uint8Array): bigint {
    return this.unspentTo(script).reduce((a, o) => a + o.valueSat, 0n);
  }

  destination(name: SideName): Uint8Array {
    const s = this.pair.side(name);
    return s.km.getDestinationScript(s.keysId);
  }
}
