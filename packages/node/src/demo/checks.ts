/**
 * The demo's checks that compare what the nodes report with what the chain holds, as pure
 * functions of the numbers the demo gathers, so each can be tested with wrong inputs
 * (test/demo-checks.test.ts): every one of them can fail.
 */
import type { PaymentFailureCode, PaymentResult } from '../payments.js';

/** A check's verdict and what it compared. */
export interface Verdict {
  readonly ok: boolean;
  readonly detail: string;
}

const verdict = (problems: string[], good: string): Verdict => ({ ok: problems.length === 0, detail: problems.length ? problems.join('; ') : good });

/**
 * Force close, BOLT 3 / BOLT 5: the closer's `to_local` output is spendable only
 * `to_self_delay` blocks after the commitment confirmed (`OP_CHECKSEQUENCEVERIFY`), and the
 * sweep pays the wallet exactly that output minus the sweep's fee; the output is the closer's
 * channel balance (rounded down to the satoshi) minus the commitment fee the funder pays.
 */
export function checkForceCloseSweep(p: {
  readonly commitmentHeight: number;
  readonly toSelfDelay: number;
  /** Height of the block holding the sweep of `to_local` (undefined: not swept). */
  readonly sweepHeight: number | undefined;
  /** The closer's wallet balance (sat) at each height from the commitment's up to the sweep's, before the sweep. */
  readonly walletBefore: ReadonlyMap<number, bigint>;
  readonly walletAtStartSat: bigint;
  readonly balanceMsat: bigint;
  /** The commitment fee (sat) when the closer is the funder, else 0. */
  readonly commitmentFeeSat: bigint;
  readonly toLocalSat: bigint;
  readonly sweepFeeSat: bigint;
  readonly walletGainSat: bigint;
  /** Blocks after the earliest height by which the sweep must be mined. */
  readonly slackBlocks?: number;
}): Verdict {
  const problems: string[] = [];
  const earliest = p.commitmentHeight + p.toSelfDelay;
  if (p.sweepHeight === undefined) problems.push('to_local was never swept');
  else {
    if (p.sweepHeight < earliest) problems.push(`swept at height ${p.sweepHeight}, before the CSV delay ends (${earliest})`);
    if (p.sweepHeight > earliest + (p.slackBlocks ?? 3)) problems.push(`swept at height ${p.sweepHeight}, long after ${earliest}`);
    for (const [h, v] of p.walletBefore) if (h < p.sweepHeight && v !== p.walletAtStartSat) problems.push(`the wallet moved at height ${h} (${v} sat, before: ${p.walletAtStartSat})`);
  }
  const expectedToLocal = p.balanceMsat / 1000n - p.commitmentFeeSat;
  if (p.toLocalSat !== expectedToLocal) problems.push(`to_local is ${p.toLocalSat} sat, expected balance ${p.balanceMsat / 1000n} - commitment fee ${p.commitmentFeeSat} = ${expectedToLocal}`);
  if (p.sweepFeeSat <= 0n) problems.push(`sweep fee ${p.sweepFeeSat} sat`);
  const expectedGain = expectedToLocal - p.sweepFeeSat;
  if (p.walletGainSat !== expectedGain) problems.push(`wallet gained ${p.walletGainSat} sat, expected ${expectedToLocal} - sweep fee ${p.sweepFeeSat} = ${expectedGain}`);
  return verdict(problems, `swept at height ${p.sweepHeight} (commitment at ${p.commitmentHeight} + to_self_delay ${p.toSelfDelay}; nothing before), wallet +${p.walletGainSat} sat = balance ${p.balanceMsat / 1000n} - commitment fee ${p.commitmentFeeSat} - sweep fee ${p.sweepFeeSat}`);
}

/** One side of a cooperative close. */
export interface CloseSide {
  readonly name: string;
  /** Its channel balance just before the close, msat. */
  readonly balanceMsat: bigint;
  /** Its output of the mined closing transaction (0 when trimmed or absent), sat. */
  readonly outputSat: bigint;
  /** How much its wallet grew, sat. */
  readonly walletGainSat: bigint;
}

/**
 * Cooperative close, BOLT 2/3: each wallet grew by exactly its output of the closing
 * transaction, and each output is that side's balance (rounded down to the satoshi) minus its
 * share of the closing fee. One side pays the whole fee (the funder with `closing_signed`, the
 * closer with `option_simple_close`); the fee on chain is that share plus the millisatoshis
 * both sides' rounding left over.
 */
export function checkCooperativeClose(capacitySat: bigint, closingFeeSat: bigint, sides: readonly [CloseSide, CloseSide]): Verdict {
  const problems: string[] = [];
  if (sides[0].balanceMsat + sides[1].balanceMsat !== capacitySat * 1000n) problems.push(`balances ${sides[0].balanceMsat} + ${sides[1].balanceMsat} msat are not the capacity ${capacitySat} sat`);
  const rounding = capacitySat - sides.reduce((a, s) => a + s.balanceMsat / 1000n, 0n);
  const shares = sides.map((s) => s.balanceMsat / 1000n - s.outputSat);
  for (const [i, s] of sides.entries()) {
    if (s.walletGainSat !== s.outputSat) problems.push(`${s.name}'s wallet grew ${s.walletGainSat} sat, its closing output is ${s.outputSat}`);
    if (shares[i]! < 0n) problems.push(`${s.name} got ${-shares[i]!} sat more than its balance`);
  }
  const payers = shares.filter((x) => x !== 0n).length;
  if (payers !== 1) problems.push(`${payers} sides paid the closing fee (shares ${shares.join(', ')} sat), expected one`);
  if (shares[0]! + shares[1]! + rounding !== closingFeeSat) problems.push(`fee shares ${shares.join(' + ')} + rounding ${rounding} sat are not the ${closingFeeSat} sat fee on chain`);
  if (closingFeeSat <= 0n) problems.push(`closing fee ${closingFeeSat} sat`);
  return verdict(problems, sides.map((s, i) => `${s.name} +${s.walletGainSat} sat = ${s.balanceMsat / 1000n} - fee share ${shares[i]}`).join(', ') + ` (fee on chain ${closingFeeSat} sat)`);
}

/** Failure codes a random payment on a healthy network may end with: no usable path or too dear. Anything else is a bug. */
export const EXPECTED_RANDOM_FAILURES: readonly PaymentFailureCode[] = ['no_route', 'fee_too_high', 'attempts_exhausted'];

/**
 * Random payments: each either succeeded, and then its payee recorded receiving exactly its
 * amount under its payment hash, or failed for a stated, expected reason, and then its payee
 * received nothing for that hash; at least one succeeded; the sum sent is the sum received.
 */
export function checkRandomPayments(
  results: readonly { readonly result: PaymentResult; readonly payee: string }[],
  received: ReadonlyMap<string, bigint>,
): Verdict & { readonly succeeded: number; readonly failed: number } {
  const problems: string[] = [];
  let succeeded = 0;
  let sentMsat = 0n;
  let receivedMsat = 0n;
  for (const { result: r, payee } of results) {
    const got = received.get(r.paymentHash);
    if (r.status === 'succeeded') {
      succeeded++;
      sentMsat += r.amountMsat;
      if (got !== r.amountMsat) problems.push(`${r.paymentHash.slice(0, 8)} to ${payee}: succeeded for ${r.amountMsat} msat, payee received ${got ?? 'nothing'}`);
      else receivedMsat += got;
    } else {
      if (!r.failureCode || !EXPECTED_RANDOM_FAILURES.includes(r.failureCode)) problems.push(`${r.paymentHash.slice(0, 8)} to ${payee}: failed for an unexpected reason (${r.failureCode ?? 'none'}: ${r.failureReason ?? 'no reason'})`);
      if (got !== undefined) problems.push(`${r.paymentHash.slice(0, 8)} to ${payee}: failed, yet the payee received ${got} msat`);
    }
  }
  if (results.length > 0 && succeeded === 0) problems.push('none succeeded');
  if (sentMsat !== receivedMsat) problems.push(`sent ${sentMsat} msat, received ${receivedMsat}`);
  const failed = results.length - succeeded;
  return { ...verdict(problems, `${succeeded} succeeded (each received exactly by its payee, ${sentMsat} msat in all), ${failed} failed for expected reasons and moved nothing`), succeeded, failed };
}

/**
 * Retry: a path failed at a channel, and the payment then succeeded over a different path that
 * avoids that channel.
 */
export function checkRetry(failed: readonly { readonly path: readonly string[]; readonly shortChannelId?: string }[], delivered: readonly (readonly string[])[]): Verdict {
  const problems: string[] = [];
  if (!failed.length) problems.push('no attempt failed');
  if (!delivered.length) problems.push('nothing was delivered');
  for (const f of failed) {
    if (!f.shortChannelId) problems.push('a failure named no channel');
    for (const d of delivered) {
      if (d.join() === f.path.join()) problems.push(`the delivering path ${d.join(' > ')} is the one that failed`);
      if (f.shortChannelId && d.includes(f.shortChannelId)) problems.push(`the delivering path ${d.join(' > ')} goes through the failing channel ${f.shortChannelId}`);
    }
  }
  return verdict(problems, `failed ${failed.map((f) => `${f.path.join(' > ')} at ${f.shortChannelId}`).join(', ')}; delivered over ${delivered.map((d) => d.join(' > ')).join(', ')}`);
}
