/**
 * Fee bumping has a cap, and a capped claim is never abandoned: it is rebroadcast, at the cap,
 * every block until it confirms (claims that miners ignore for dozens of blocks).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex } from '@ln/crypto';
import { parseTx, weightOf, type Transaction } from '@ln/transactions';
import { ANTI_REORG_DELAY, CLAIM_DUST_LIMIT_SAT, UNCONTESTED_CLAIM_MAX_FEE_SHARE } from '../src/index.js';
import type { CommitState } from './helpers/channel-pair.js';
import { Env, type EnvOptions } from './helpers/env.js';

/** The weight a claim is charged for: its own, with each signature counted at 73 bytes (BOLT 5). */
const chargedWeight = (tx: Transaction) => weightOf(tx) + tx.inputs.reduce((a, i) => a + 73 - i.witness[0]!.length, 0);

/** B offers A one HTLC of `amountSat` whose preimage A knows; B's commitment confirms; A's claims reach no mempool. */
function heldPreimageClaim(amountSat: bigint, opts: EnvOptions = {}) {
  const env = new Env({ label: `cap-${amountSat}`, claimFeerate: 1000, feeratePerKw: 253, ...opts });
  const p = env.pair;
  const h = p.htlc('B', amountSat * 1000n, env.chain.tipHeight + 200);
  const s: CommitState = { toAMsat: 600_000_000n, toBMsat: 400_000_000n - amountSat * 1000n, htlcs: [h], feeratePerKw: 253 };
  env.advance(p.advance(s));
  env.A.apply([p.preimageUpdate('A', h)]);
  env.A.broadcaster.hold = true;
  env.B.apply([p.forceCloseUpdate('B')]);
  const claimsOf = () => env.A.broadcaster.offered.map((raw) => ({ raw, tx: parseTx(raw) })).filter((c) => c.tx.inputs.length === 1 && c.tx.inputs[0]!.witness[1]?.length === 32);
  return { env, p, h, claimsOf };
}

test('a 2,000 sat HTLC claim ignored by miners for 40 blocks: bumped ×1.25 up to what the output can pay (value − dust), then rebroadcast at that cap every block; it confirms once mined', () => {
  const { env, claimsOf } = heldPreimageClaim(2_000n);
  env.mine(40); // B's commitment confirms in the first block; A claims at once, then every block
  env.assertNoInvalid();
  const claims = claimsOf();
  assert.is(claims.length, 40, `one broadcast every block, never abandoned (${claims.length})`);
  const fees = claims.map((c) => 2_000n - c.tx.outputs[0]!.valueSat);
  const rates = claims.map((c, i) => Number(fees[i]! * 1000n) / chargedWeight(c.tx));
  for (let i = 1; i < fees.length; i++) assert.ok(fees[i]! >= fees[i - 1]!, `fees never fall: ${fees.join(' ')}`);
  assert.ok(Math.abs(rates[0]! - 1000) < 2, 'first at the estimate');
  assert.ok(rates[1]! >= rates[0]! * 1.25 - 2, 'then ×1.25');
  const cap = fees[fees.length - 1]!;
  assert.ok(cap <= 2_000n - CLAIM_DUST_LIMIT_SAT && cap > 2_000n - CLAIM_DUST_LIMIT_SAT - 5n, `capped just above the dust limit (fee ${cap})`);
  const firstCapped = fees.indexOf(cap);
  assert.ok(firstCapped > 0 && firstCapped < 8, `the cap is reached after a few blocks (${firstCapped})`);
  const capped = claims.slice(firstCapped).map((c) => bytesToHex(c.raw));
  assert.is(new Set(capped).size, 1, 'the same capped transaction every block after that');
  assert.ok(claims.length - firstCapped >= 30, 'rebroadcast for 30+ blocks at the cap');
  // Miners take it now.
  env.A.broadcaster.hold = false;
  env.mine(2); // rebroadcast at the first, mined in the second
  const ours = claims[claims.length - 1]!.tx;
  const dest = env.unspentTo(env.destination('A'));
  assert.ok(dest.some((o) => o.valueSat === ours.outputs[0]!.valueSat), 'the capped claim confirmed, paying A');
  const n = env.A.broadcaster.offered.length;
  env.mine(ANTI_REORG_DELAY + 1);
  assert.is(claimsOf().length - claims.length, 1, 'rebroadcast only until it confirmed');
  assert.is(env.A.broadcaster.offered.length - n, 0, 'nothing after it confirmed');
  assert.ok(env.A.userEvents.some((e) => e.type === 'SpendableOutputs'), 'reported spendable once deep');
});

test('the feerate never exceeds the estimator\'s MaximumFeeEstimate: a large claim stops rising at it and is rebroadcast there', () => {
  const { env, claimsOf } = heldPreimageClaim(50_000n, { maxFeerate: 3_000 });
  env.mine(25);
  env.assertNoInvalid();
  const claims = claimsOf();
  assert.is(claims.length, 25);
  const rates = claims.map((c) => Number((50_000n - c.tx.outputs[0]!.valueSat) * 1000n) / chargedWeight(c.tx));
  for (const r of rates) assert.ok(r <= 3_000 + 1, `at most MaximumFeeEstimate (${r.toFixed(1)})`);
  assert.ok(rates[rates.length - 1]! > 2_999, 'reaches it');
  const at = rates.findIndex((r) => r > 2_999);
  assert.is(new Set(claims.slice(at).map((c) => bytesToHex(c.raw))).size, 1, 'then the same transaction every block');
  env.A.broadcaster.hold = false;
  env.mine(2);
  assert.is(env.balanceOf(env.destination('A')), claims[claims.length - 1]!.tx.outputs[0]!.valueSat);
});

test('our own delayed output (uncontested): the sweep fee is at most half its value even when the estimate asks for more than the output holds; it goes out capped every block instead of being skipped', () => {
  // A funded the channel; A's to_local is small; the sweep estimate is far above what it can pay.
  const env = new Env({ label: 'cap-own', delayOnA: 10, claimFeerate: 20_000, feeratePerKw: 253 });
  const p = env.pair;
  const s: CommitState = { toAMsat: 4_000_000n, toBMsat: 996_000_000n, htlcs: [], feeratePerKw: 253 };
  env.advance(p.advance(s));
  env.A.broadcaster.hold = true;
  env.A.apply([p.forceCloseUpdate('A')]);
  env.chain.mine(1, { txs: [env.A.broadcaster.offered[0]!] });
  env.mine(30);
  env.assertNoInvalid();
  const commitment = parseTx(env.A.broadcaster.offered[0]!);
  const toLocal = commitment.outputs.find((o) => o.valueSat < 10_000n)!.valueSat;
  const sweeps = env.A.broadcaster.offered.slice(1).map((raw) => ({ raw, tx: parseTx(raw) })).filter((c) => c.tx.inputs[0]!.witness[1]?.length === 0);
  assert.ok(sweeps.length >= 15, `swept after the delay, every block (${sweeps.length})`);
  for (const c of sweeps) {
    const fee = toLocal - c.tx.outputs[0]!.valueSat;
    assert.ok(Number(fee) <= Number(toLocal) * UNCONTESTED_CLAIM_MAX_FEE_SHARE, `fee ${fee} of ${toLocal}`);
    assert.ok(Number(fee) > Number(toLocal) * UNCONTESTED_CLAIM_MAX_FEE_SHARE - 5, 'at the cap (the estimate is far above it)');
  }
  assert.is(new Set(sweeps.map((c) => bytesToHex(c.raw))).size, 1, 'one capped transaction, rebroadcast');
  env.A.broadcaster.hold = false;
  env.mine(2);
  assert.is(env.balanceOf(env.destination('A')), sweeps[0]!.tx.outputs[0]!.valueSat);
});

test('an output that cannot pay even the relay floor within its cap is not claimed, and nothing breaks; one just above is', () => {
  // A dust limit of 200 sat (below BOLT 2's 354, for the test only) leaves a 400 sat HTLC untrimmed.
  const tiny = heldPreimageClaim(400n, { dustLimitSat: 200n });
  tiny.env.mine(5);
  assert.is(tiny.claimsOf().length, 0, '400 sat: 70 sat above the claim dust limit cannot pay 253 sat/kw');
  tiny.env.assertNoInvalid();
  const { env, claimsOf } = heldPreimageClaim(720n);
  env.mine(5);
  // 720 sat less 330 leaves 390 sat for a ~630 wu claim: above the floor, claimed every block.
  assert.is(claimsOf().length, 5);
  for (const c of claimsOf()) assert.ok(c.tx.outputs[0]!.valueSat >= CLAIM_DUST_LIMIT_SAT);
  env.assertNoInvalid();
});

test.run();
