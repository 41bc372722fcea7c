import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LightningNode, PaymentResult } from '../src/index.js';
import { graphComplete, portOf, settle, testNet, until, type TestNet } from './support/net.js';

async function line(net: TestNet): Promise<[LightningNode, LightningNode, LightningNode]> {
  const [a, b, c] = [await net.add('a'), await net.add('b'), await net.add('c')];
  for (const n of [a, b]) net.chain.fund(n.walletScript(), 5_000_000n);
  await net.mine(1);
  for (const [x, y] of [[a, b], [b, c]] as const) {
    await x.connect(y.nodeId, '127.0.0.1', portOf(y));
    await x.openChannel(y.nodeId, 2_000_000n, { announce: true });
  }
  await net.mine(6);
  await until(() => [a, b, c].every((n) => n.listChannels().filter((ch) => ch.isUsable).length === (n === b ? 2 : 1)) && graphComplete(a, 2), 'line a-b-c ready');
  return [a, b, c];
}

const lightning = (n: LightningNode) => n.listChannels().reduce((s, c) => s + c.balanceMsat, 0n);
const quiet = (nodes: LightningNode[]) => nodes.every((n) => n.isRunning && n.cm.allChannels().every((c) => c.s.htlcs.length === 0) && n.listChannels().every((c) => c.isUsable));

test('the forwarding node stops and restarts from its data directory while payments cross it: every payment resolves, balances agree to the msat', async () => {
  const net = testNet();
  try {
    let [a, b, c] = await line(net);
    const before = [a, b, c].map(lightning);
    const channelIds = [a, b, c].map((n) => n.listChannels().map((ch) => ch.channelId).sort().join());
    const invoices = Array.from({ length: 8 }, (_, i) => c.createInvoice(BigInt(1_000_000 + i * 1000) * 1000n, `p${i}`).invoice);
    const results: Promise<PaymentResult>[] = [];
    for (const inv of invoices) results.push(a.payInvoice(inv));
    const inFlight = () => b.cm.allChannels().reduce((s, ch) => s + ch.s.htlcs.length, 0);
    await until(() => inFlight() >= 1, 'an HTLC reaches b');
    await b.stop(); // with HTLCs in flight
    await settle(100);
    b = await net.restart(b);
    const done = await Promise.all(results);
    const ok = done.filter((r) => r.status === 'succeeded');
    assert.ok(ok.length >= 1, 'some payments succeeded');
    await until(() => quiet([a, b, c]), 'no HTLC in flight and all channels usable', 20_000);
    const sent = ok.reduce((s, r) => s + r.amountMsat, 0n);
    const fees = ok.reduce((s, r) => s + r.feeMsat, 0n);
    assert.is(lightning(a), before[0]! - sent - fees, "a paid exactly the successful payments and their fees");
    assert.is(lightning(b), before[1]! + fees, 'b earned exactly the fees');
    assert.is(lightning(c), before[2]! + sent, 'c received exactly the successful payments');
    assert.equal([a, b, c].map((n) => n.listChannels().map((ch) => ch.channelId).sort().join()), channelIds, 'no channel was closed');
    assert.is(b.staleChannelsForceClosed.length, 0);
    const cReceived = c.listPayments().filter((p) => p.direction === 'inbound' && p.status === 'succeeded');
    assert.is(cReceived.length, ok.length);
  } finally {
    await net.close();
  }
});

test('the payer stops with payments in flight; after its restart the records resolve from what the channels report', async () => {
  const net = testNet();
  try {
    let [a, b, c] = await line(net);
    const before = lightning(c);
    const invoices = Array.from({ length: 5 }, (_, i) => c.createInvoice(BigInt(500_000 + i) * 1000n, `q${i}`).invoice);
    for (const inv of invoices) void a.payInvoice(inv); // resolved by the restarted node's records, not these promises
    await settle(5);
    const pendingAtStop = a.listPayments().filter((p) => p.direction === 'outbound' && p.status === 'pending').length;
    assert.ok(pendingAtStop >= 1, `payments in flight when a stops (${pendingAtStop})`);
    await a.stop();
    a = await net.restart(a);
    assert.is(a.listPayments().filter((p) => p.direction === 'outbound').length, 5, 'every record was read back');
    for (const p of a.listPayments()) if (p.status === 'failed') assert.match(p.failureReason ?? '', /not sent|restart|stopped/);
    await until(() => a.listPayments().filter((p) => p.direction === 'outbound').every((p) => p.status !== 'pending'), 'every outbound record resolved after the restart', 20_000);
    await until(() => quiet([a, b, c]), 'quiet', 20_000);
    const succeeded = a.listPayments().filter((p) => p.direction === 'outbound' && p.status === 'succeeded');
    assert.is(lightning(c) - before, succeeded.reduce((s, p) => s + p.amountMsat, 0n), "c's balance grew by the payments a's records call succeeded");
    for (const p of succeeded) assert.ok(p.preimage && p.preimage.length === 64, 'a succeeded payment has its preimage');
  } finally {
    await net.close();
  }
});

test.run();
