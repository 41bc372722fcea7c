import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LightningNode } from '../src/index.js';
import { graphComplete, portOf, settle, testNet, until, type TestNet } from './support/net.js';

/** Opens a public channel a→b of `sat` and waits until both see it usable. */
async function channel(net: TestNet, a: LightningNode, b: LightningNode, sat: bigint, pushMsat = 0n, announce = true): Promise<string> {
  if (!a.listPeers().includes(b.nodeId)) await a.connect(b.nodeId, '127.0.0.1', portOf(b));
  const { channelId } = await a.openChannel(b.nodeId, sat, { pushMsat, announce });
  await net.mine(1);
  await until(() => [a, b].every((n) => n.listChannels().some((c) => c.channelId === channelId && c.isUsable)), 'channel usable');
  return channelId;
}

async function fund(net: TestNet, ...nodes: LightningNode[]): Promise<void> {
  for (const n of nodes) net.chain.fund(n.walletScript(), 5_000_000n);
  await net.mine(1);
}

test('an invoice paid across two hops; keysend; the payment history of both ends', async () => {
  const net = testNet();
  try {
    const [a, b, c] = [await net.add('a'), await net.add('b'), await net.add('c')];
    await fund(net, a, b);
    await channel(net, a, b, 1_000_000n);
    await channel(net, b, c, 1_000_000n);
    await net.mine(6); // announcement depth: gossip carries both channels to every node
    await until(() => graphComplete(a, 2) && graphComplete(c, 2), 'graphs have both channels, both directions');
    const { invoice, paymentHash } = c.createInvoice(50_000_000n, 'coffee');
    const received = c.waitFor('PaymentReceived');
    const r = await a.payInvoice(invoice);
    assert.is(r.status, 'succeeded', r.failureReason);
    assert.is(r.paymentHash, paymentHash);
    assert.is(r.feeMsat, 1000n + (50_000_000n * 100n) / 1_000_000n); // b's default policy: 1000 msat + 100 ppm
    assert.is((await received).amountMsat, 50_000_000n);
    const k = await a.keysend(c.nodeId, 1_000_000n);
    assert.is(k.status, 'succeeded', k.failureReason);
    await until(() => c.listPayments().filter((p) => p.status === 'succeeded').length === 2, 'c recorded both payments');
    assert.is(a.listPayments().filter((p) => p.direction === 'outbound' && p.status === 'succeeded').length, 2);
    // c's balance on its commitment moves once both HTLCs are removed from both commitments.
    await until(() => c.listChannels()[0]!.balanceMsat === 51_000_000n, `c's balance is 51,000 sat (${c.listChannels()[0]!.balanceMsat})`);
  } finally {
    await net.close();
  }
});

test('a part that fails at a drained channel is retried on another path; a payment too big for one path goes in parts', async () => {
  const net = testNet();
  try {
    const cfg = (base: number) => ({ config: { channelHandshakeConfig: { ourToSelfDelay: 12, minimumDepth: 1, maxInboundHtlcValueInFlightPercent: 100 }, channelConfig: { forwardingFeeBaseMsat: base } } });
    const a = await net.add('a');
    const b = await net.add('b', cfg(0)); // the cheap hop...
    const c = await net.add('c', cfg(5000));
    const d = await net.add('d');
    await fund(net, a, b, c, d);
    await channel(net, a, b, 1_000_000n);
    await channel(net, a, c, 1_000_000n);
    await channel(net, d, b, 1_000_000n); // ...whose channel to d holds nothing on b's side
    await channel(net, c, d, 1_000_000n);
    await net.mine(6);
    await until(() => graphComplete(a, 4, 4), 'a knows the 4 channels and nodes');
    const failures: string[] = [];
    a.subscribe((e) => {
      if (e.type === 'PaymentAttemptFailed') failures.push(`${e.shortChannelId} ${e.failure} retry=${e.willRetry}`);
    });
    const { invoice } = d.createInvoice(100_000_000n, 'retry');
    const r = await a.payInvoice(invoice);
    assert.is(r.status, 'succeeded', r.failureReason);
    assert.ok(failures.length >= 1, 'the first attempt (through b) failed');
    assert.ok(r.attempts >= 2);
    assert.is(r.feeMsat, 5000n + (100_000_000n * 100n) / 1_000_000n); // paid through c
    // What the scorer learned (b -> d could not carry it; the path through c could) is in the store.
    await until(() => a.scorer.serialize().length > 4, 'the scorer learned');
    await settle(50);
    const stored = await a.store.read('', '', 'scorer');
    assert.ok(stored && new DataView(stored.buffer, stored.byteOffset).getUint32(0) >= 1, 'the scorer is persisted after the outcomes');
    // 1.2M sat cannot fit in any single path (each channel holds about 1M sat): split.
    await channel(net, b, d, 1_000_000n);
    await net.mine(6);
    await until(() => graphComplete(a, 5), 'a knows the 5th channel');
    const big = d.createInvoice(1_200_000_000n, 'mpp');
    const m = await a.payInvoice(big.invoice);
    assert.is(m.status, 'succeeded', m.failureReason);
    assert.ok(m.parts >= 2, `paid in ${m.parts} parts`);
  } finally {
    await net.close();
  }
});

test.run();
