/**
 * The randomized consistency test (see test/support/consistency.ts): 1,000 seeds in the normal
 * run; `npm run fuzz` (or FUZZ_SEEDS / FUZZ_STEPS) runs many more and longer ones.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSeed } from './support/consistency.js';

const SEEDS = Number(process.env.FUZZ_SEEDS ?? 1000);
const STEPS = Number(process.env.FUZZ_STEPS ?? 20);
const FIRST = Number(process.env.FUZZ_FIRST_SEED ?? 1);

test(`consistency: ${SEEDS} seeds of ${STEPS} random actions on three nodes — no force close, every payment resolves, balances conserved`, () => {
  const started = Date.now();
  const total = { payments: 0, sent: 0, failed: 0, restarts: 0, disconnects: 0 };
  for (let seed = FIRST; seed < FIRST + SEEDS; seed++) {
    const s = runSeed(seed, STEPS);
    total.payments += s.payments;
    total.sent += s.sent;
    total.failed += s.failed;
    total.restarts += s.restarts;
    total.disconnects += s.disconnects;
  }
  const secs = (Date.now() - started) / 1000;
  console.log(`  consistency: ${SEEDS} seeds x ${STEPS} actions in ${secs.toFixed(1)} s: ${total.payments} payments (${total.sent} sent, ${total.failed} failed), ${total.restarts} restarts, ${total.disconnects} disconnects`);
  assert.ok(total.sent > SEEDS / 4, 'payments do succeed');
  assert.ok(total.failed > 0 && total.restarts > 0 && total.disconnects > 0, 'every kind of action happened');
});

test.run();
