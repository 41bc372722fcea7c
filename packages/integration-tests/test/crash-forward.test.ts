/**
 * The forwarding node of A→B→C killed at each write of its store in turn while it forwards a
 * payment (restarted from what survived, its pending forwards and monitors restored): the
 * payment ends exactly once — sent (C paid, B earns its fee) or failed (nobody's balance moves) —
 * and no channel is force-closed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '@ln/crypto';
import { claimAll, CrashableStore, Network, sendPayment, type HarnessNode } from '../src/index.js';

const AMOUNT = 25_000_000n;

function balanceWith(n: HarnessNode, peer: HarnessNode): bigint {
  return n.cm.listChannels().find((c) => equalBytes(c.counterpartyNodeId, peer.nodeId))!.balanceMsat;
}

async function run(k: number): Promise<{ crashed: boolean; outcome: 'sent' | 'failed' }> {
  const net = new Network();
  const [a, b, c] = [await net.addNode('alice'), await net.addNode('bob'), await net.addNode('carol')];
  await net.openChannel(a, b, 1_000_000n, 0n);
  await net.openChannel(b, c, 1_000_000n, 0n);
  const before = { a: balanceWith(a, b), c: balanceWith(c, b), b: balanceWith(b, a) + balanceWith(b, c) };
  (b.store as CrashableStore).crashAtWrite(k);
  let crashed = false;
  const heal = async () => {
    if (!b.dead) return;
    crashed = true;
    const report = await net.restart(b);
    if (process.env.LN_TEST_VERBOSE) console.log('      after restart: forwards', (b.cm as unknown as { payments: { in: { forwards: unknown[] } } }).payments?.in?.forwards?.length, 'events', b.events.map((e) => e.type), report);
    assert.equal(report.mismatches, [], `crash at ${k}: monitors and manager agree after the restart`);
    net.connect(a, b);
    net.connect(b, c);
    await net.settle();
  };
  const p = sendPayment(net, [a, b, c], AMOUNT, 40);
  const fee = p.path.hops[0]!.amountMsat - AMOUNT;
  for (let i = 0; i < 6; i++) {
    await net.settle();
    await heal();
    claimAll(net, c);
  }
  await net.settle();
  if (process.env.LN_TEST_VERBOSE) {
    console.log(`      crash at ${k}:`, net.log.map((l) => `${l[0][0]}>${l[1][0]}:${l[2]}`).join(' '));
    for (const n of [a, b, c]) { n.drainEvents(); console.log('      ', n.name, n.events.map((e) => e.type).join(','), n.cm.allChannels().map((ch) => ch.s.htlcs.map((h) => `${h.outbound ? 'out' : 'in'}${h.id}:${h.removal?.kind ?? '-'}`).join('/')).join(' | ')); }
  }
  const sent = net.takeEvents(a, 'PaymentSent');
  const failed = net.takeEvents(a, 'PaymentPathFailed');
  assert.is(sent.length + failed.length, 1, `crash at ${k}: the payment ends exactly once (sent ${sent.length}, failed ${failed.length})`);
  for (const n of [a, b, c]) {
    const closed = net.takeEvents(n, 'ChannelClosed');
    assert.equal(closed.map((e) => e.reason.type), [], `crash at ${k}: ${n.name} closed nothing`);
    assert.is(n.cm.listUsableChannels().length, n === b ? 2 : 1, `crash at ${k}: ${n.name}'s channels are usable`);
  }
  if (sent.length) {
    assert.is(balanceWith(a, b), before.a - AMOUNT - fee);
    assert.is(balanceWith(c, b), before.c + AMOUNT, 'carol paid');
    assert.is(balanceWith(b, a) + balanceWith(b, c), before.b + fee, 'bob earned his fee');
  } else {
    a.cm.abandonPayment(p.paymentId);
    await net.settle();
    net.takeEvents(a, 'PaymentFailed');
    assert.is(balanceWith(a, b), before.a, 'alice keeps her money');
    assert.is(balanceWith(c, b), before.c);
    assert.is(balanceWith(b, a) + balanceWith(b, c), before.b);
  }
  for (const n of [a, b, c]) for (const t of ['PaymentPathSuccessful', 'PaymentClaimed', 'PaymentForwarded', 'HTLCHandlingFailed', 'PaymentClaimable', 'ChannelReady', 'ChannelPending'] as const) net.takeEvents(n, t);
  await net.teardown();
  return { crashed, outcome: sent.length ? 'sent' : 'failed' };
}

test('bob (forwarding A→B→C) killed at each write of his store in turn: the payment ends exactly once, balances agree, nothing force-closed', async () => {
  const seen = { sent: 0, failed: 0 };
  const only = process.env.LN_CRASH_ONLY ? Number(process.env.LN_CRASH_ONLY) : undefined;
  let k = only ?? 1;
  for (; k <= (only ?? 99); k++) {
    const r = await run(k);
    if (!r.crashed) break;
    seen[r.outcome]++;
  }
  assert.ok(only !== undefined || k > 5, `${k - 1} crash points`);
  console.log(`    bob: ${k - 1} crash points while forwarding; payment sent ${seen.sent}, failed ${seen.failed}`);
});

test.run();
