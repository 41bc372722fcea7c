/**
 * Scoring channels for pathfinding: the `Score` interface the router consults (a penalty per
 * hop for an amount) and that payment outcomes update (`PaymentPathFailed` events feed
 * `paymentPathFailed`), and `ProbabilisticScorer`, which keeps, per channel direction, bounds on
 * the liquidity available and turns the success probability of an amount into a penalty.
 */

/** A hop of a path as the scorer sees it: the channel, its direction, the amount sent over it. */
export interface ScoredHop {
  readonly shortChannelId: bigint;
  /** 0 if sent by the channel's `node_id_1` (the lesser node id), 1 otherwise (BOLT 7 direction bit). */
  readonly direction: 0 | 1;
  readonly amountMsat: bigint;
  /** What the channel can carry at most in this direction (min of capacity and htlc_maximum), msat. */
  readonly capacityMsat: bigint;
}

/** What the router asks and what payment outcomes tell. Penalties are in msat, like fees, so they add up. */
export interface Score {
  /** Penalty for sending `amountMsat` over the channel direction (of effective `capacityMsat`). */
  channelPenaltyMsat(shortChannelId: bigint, direction: 0 | 1, amountMsat: number, capacityMsat: number): number;
  /** A payment attempt failed at `failedShortChannelId` (the hops before it forwarded the amount). */
  paymentPathFailed(path: readonly ScoredHop[], failedShortChannelId: bigint, nowSeconds: number): void;
  /** A payment attempt succeeded over every hop of `path`. */
  paymentPathSuccessful(path: readonly ScoredHop[], nowSeconds: number): void;
}

/**
 * A fast path a {@link Score} may offer the router: which channel directions it learned
 * anything about, and the penalty of every other one, which depends on the amount and the
 * capacity only. The router then asks {@link Score.channelPenaltyMsat} (with its 64-bit channel
 * id) only for learned directions and computes the rest without touching channel ids.
 */
export interface LearnedChannels {
  /** Changes whenever the set of learned channel directions does. */
  readonly learnedVersion: number;
  /** Calls `f` for every learned channel direction. */
  forEachLearned(f: (shortChannelId: bigint, direction: 0 | 1) => void): void;
  /** {@link Score.channelPenaltyMsat} for a direction nothing was learned about. */
  unlearnedPenaltyMsat(amountMsat: number, capacityMsat: number): number;
}

/** Whether a scorer offers {@link LearnedChannels}. */
export function hasLearnedChannels(s: Score): s is Score & LearnedChannels {
  const x = s as Partial<LearnedChannels>;
  return typeof x.learnedVersion === 'number' && typeof x.forEachLearned === 'function' && typeof x.unlearnedPenaltyMsat === 'function';
}

/** Parameters of {@link ProbabilisticScorer} (defaults follow LDK's). */
export interface ProbabilisticScorerParams {
  /** Flat penalty per hop, msat (default 500). */
  readonly basePenaltyMsat: number;
  /** Penalty per unit of `-log10(success probability)`, msat (default 30,000). */
  readonly liquidityPenaltyMultiplierMsat: number;
  /** Extra penalty per unit of `-log10(p)` per 2^20 msat sent, msat (default 192). */
  readonly liquidityPenaltyAmountMultiplierMsat: number;
  /** Half-life of what was learned about a channel's liquidity, seconds (default 6 hours). */
  readonly liquidityOffsetHalfLifeSeconds: number;
  /** Penalty for an amount known not to fit (probability 0), msat (default 10^9: avoid unless nothing else). */
  readonly impossiblePenaltyMsat: number;
}

export const DEFAULT_SCORER_PARAMS: ProbabilisticScorerParams = {
  basePenaltyMsat: 500,
  liquidityPenaltyMultiplierMsat: 30_000,
  liquidityPenaltyAmountMultiplierMsat: 192,
  liquidityOffsetHalfLifeSeconds: 6 * 3600,
  impossiblePenaltyMsat: 1e9,
};

interface Bounds {
  /** Known lower bound of the liquidity, as an offset from 0 (msat). */
  minOffset: number;
  /** Known upper bound, as an offset below the capacity (msat): liquidity ≤ capacity - maxOffset. */
  maxOffset: number;
  lastUpdated: number;
}

const key = (scid: bigint, dir: 0 | 1) => scid * 2n + BigInt(dir);

/**
 * The default scorer: per channel direction, liquidity bounds `[min, max]` within its capacity,
 * learned from payment outcomes and decaying back to `[0, capacity]` with a half-life; the
 * success probability of an amount is uniform within the bounds, and the penalty is
 * `base + (multiplier + amount_multiplier × amount / 2^20) × -log10(probability)`.
 */
export class ProbabilisticScorer implements Score, LearnedChannels {
  private readonly bounds = new Map<bigint, Bounds>();
  /** The time (seconds) decay is computed at; advance it with {@link ProbabilisticScorer.timePassed}. */
  private now = 0;
  private lastPrune = 0;
  learnedVersion = 0;

  constructor(readonly params: ProbabilisticScorerParams = DEFAULT_SCORER_PARAMS) {}

  /**
   * Sets the scorer's clock (seconds); penalties use bounds decayed to this time. At most once a
   * half-life, what has decayed to less than 1 msat (both offsets) is forgotten, so the map does
   * not grow with every channel ever seen.
   */
  timePassed(nowSeconds: number): void {
    this.now = nowSeconds;
    if (nowSeconds - this.lastPrune >= this.params.liquidityOffsetHalfLifeSeconds) {
      this.lastPrune = nowSeconds;
      this.prune(nowSeconds);
    }
  }

  /** Forgets the channel directions whose learned offsets decayed below 1 msat by `nowSeconds`. */
  prune(nowSeconds: number): number {
    let n = 0;
    for (const [k, b] of this.bounds) {
      const d = this.decayed(b, nowSeconds);
      if (d.minOffset < 1 && d.maxOffset < 1) {
        this.bounds.delete(k);
        n++;
      }
    }
    if (n) this.learnedVersion++;
    return n;
  }

  /** How many channel directions it holds bounds for. */
  get learnedCount(): number {
    return this.bounds.size;
  }

  forEachLearned(f: (shortChannelId: bigint, direction: 0 | 1) => void): void {
    for (const k of this.bounds.keys()) f(k / 2n, Number(k % 2n) as 0 | 1);
  }

  unlearnedPenaltyMsat(amountMsat: number, capacityMsat: number): number {
    if (amountMsat > capacityMsat) return this.params.impossiblePenaltyMsat;
    return this.penaltyOf((capacityMsat - amountMsat + 1) / (capacityMsat + 1), amountMsat);
  }

  private penaltyOf(p: number, amountMsat: number): number {
    const { basePenaltyMsat, liquidityPenaltyMultiplierMsat, liquidityPenaltyAmountMultiplierMsat, impossiblePenaltyMsat } = this.params;
    if (p === 0) return impossiblePenaltyMsat;
    if (p >= 1) return basePenaltyMsat;
    return basePenaltyMsat + (liquidityPenaltyMultiplierMsat + (liquidityPenaltyAmountMultiplierMsat * amountMsat) / 2 ** 20) * -Math.log10(p);
  }

  private decayed(b: Bounds, at: number): { minOffset: number; maxOffset: number } {
    const f = Math.pow(0.5, Math.max(0, at - b.lastUpdated) / this.params.liquidityOffsetHalfLifeSeconds);
    return { minOffset: b.minOffset * f, maxOffset: b.maxOffset * f };
  }

  /** The liquidity bounds (msat) currently believed for a channel direction. */
  liquidityBounds(scid: bigint, dir: 0 | 1, capacityMsat: number): { min: number; max: number } {
    const b = this.bounds.get(key(scid, dir));
    if (!b) return { min: 0, max: capacityMsat };
    const d = this.decayed(b, this.now);
    return { min: Math.min(d.minOffset, capacityMsat), max: Math.max(0, capacityMsat - d.maxOffset) };
  }

  /** The probability that `amount` fits through the channel direction. */
  successProbability(scid: bigint, dir: 0 | 1, amountMsat: number, capacityMsat: number): number {
    // Called for every edge the router looks at: no allocation when nothing was learned.
    let min = 0;
    let max = capacityMsat;
    const b = this.bounds.size === 0 ? undefined : this.bounds.get(key(scid, dir));
    if (b) {
      const f = Math.pow(0.5, Math.max(0, this.now - b.lastUpdated) / this.params.liquidityOffsetHalfLifeSeconds);
      min = Math.min(b.minOffset * f, capacityMsat);
      max = Math.max(0, capacityMsat - b.maxOffset * f);
    }
    if (amountMsat <= min) return 1;
    if (amountMsat > max) return 0;
    return (max - amountMsat + 1) / (max - min + 1);
  }

  channelPenaltyMsat(scid: bigint, dir: 0 | 1, amountMsat: number, capacityMsat: number): number {
    return this.penaltyOf(this.successProbability(scid, dir, amountMsat, capacityMsat), amountMsat);
  }

  private update(h: ScoredHop, now: number, f: (min: number, max: number, cap: number) => [number, number]): void {
    const cap = Number(h.capacityMsat);
    const k = key(h.shortChannelId, h.direction);
    const b = this.bounds.get(k);
    const d = b ? this.decayed(b, now) : { minOffset: 0, maxOffset: 0 };
    const [min, max] = f(Math.min(d.minOffset, cap), Math.max(0, cap - d.maxOffset), cap);
    const lo = Math.max(0, Math.min(min, cap));
    const hi = Math.max(lo, Math.min(max, cap));
    if (!b) this.learnedVersion++;
    this.bounds.set(k, { minOffset: lo, maxOffset: cap - hi, lastUpdated: now });
  }

  paymentPathFailed(path: readonly ScoredHop[], failedShortChannelId: bigint, nowSeconds: number): void {
    for (const h of path) {
      const amt = Number(h.amountMsat);
      if (h.shortChannelId === failedShortChannelId) {
        // It could not carry `amt`: the liquidity is below it.
        this.update(h, nowSeconds, (min, max) => [Math.min(min, amt - 1), Math.min(max, amt - 1)]);
        return;
      }
      // Hops before the failure carried `amt`.
      this.update(h, nowSeconds, (min, max) => [Math.max(min, amt), Math.max(max, amt)]);
    }
  }

  paymentPathSuccessful(path: readonly ScoredHop[], nowSeconds: number): void {
    for (const h of path) {
      const amt = Number(h.amountMsat);
      // It carried `amt`, which has now moved to the other side.
      this.update(h, nowSeconds, (min, max) => [Math.max(min, amt) - amt, max - amt]);
    }
  }

  /** Serializes the learned bounds: count (u32), then per entry scid (u64), direction, min and max offsets (f64), last update (f64). */
  serialize(): Uint8Array {
    const out = new Uint8Array(4 + this.bounds.size * 33);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, this.bounds.size);
    let at = 4;
    for (const [k, b] of this.bounds) {
      dv.setBigUint64(at, k / 2n);
      out[at + 8] = Number(k % 2n);
      dv.setFloat64(at + 9, b.minOffset);
      dv.setFloat64(at + 17, b.maxOffset);
      dv.setFloat64(at + 25, b.lastUpdated);
      at += 33;
    }
    return out;
  }

  /** Restores a scorer from {@link ProbabilisticScorer.serialize}; throws on malformed bytes. */
  static deserialize(bytes: Uint8Array, params: ProbabilisticScorerParams = DEFAULT_SCORER_PARAMS): ProbabilisticScorer {
    if (bytes.length < 4) throw new Error('scorer data truncated');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const n = dv.getUint32(0);
    if (bytes.length !== 4 + n * 33) throw new Error(`scorer data of ${bytes.length} bytes does not hold ${n} entries`);
    const s = new ProbabilisticScorer(params);
    for (let i = 0, at = 4; i < n; i++, at += 33) {
      const dir = bytes[at + 8]!;
      if (dir > 1) throw new Error('bad direction in scorer data');
      const b = { minOffset: dv.getFloat64(at + 9), maxOffset: dv.getFloat64(at + 17), lastUpdated: dv.getFloat64(at + 25) };
      if (![b.minOffset, b.maxOffset, b.lastUpdated].every(Number.isFinite)) throw new Error('bad number in scorer data');
      if (b.minOffset < 0 || b.maxOffset < 0) throw new Error('negative liquidity offset in scorer data');
      s.bounds.set(key(dv.getBigUint64(at), dir as 0 | 1), b);
    }
    s.learnedVersion = n > 0 ? 1 : 0;
    return s;
  }
}
