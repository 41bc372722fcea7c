/**
 * The randomized consistency test (see test/support/consistency.ts): 1,000 seeds in the normal
 * run; `npm run fuzz` (or FUZZ_SEEDS / FUZZ_STEPS) runs many more and longer ones. The totals
 * printed show what the run exercised.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSeed, type SeedStats } from './support/consistency.js';

const SEEDS = Number(process.env.FUZZ_SEEDS ?? 1000);
const STEPS = Number(process.env.FUZZ_STEPS ?? 20);
const FIRST = Number(process.env.FUZZ_FIRST_SEED ?? 1);

type Num = { -readonly [K in keyof SeedStats as SeedStats[K] extends number ? K : never]: number };

test(`consistency: ${SEEDS} seeds of ${STEPS} random actions on three nodes (async monitors, crashes with updates in flight, tight balances, retries) — no force close, every payment resolves, balances conserved`, () => {
  const cpu0 = process.cpuUsage();
  const started = Date.now();
  const total: Num = {
    actions: 0, payments: 0, refusedSends: 0, sent: 0, failed: 0, retries: 0, retriesSucceeded: 0, restarts: 0,
    restartsInFlight: 0, lostUpdates: 0, asyncCompletions: 0, disconnects: 0, feeUpdates: 0,
  };
  let noPayment = 0;
  let asyncSeeds = 0;
  let tightSeeds = 0;
  for (let seed = FIRST; seed < FIRST + SEEDS; seed++) {
    const s = runSeed(seed, STEPS);
    for (const k of Object.keys(total) as (keyof Num)[]) total[k] += s[k];
    if (!s.payments) noPayment++;
    if (s.async) asyncSeeds++;
    if (s.tight) tightSeeds++;
  }
  const cpu = process.cpuUsage(cpu0);
  const secs = (Date.now() - started) / 1000;
  console.log(
    `  consistency: ${SEEDS} seeds x ${STEPS} actions (${asyncSeeds} async-monitor, ${tightSeeds} tight-balance seeds) in ${secs.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU\n` +
      `    payments: ${total.payments} attempted (${(total.payments / SEEDS).toFixed(1)}/seed, ${noPayment} seeds without one), ${total.sent} succeeded, ${total.failed} failed, ${total.refusedSends} refused at send\n` +
      `    retries: ${total.retries} (${total.retriesSucceeded} payments succeeded after a retry); restarts: ${total.restarts} (${total.restartsInFlight} with monitor updates in flight, ${total.lostUpdates} updates lost and handed again)\n` +
      `    async monitor completions: ${total.asyncCompletions}; disconnects: ${total.disconnects}; update_fee: ${total.feeUpdates}`,
  );
  // The run is only as strong as what it did: with a few hundred seeds every kind of action must have happened.
  if (SEEDS >= 200) {
    assert.ok(total.sent > 2 * SEEDS, 'payments do succeed');
    assert.ok(total.failed > 0 && total.restarts > 0 && total.disconnects > 0 && total.retriesSucceeded > 0 && total.feeUpdates > 0, 'every kind of action happened');
    assert.ok(total.restartsInFlight > 0 && total.lostUpdates > 0 && total.asyncCompletions > SEEDS, 'monitors were asynchronous and crashes lost updates');
    assert.ok(asyncSeeds > SEEDS / 3 && tightSeeds > SEEDS / 5, 'async-monitor and tight-balance seeds ran');
  }
});

test.run();
