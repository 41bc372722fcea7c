/**
 * `ChainFeeEstimator`: a synchronous {@link FeeEstimator} answering from a cache that
 * {@link ChainFeeEstimator.refresh} fills from any {@link FeeRateSource} (bitcoind's
 * `estimatesmartfee`, Esplora's `/fee-estimates`). Every {@link ConfirmationTarget} maps to a
 * confirmation goal, a mode and an adjustment ({@link FEE_TARGET_MAP}); answers are in sat per
 * 1000 weight units and never below {@link FEERATE_FLOOR_SATS_PER_KW} (253, BOLT 2/3's floor).
 *
 * @packageDocumentation
 */
import {
  CONFIRMATION_TARGETS, FEERATE_FLOOR_SATS_PER_KW, clampFeerate,
  type ConfirmationTarget, type FeeEstimator,
} from '@ln/chain-interfaces';
import type { EstimateMode, FeeRateSource } from './source.js';

/** How one confirmation target is estimated. */
export interface FeeTargetRule {
  /** Confirm within this many blocks. */
  readonly blocks: number;
  readonly mode: EstimateMode;
  /** Multiplier applied to the estimate (sat/kw). */
  readonly multiplier: number;
  /** Subtracted after the multiplier (sat/kw): slack for counterparties' slightly different estimators. */
  readonly minus: number;
  /** Used when the source has no estimate (sat/kw). */
  readonly fallbackSatPerKw: number;
}

/**
 * The mapping of every {@link ConfirmationTarget}. Minimums we accept from a counterparty are
 * estimated over long horizons (and the non-anchor one with 250 sat/kw of slack) so that a peer
 * with a slightly different estimator is not force-closed; the maximum is 10x the next-block
 * estimate (chain-interfaces: "Generous: e.g. 10x a high-priority estimate").
 */
export const FEE_TARGET_MAP: Readonly<Record<ConfirmationTarget, FeeTargetRule>> = {
  OnChainSweep: { blocks: 6, mode: 'conservative', multiplier: 1, minus: 0, fallbackSatPerKw: 5000 },
  MaximumFeeEstimate: { blocks: 1, mode: 'conservative', multiplier: 10, minus: 0, fallbackSatPerKw: 25_000 },
  MinAllowedAnchorChannelRemoteFee: { blocks: 1008, mode: 'economical', multiplier: 1, minus: 0, fallbackSatPerKw: FEERATE_FLOOR_SATS_PER_KW },
  MinAllowedNonAnchorChannelRemoteFee: { blocks: 144, mode: 'economical', multiplier: 1, minus: 250, fallbackSatPerKw: FEERATE_FLOOR_SATS_PER_KW },
  AnchorChannelFee: { blocks: 1008, mode: 'economical', multiplier: 1, minus: 0, fallbackSatPerKw: 500 },
  NonAnchorChannelFee: { blocks: 12, mode: 'economical', multiplier: 1, minus: 0, fallbackSatPerKw: 2000 },
  ChannelCloseMinimum: { blocks: 144, mode: 'economical', multiplier: 1, minus: 0, fallbackSatPerKw: FEERATE_FLOOR_SATS_PER_KW },
  OutputSpendingFee: { blocks: 12, mode: 'economical', multiplier: 1, minus: 0, fallbackSatPerKw: 1000 },
};

/** Options of a {@link ChainFeeEstimator}. */
export interface ChainFeeEstimatorOptions {
  /** Overrides of {@link FeeTargetRule.fallbackSatPerKw} per target (sat/kw). */
  readonly fallbackSatPerKw?: Partial<Record<ConfirmationTarget, number>>;
  /** Overrides of whole rules per target. */
  readonly rules?: Partial<Record<ConfirmationTarget, FeeTargetRule>>;
}

/** Where a cached feerate came from. */
export type FeerateOrigin = 'estimate' | 'fallback';

/** A cached fee estimator over a {@link FeeRateSource}. */
export class ChainFeeEstimator implements FeeEstimator {
  private readonly rules: Record<ConfirmationTarget, FeeTargetRule>;
  private readonly cache = new Map<ConfirmationTarget, { satPerKw: number; origin: FeerateOrigin }>();
  private timer?: ReturnType<typeof setTimeout>;
  private loopActive = false;
  /** When the last successful {@link ChainFeeEstimator.refresh} finished (ms since the epoch), 0 before. */
  lastRefreshMs = 0;

  constructor(private readonly source: FeeRateSource, opts: ChainFeeEstimatorOptions = {}) {
    const rules = {} as Record<ConfirmationTarget, FeeTargetRule>;
    for (const t of CONFIRMATION_TARGETS) {
      const base = opts.rules?.[t] ?? FEE_TARGET_MAP[t];
      const fb = opts.fallbackSatPerKw?.[t];
      rules[t] = fb === undefined ? base : { ...base, fallbackSatPerKw: fb };
    }
    this.rules = rules;
  }

  /** `FeeEstimator`: the cached feerate for `target` (sat/kw, at least 253), or its fallback before any refresh. */
  getEstSatPer1000Weight(target: ConfirmationTarget): number {
    return this.cache.get(target)?.satPerKw ?? clampFeerate(this.rules[target].fallbackSatPerKw);
  }

  /** Whether the answer for `target` is an estimate or the fallback. */
  originOf(target: ConfirmationTarget): FeerateOrigin {
    return this.cache.get(target)?.origin ?? 'fallback';
  }

  /**
   * Fetches every target's estimate in one round of requests. A target without an estimate gets
   * its fallback, unless an earlier refresh had an estimate for it (that one is kept). On failure
   * the previous cache is kept and the source's error is rethrown.
   */
  async refresh(): Promise<void> {
    const rates = await this.source.fetchFeeRates(CONFIRMATION_TARGETS.map((t) => ({ blocks: this.rules[t].blocks, mode: this.rules[t].mode })));
    CONFIRMATION_TARGETS.forEach((t, i) => {
      const rule = this.rules[t];
      const est = rates[i];
      if (est === undefined || !Number.isFinite(est)) {
        // A source that had an estimate and lost it (bitcoind just restarted) keeps the last one:
        // it says more than the static fallback.
        if (this.cache.get(t)?.origin !== 'estimate') this.cache.set(t, { satPerKw: clampFeerate(rule.fallbackSatPerKw), origin: 'fallback' });
      } else {
        this.cache.set(t, { satPerKw: clampFeerate(est * rule.multiplier - rule.minus), origin: 'estimate' });
      }
    });
    this.lastRefreshMs = Date.now();
  }

  /** Helper timer: refreshes now and every `intervalMs` until {@link ChainFeeEstimator.stop}. */
  start(intervalMs: number, onError: (e: unknown) => void = () => undefined): void {
    if (this.loopActive) return;
    this.loopActive = true;
    const tick = (): void => {
      this.refresh()
        .catch((e: unknown) => onError(e))
        .finally(() => {
          if (this.loopActive) this.timer = setTimeout(tick, intervalMs);
        });
    };
    tick();
  }

  /** Stops the helper timer. */
  stop(): void {
    this.loopActive = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
