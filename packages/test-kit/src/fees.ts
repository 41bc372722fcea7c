/** Fee estimators for tests: one fixed rate, or scripted per target and changeable mid-test. */
import { clampFeerate, type ConfirmationTarget, type FeeEstimator } from '@ln/chain-interfaces';

/** Answers the same feerate (sat/kw, clamped to the 253 floor) for every target. */
export class FixedFeeEstimator implements FeeEstimator {
  constructor(public satPerKw = 253) {}
  getEstSatPer1000Weight(_target: ConfirmationTarget): number {
    return clampFeerate(this.satPerKw);
  }
}

/** Answers per-target feerates that a test can change at any time; unknown targets get `fallback`. */
export class ScriptedFeeEstimator implements FeeEstimator {
  private readonly rates = new Map<ConfirmationTarget, number>();
  /** Every `(target, answer)` asked so far, for assertions. */
  readonly calls: [ConfirmationTarget, number][] = [];
  constructor(
    rates: Partial<Record<ConfirmationTarget, number>> = {},
    public fallback = 1000,
  ) {
    for (const [k, v] of Object.entries(rates)) this.rates.set(k as ConfirmationTarget, v!);
  }
  set(target: ConfirmationTarget, satPerKw: number): void {
    this.rates.set(target, satPerKw);
  }
  /** Multiplies every rate (and the fallback) by `factor`: a fee spike or a fall. */
  scale(factor: number): void {
    for (const [k, v] of this.rates) this.rates.set(k, Math.ceil(v * factor));
    this.fallback = Math.ceil(this.fallback * factor);
  }
  getEstSatPer1000Weight(target: ConfirmationTarget): number {
    const r = clampFeerate(this.rates.get(target) ?? this.fallback);
    this.calls.push([target, r]);
    return r;
  }
}
