/**
 * The per-payment policy of `payInvoice` (attempt budget, time budget, fee cap) holds for
 * retries too, not only for the first attempt, and the fee cap covers all parts and retries
 * of a payment together.
 *
 * Topology (as in payments.test.ts): a pays d. The cheap way is a -> b -> d (b charges 0 base
 * + 100 ppm), but d funded d-b, so b has nothing to send to d: that attempt fails with
 * temporary_channel_failure. The other way, a -> c -> d, costs 5,000 msat + 100 ppm.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LightningNode } from '../src/index.js';
import { graphComplete, portOf, settle, testNet, until, type TestNet } from './support/net.js';

async function channel(net: TestNet, a: LightningNode, b: LightningNode, sat: bigint): Promise<string> {
  if (!a.listPeers().includes(b.nodeId)) await a.connect(b.nodeId, '127.0.0.1', portOf(b));
  const { channelId } = await a.openChannel(b.nodeId, sat, { announce: true });
  return channelId;
}

const AMOUNT = 100_000_000n; // 100,000 sat
const VIA_B_FEE = (AMOUNT * 100n) / 1_000_000n; // 10,000 msat
const VIA_C_FEE = 5000n + (AMOUNT * 100n) / 1_000_000n; // 15,000 msat

test('per-payment policy on retries: fee cap before sending, attempt budget, time budget, fee cap across a retry, a cap that is just enough', async () => {
  const net = testNet();
  try {
    const cfg = (base: number) => ({ config: { channelHandshakeConfig: { ourToSelfDelay: 12, minimumDepth: 1, maxInboundHtlcValueInFlightPercent: 100 }, channelConfig: { forwardingFeeBaseMsat: base } } });
    const a = await net.add('pa');
    const b = await net.add('pb', cfg(0));
    const c = await net.add('pc', cfg(5000));
    const d = await net.add('pd');
    for (const n of [a, b, c, d]) net.chain.fund(n.walletScript(), 5_000_000n);
    await net.mine(1);
    const ids = [await channel(net, a, b, 1_000_000n), await channel(net, a, c, 1_000_000n), await channel(net, d, b, 1_000_000n), await channel(net, c, d, 1_000_000n)];
    await net.mine(1);
    await until(() => ids.every((id) => net.nodes.filter((n) => n.listChannels().some((ch) => ch.channelId === id && ch.isUsable)).length === 2), 'channels usable');
    await net.mine(6);
    await until(() => graphComplete(a, 4, 4), 'a knows the 4 channels and nodes');
    // The node-wide defaults would retry 12 times, wait 60 s and accept 5,000 ppm: each case below
    // fails only because its own policy says so.
    assert.is(a.payments.policy.maxAttempts, 12);
    const attemptsFailed: string[] = [];
    a.subscribe((e) => {
      if (e.type === 'PaymentAttemptFailed') attemptsFailed.push(`${e.failure} retry=${e.willRetry}`);
    });
    const aBalance = () => a.listChannels().reduce((s, ch) => s + ch.balanceMsat, 0n);
    const before = aBalance();
    const pay = (policy: Record<string, number | bigint>) => a.payInvoice(d.createInvoice(AMOUNT, 'policy', 3600).invoice, { policy });

    // 1. A fee cap below the cheapest route: nothing is sent.
    const r1 = await pay({ maxFeeBaseMsat: 0n, maxFeePpm: 50 });
    assert.is(r1.status, 'failed');
    assert.is(r1.failureCode, 'fee_too_high', r1.failureReason);
    assert.is(r1.attempts, 0);
    assert.match(r1.failureReason!, `costs ${VIA_B_FEE} msat`);
    assert.is(attemptsFailed.length, 0);

    // 2. maxAttempts 1: the first path (through b) fails and is not retried.
    const r2 = await pay({ maxAttempts: 1 });
    assert.is(r2.status, 'failed', 'a retry through c would have succeeded');
    assert.is(r2.failureCode, 'attempts_exhausted', r2.failureReason);
    assert.is(r2.attempts, 1);
    assert.equal(attemptsFailed, ['temporary_channel_failure retry=false']);

    // 3. Time budget: 1 ms. The payment gives up, whether before its first part left or when it failed.
    const t0 = Date.now();
    const r3 = await pay({ timeoutMs: 1, maxFeeBaseMsat: 12_000n, maxFeePpm: 0 });
    assert.is(r3.status, 'failed');
    assert.is(r3.failureCode, 'timed_out', r3.failureReason);
    assert.ok(r3.attempts <= 1);
    assert.ok(Date.now() - t0 < 10_000, 'resolved long before the node-wide 60 s');

    // 4. A cap of 12,000 msat: the first attempt (b, 10,000 msat: the only route within the cap,
    // though the scorer now prefers c) fails; the retry would need c at 15,000 msat.
    attemptsFailed.length = 0;
    const r4 = await pay({ maxFeeBaseMsat: 12_000n, maxFeePpm: 0 });
    assert.is(r4.status, 'failed');
    assert.is(r4.failureCode, 'fee_too_high', r4.failureReason);
    assert.is(r4.attempts, 1);
    assert.equal(attemptsFailed, ['temporary_channel_failure retry=false']);
    assert.match(r4.failureReason!, `costs ${VIA_C_FEE} msat`);

    // Nothing moved so far.
    await settle(100);
    assert.is(aBalance(), before);

    // 5. A cap of exactly the route through c: paid, within the cap.
    const r5 = await pay({ maxFeeBaseMsat: VIA_C_FEE, maxFeePpm: 0 });
    assert.is(r5.status, 'succeeded', r5.failureReason);
    assert.is(r5.feeMsat, VIA_C_FEE);
    assert.is(r5.failureCode, undefined);
    const records = a.listPayments().filter((p) => p.direction === 'outbound');
    assert.equal(records.map((p) => p.failureCode ?? p.status).sort(), ['attempts_exhausted', 'fee_too_high', 'fee_too_high', 'succeeded', 'timed_out']);
    await until(() => aBalance() === before - AMOUNT - VIA_C_FEE, `a paid exactly amount + fee (${aBalance()})`);
  } finally {
    await net.close();
  }
});

test('the fee cap is for all parts together: a split payment whose parts fit one by one but not in sum is refused', async () => {
  const net = testNet();
  try {
    const cfg = { config: { channelHandshakeConfig: { ourToSelfDelay: 12, minimumDepth: 1, maxInboundHtlcValueInFlightPercent: 100 }, channelConfig: { forwardingFeeBaseMsat: 2000 } } };
    const a = await net.add('ma');
    const b = await net.add('mb', cfg);
    const c = await net.add('mc', cfg);
    const d = await net.add('md');
    for (const n of [a, b, c]) net.chain.fund(n.walletScript(), 5_000_000n);
    await net.mine(1);
    const ids = [await channel(net, a, b, 1_000_000n), await channel(net, a, c, 1_000_000n), await channel(net, b, d, 1_000_000n), await channel(net, c, d, 1_000_000n)];
    await net.mine(1);
    await until(() => ids.every((id) => net.nodes.filter((n) => n.listChannels().some((ch) => ch.channelId === id && ch.isUsable)).length === 2), 'channels usable');
    await net.mine(6);
    await until(() => graphComplete(a, 4, 4), 'a knows the 4 channels and nodes');
    // 1.5M sat fits no single path (each holds ~1M): two parts through b and c, each costing
    // 2,000 msat + 100 ppm of its share (~75k msat). A cap of 100,000 msat covers either part
    // alone, not both.
    const amount = 1_500_000_000n;
    const refused = await a.payInvoice(d.createInvoice(amount, 'mpp').invoice, { policy: { maxFeeBaseMsat: 100_000n, maxFeePpm: 0 } });
    assert.is(refused.status, 'failed');
    assert.is(refused.failureCode, 'fee_too_high', refused.failureReason);
    assert.is(refused.attempts, 0);
    const cap = 2 * 2000 + Number((amount * 100n) / 1_000_000n); // both parts' fees
    const paid = await a.payInvoice(d.createInvoice(amount, 'mpp').invoice, { policy: { maxFeeBaseMsat: BigInt(cap), maxFeePpm: 0 } });
    assert.is(paid.status, 'succeeded', paid.failureReason);
    assert.ok(paid.parts >= 2);
    assert.ok(paid.feeMsat <= BigInt(cap), `${paid.feeMsat} <= ${cap}`);
  } finally {
    await net.close();
  }
});

test.run();
