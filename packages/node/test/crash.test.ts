import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LightningNode, PaymentResult } from '../src/index.js';
import { graphComplete, portOf, testNet, until } from './support/net.js';

const lightning = (n: LightningNode) => n.listChannels().reduce((s, c) => s + c.balanceMsat, 0n);

test('the forwarding node crashes (its last writes lost) with payments crossing it, and restarts from what reached the disk', async () => {
  const net = testNet();
  try {
    const a = await net.add('a');
    let b = await net.add('b', {}, { crashable: true });
    const c = await net.add('c');
    for (const n of [a, b]) net.chain.fund(n.walletScript(), 5_000_000n);
    await net.mine(1);
    for (const [x, y] of [[a, b], [b, c]] as const) {
      await x.connect(y.nodeId, '127.0.0.1', portOf(y));
      await x.openChannel(y.nodeId, 2_000_000n, { announce: true });
    }
    await net.mine(6);
    await until(() => graphComplete(a, 2) && [a, c].every((n) => n.listChannels()[0]?.isUsable), 'line ready');
    const before = [a, b, c].map(lightning);
    const results: Promise<PaymentResult>[] = [];
    for (let i = 0; i < 6; i++) results.push(a.payInvoice(c.createInvoice(BigInt(150_000 + i) * 1000n, `x${i}`).invoice));
    await until(() => b.cm.allChannels().some((ch) => ch.s.htlcs.length > 0), 'an HTLC reaches b');
    const store = net.crashStore(b);
    store.crash();
    await b.kill();
    b = await net.restart(b);
    const done = await Promise.all(results);
    await until(() => [a, b, c].every((n) => n.cm.allChannels().every((ch) => ch.s.htlcs.length === 0)), 'no HTLC in flight', 20_000);
    const ok = done.filter((r) => r.status === 'succeeded');
    const sent = ok.reduce((s, r) => s + r.amountMsat, 0n);
    const fees = ok.reduce((s, r) => s + r.feeMsat, 0n);
    assert.ok(ok.length >= 1, 'payments went through after the restart');
    assert.is(b.staleChannelsForceClosed.length, 0, 'the stored manager was never older than the monitors');
    assert.ok([a, b, c].every((n) => n.listChannels().every((ch) => ch.isUsable)), 'no channel closed');
    assert.is(lightning(a), before[0]! - sent - fees);
    assert.is(lightning(c), before[2]! + sent);
    assert.is(lightning(b), before[1]! + fees);
  } finally {
    await net.close();
  }
});

test('the payer crashes with payments in flight; after its restart every record resolves and matches what the payee got', async () => {
  const net = testNet();
  try {
    let a = await net.add('a', {}, { crashable: true });
    const b = await net.add('b');
    const c = await net.add('c');
    for (const n of [a, b]) net.chain.fund(n.walletScript(), 5_000_000n);
    await net.mine(1);
    for (const [x, y] of [[a, b], [b, c]] as const) {
      await x.connect(y.nodeId, '127.0.0.1', portOf(y));
      await x.openChannel(y.nodeId, 2_000_000n, { announce: true });
    }
    await net.mine(6);
    await until(() => graphComplete(a, 2) && [a, c].every((n) => n.listChannels()[0]?.isUsable), 'line ready');
    const cBefore = lightning(c);
    for (let i = 0; i < 5; i++) void a.payInvoice(c.createInvoice(BigInt(100_000 + i) * 1000n, `y${i}`).invoice);
    await until(() => b.cm.allChannels().some((ch) => ch.s.htlcs.length > 0), 'an HTLC reaches b');
    net.crashStore(a).crash();
    await a.kill();
    a = await net.restart(a);
    await until(() => a.listPayments().filter((p) => p.direction === 'outbound').every((p) => p.status !== 'pending'), 'every outbound record resolved', 20_000);
    await until(() => [a, b, c].every((n) => n.cm.allChannels().every((ch) => ch.s.htlcs.length === 0)), 'no HTLC in flight', 20_000);
    const succeeded = a.listPayments().filter((p) => p.direction === 'outbound' && p.status === 'succeeded');
    assert.is(lightning(c) - cBefore, succeeded.reduce((s, p) => s + p.amountMsat, 0n), "c got exactly what a's records call succeeded");
    assert.is(a.staleChannelsForceClosed.length, 0);
  } finally {
    await net.close();
  }
});

test.run();
