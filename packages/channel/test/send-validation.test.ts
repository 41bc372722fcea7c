/**
 * sendPayment / sendPaymentAlongPaths refuse paths whose hops do not fit the wire types
 * (BOLT 2 `update_add_htlc`, BOLT 4 hop payloads) with `PaymentSendError('invalid_path')`,
 * before anything is registered or sent (bugs-channel.md "8.", issue-7 test engineer).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PaymentSendError, type PaymentHop, type PaymentPath } from '../src/index.js';
import { Harness } from './support/harness.js';
import { claimAll, eventsOf, pid, route, settle } from './support/pay.js';

const invalidPath = (e: unknown) => e instanceof PaymentSendError && e.code === 'invalid_path';

test('bug 8: an out-of-range cltvExpiry is invalid_path and leaves the payment id free', () => {
  const h = new Harness();
  const a = h.addNode('alice'), b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n);
  const inv = b.cm.createInboundPayment(5_000_000n, 3600);
  const p = route(h, [a, b], 5_000_000n);
  assert.throws(() => a.cm.sendPayment([{ hops: [{ ...p.hops[0]!, cltvExpiry: -5 }] }], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(1)), invalidPath);
  assert.is(a.cm.listPendingPayments().length, 0);
  a.cm.sendPayment([p], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(1));
  settle(h);
  claimAll(h, b);
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length, 1);
});

test('every hop field outside its wire type is refused before anything is registered or sent', () => {
  const h = new Harness();
  const [a, b, c] = ['alice', 'bob', 'carol'].map((n) => h.addNode(n)) as [ReturnType<Harness['addNode']>, ReturnType<Harness['addNode']>, ReturnType<Harness['addNode']>];
  h.openChannel(a, b, 1_000_000n);
  h.openChannel(b, c, 1_000_000n);
  const inv = c.cm.createInboundPayment(5_000_000n, 3600);
  const good = route(h, [a, b, c], 5_000_000n);
  const withHop = (i: number, change: Partial<PaymentHop>): PaymentPath => ({ hops: good.hops.map((x, k) => (k === i ? { ...x, ...change } : x)) });
  const bad: [string, PaymentPath][] = [
    ['negative final expiry', withHop(1, { cltvExpiry: -1 })],
    ['final expiry 2^32', withHop(1, { cltvExpiry: 2 ** 32 })],
    ['fractional expiry', withHop(1, { cltvExpiry: good.hops[1]!.cltvExpiry - 0.5 })],
    ['NaN expiry', withHop(1, { cltvExpiry: Number.NaN })],
    ['first hop expiry 2^32 (update_add_htlc u32)', withHop(0, { cltvExpiry: 2 ** 32 })],
    ['zero final amount', withHop(1, { amountMsat: 0n })],
    ['negative final amount', withHop(1, { amountMsat: -1n })],
    ['first hop amount 2^64', { hops: [{ ...good.hops[0]!, amountMsat: 1n << 64n }, { ...good.hops[1]!, amountMsat: (1n << 64n) - 1n }] }],
    ['negative short_channel_id', withHop(1, { shortChannelId: -1n })],
    ['short_channel_id 2^64', withHop(1, { shortChannelId: 1n << 64n })],
    ['short node id', withHop(1, { nodeId: new Uint8Array(32) })],
    ['uncompressed-prefix node id', withHop(1, { nodeId: Uint8Array.of(4, ...new Uint8Array(32)) })],
    ['no hops', { hops: [] }],
  ];
  const sentBefore = h.log.filter((l) => l[2] === 'update_add_htlc').length;
  for (const [what, path] of bad) {
    assert.throws(() => a.cm.sendPayment([path], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(7)), invalidPath, what);
    assert.is(a.cm.listPendingPayments().length, 0, what);
    // A good path plus a bad one: nothing at all is sent (all-or-nothing).
    assert.throws(() => a.cm.sendPayment([good, path], inv.paymentHash, { paymentSecret: inv.paymentSecret, totalMsat: 10_000_000n }, pid(7)), invalidPath, `${what} (second path)`);
    assert.is(a.cm.listPendingPayments().length, 0, `${what} (second path)`);
  }
  assert.throws(() => a.cm.sendPayment([good], inv.paymentHash, { paymentSecret: inv.paymentSecret, totalMsat: 1n << 64n }, pid(7)), invalidPath, 'total_msat 2^64');
  assert.throws(() => a.cm.sendPayment([good], new Uint8Array(31), { paymentSecret: inv.paymentSecret }, pid(7)), invalidPath, 'short payment hash');
  assert.is(a.cm.listPendingPayments().length, 0);
  h.pump();
  assert.is(h.log.filter((l) => l[2] === 'update_add_htlc').length, sentBefore, 'nothing was sent');
  // The id was never taken: the good path pays.
  a.cm.sendPayment([good], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(7));
  settle(h);
  claimAll(h, c);
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length, 1);
});

test('a path whose onion cannot be built (payloads over 1300 bytes) is invalid_path and registers nothing', () => {
  const h = new Harness();
  const a = h.addNode('alice'), b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n);
  const inv = b.cm.createInboundPayment(5_000_000n, 3600);
  const p = route(h, [a, b], 5_000_000n);
  const fields = { paymentSecret: inv.paymentSecret, paymentMetadata: new Uint8Array(1400) };
  assert.throws(() => a.cm.sendPayment([p], inv.paymentHash, fields, pid(3)), invalidPath);
  assert.is(a.cm.listPendingPayments().length, 0);
  a.cm.sendPayment([p], inv.paymentHash, { paymentSecret: inv.paymentSecret }, pid(3));
  assert.is(a.cm.listPendingPayments().length, 1);
});

test('sendPaymentAlongPaths: a bad retry path is invalid_path and leaves the pending payment as it was', () => {
  const h = new Harness();
  const a = h.addNode('alice'), b = h.addNode('bob');
  h.openChannel(a, b, 1_000_000n);
  const inv = b.cm.createInboundPayment(10_000_000n, 3600);
  const p = route(h, [a, b], 5_000_000n);
  a.cm.sendPayment([p], inv.paymentHash, { paymentSecret: inv.paymentSecret, totalMsat: 10_000_000n }, pid(4));
  settle(h);
  const partsBefore = a.cm.listPendingPayments()[0]!.parts.length;
  assert.throws(() => a.cm.sendPaymentAlongPaths(pid(4), [{ hops: [{ ...p.hops[0]!, cltvExpiry: -5 }] }]), invalidPath);
  assert.is(a.cm.listPendingPayments()[0]!.parts.length, partsBefore);
  a.cm.sendPaymentAlongPaths(pid(4), [p]);
  settle(h);
  claimAll(h, b);
  settle(h);
  assert.is(eventsOf(h, a, 'PaymentSent').length, 1);
});

test.run();
