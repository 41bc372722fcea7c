/**
 * The demo's chain-vs-node checks (src/demo/checks.ts) fail when fed what a bug would produce:
 * each test gives the numbers of a good run (taken from a real `--seed 1` run), then breaks one
 * of them at a time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkCooperativeClose, checkForceCloseSweep, checkRandomPayments, checkRetry, type CloseSide } from '../src/demo/checks.js';
import type { PaymentResult } from '../src/payments.js';

const goodSweep = {
  commitmentHeight: 9, toSelfDelay: 24, sweepHeight: 33 as number | undefined, walletBefore: new Map([[10, 100n], [32, 100n]]), walletAtStartSat: 100n,
  balanceMsat: 1_928_524_123n, commitmentFeeSat: 1448n, toLocalSat: 1_927_076n, sweepFeeSat: 966n, walletGainSat: 1_926_110n,
};

test('force close sweep: the good run passes; early, late or missing sweeps, early wallet moves and wrong amounts fail', () => {
  assert.ok(checkForceCloseSweep(goodSweep).ok, checkForceCloseSweep(goodSweep).detail);
  const bad: [string, Partial<typeof goodSweep>][] = [
    ['before the delay', { sweepHeight: 32 }],
    ['long after', { sweepHeight: 40 }],
    ['never', { sweepHeight: undefined }],
    ['wallet moved early', { walletBefore: new Map([[10, 100n], [20, 150n]]) }],
    ['to_local not balance - fee', { toLocalSat: 1_927_077n }],
    ['commitment fee forgotten', { commitmentFeeSat: 0n }],
    ['wallet gain off by one', { walletGainSat: 1_926_111n }],
    ['no sweep fee', { sweepFeeSat: 0n, walletGainSat: 1_927_076n }],
  ];
  for (const [what, change] of bad) {
    const v = checkForceCloseSweep({ ...goodSweep, ...change });
    assert.not.ok(v.ok, `${what} must fail`);
  }
});

const alice: CloseSide = { name: 'alice', balanceMsat: 1_886_010_500n, outputSat: 1_886_010n, walletGainSat: 1_886_010n };
const dave: CloseSide = { name: 'dave', balanceMsat: 2_113_989_500n, outputSat: 2_112_637n, walletGainSat: 2_112_637n };

test('cooperative close: the good run passes; a wallet short of its output, both sides paying, a wrong fee, unbalanced inputs fail', () => {
  const good = checkCooperativeClose(4_000_000n, 1353n, [alice, dave]);
  assert.ok(good.ok, good.detail);
  assert.not.ok(checkCooperativeClose(4_000_000n, 1353n, [{ ...alice, walletGainSat: 1_886_009n }, dave]).ok, 'wallet missed a satoshi');
  assert.not.ok(checkCooperativeClose(4_000_000n, 1353n, [alice, { ...dave, walletGainSat: 0n }]).ok, 'wallet never saw the output');
  assert.not.ok(checkCooperativeClose(4_000_000n, 1353n, [{ ...alice, outputSat: 1_886_000n, walletGainSat: 1_886_000n }, { ...dave, outputSat: 2_112_647n, walletGainSat: 2_112_647n }]).ok, 'both paid');
  assert.not.ok(checkCooperativeClose(4_000_000n, 1400n, [alice, dave]).ok, 'fee on chain is not the shares');
  assert.not.ok(checkCooperativeClose(4_000_001n, 1353n, [alice, dave]).ok, 'balances are not the capacity');
  assert.not.ok(checkCooperativeClose(4_000_000n, 1353n, [{ ...alice, outputSat: 1_886_011n, walletGainSat: 1_886_011n }, dave]).ok, 'got more than its balance');
});

const result = (hash: string, status: 'succeeded' | 'failed', amountMsat: bigint, failureCode?: PaymentResult['failureCode']): PaymentResult => ({
  paymentId: hash, paymentHash: hash, status, amountMsat, feeMsat: 0n, attempts: 1, parts: 1, pathHops: [2], pathScids: [['1x1x0', '1x2x0']],
  ...(failureCode ? { failureCode, failureReason: failureCode } : {}),
});

test('random payments: each success received exactly, failures for expected reasons moved nothing, at least one success', () => {
  const ok = [{ result: result('aa', 'succeeded', 5n), payee: 'bob' }, { result: result('bb', 'failed', 7n, 'no_route'), payee: 'carol' }];
  const good = checkRandomPayments(ok, new Map([['aa', 5n]]));
  assert.ok(good.ok, good.detail);
  assert.is(good.succeeded, 1);
  assert.is(good.failed, 1);
  assert.not.ok(checkRandomPayments(ok, new Map()).ok, 'a success the payee never received');
  assert.not.ok(checkRandomPayments(ok, new Map([['aa', 4n]])).ok, 'received less');
  assert.not.ok(checkRandomPayments(ok, new Map([['aa', 5n], ['bb', 7n]])).ok, 'a failed payment that arrived');
  assert.not.ok(checkRandomPayments([ok[0]!, { result: result('bb', 'failed', 7n, 'failed'), payee: 'carol' }], new Map([['aa', 5n]])).ok, 'an unexpected failure');
  assert.not.ok(checkRandomPayments([ok[0]!, { result: result('bb', 'failed', 7n), payee: 'carol' }], new Map([['aa', 5n]])).ok, 'a failure without a reason');
  assert.not.ok(checkRandomPayments([ok[1]!], new Map()).ok, 'none succeeded');
});

test('retry: another path that avoids the failing channel passes; the same path, or one through the failing channel, fails', () => {
  const failed = [{ path: ['2x1x0', '2x2x0'], shortChannelId: '2x2x0' }];
  assert.ok(checkRetry(failed, [['2x3x0', '2x4x0']]).ok);
  assert.not.ok(checkRetry(failed, [['2x1x0', '2x2x0']]).ok, 'the same path');
  assert.not.ok(checkRetry(failed, [['2x3x0', '2x2x0']]).ok, 'through the failing channel');
  assert.not.ok(checkRetry([], [['2x3x0', '2x4x0']]).ok, 'nothing failed');
  assert.not.ok(checkRetry(failed, []).ok, 'nothing delivered');
  assert.not.ok(checkRetry([{ path: ['2x1x0', '2x2x0'] }], [['2x3x0', '2x4x0']]).ok, 'a failure that names no channel');
});

test.run();
