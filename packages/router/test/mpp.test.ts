import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProbabilisticScorer, RouteError, Router, RoutingGraph, findMultiPathRoute, type ChannelView, type DirectionPolicy } from '@ln/router';

const id = (c: string) => Uint8Array.from([2, ...new Array(31).fill(0), c.charCodeAt(0)]);
const pol = (base: number): DirectionPolicy => ({ feeBaseMsat: base, feeProportionalMillionths: 100, cltvExpiryDelta: 10, htlcMinimumMsat: 0n, htlcMaximumMsat: 10_000_000_000_000n });
let scid = 100n;
const ch = (a: string, b: string, capacitySat: bigint, base = 0): ChannelView => {
  const [n1, n2, p1, p2] = a < b ? [a, b, pol(base), undefined] : [b, a, undefined, pol(base)];
  return { scid: scid++, node1: id(n1), node2: id(n2), capacitySat, policies: [p1, p2] };
};
const routerOf = (chs: ChannelView[]) => new Router(RoutingGraph.fromView({ forEachChannel: (f) => chs.forEach(f) }));
const sum = (m: { paths: readonly { hops: readonly { amountMsat: bigint }[] }[] }) => m.paths.reduce((a, r) => a + r.hops[r.hops.length - 1]!.amountMsat, 0n);

test('no single path carries the amount: two parts over two paths sum exactly to it', () => {
  const router = routerOf([ch('S', 'A', 60_000n), ch('A', 'T', 60_000n, 5), ch('S', 'B', 60_000n), ch('B', 'T', 60_000n, 7)]);
  const amount = 100_000_000n;
  assert.throws(() => router.findRoute({ payer: id('S'), payee: id('T'), amountMsat: amount }), (e: unknown) => e instanceof RouteError);
  const m = findMultiPathRoute(router, { payer: id('S'), payee: id('T'), amountMsat: amount });
  assert.is(m.paths.length, 2);
  assert.is(sum(m), amount);
  assert.is(new Set(m.paths.map((r) => r.hops[1]!.shortChannelId)).size, 2, 'different last channels');
  for (const r of m.paths) assert.ok(r.hops.every((h) => h.amountMsat <= 60_000_000n), 'each part fits its channels');
  assert.is(m.totalFeeMsat, m.paths.reduce((a, r) => a + r.totalFeeMsat, 0n));
});

test('parallel channels between the same nodes: later parts see the liquidity earlier parts took', () => {
  const router = routerOf([ch('S', 'A', 1_000_000n), ch('A', 'T', 40_000n), ch('A', 'T', 40_000n), ch('A', 'T', 40_000n)]);
  const m = findMultiPathRoute(router, { payer: id('S'), payee: id('T'), amountMsat: 100_000_000n });
  assert.is(sum(m), 100_000_000n);
  const lastHops = m.paths.map((r) => r.hops[1]!);
  const perChannel = new Map<bigint, bigint>();
  for (const h of lastHops) perChannel.set(h.shortChannelId, (perChannel.get(h.shortChannelId) ?? 0n) + h.amountMsat);
  for (const v of perChannel.values()) assert.ok(v <= 40_000_000n, 'no channel carries more than its capacity across parts');
  assert.ok(perChannel.size >= 3);
});

test('the cap on the number of parts is honoured', () => {
  const router = routerOf([ch('S', 'A', 1_000_000n), ch('A', 'T', 30_000n), ch('A', 'T', 30_000n), ch('A', 'T', 30_000n), ch('A', 'T', 30_000n)]);
  const p = { payer: id('S'), payee: id('T'), amountMsat: 100_000_000n };
  assert.throws(() => findMultiPathRoute(router, p, { maxParts: 2 }), (e: unknown) => e instanceof RouteError && e.code === 'no_route');
  const m = findMultiPathRoute(router, p, { maxParts: 8 });
  assert.ok(m.paths.length >= 4 && m.paths.length <= 8);
  assert.is(sum(m), 100_000_000n);
});

test('with the probabilistic scorer, an unlikely single path is split when halves are likelier', () => {
  const router = routerOf([ch('S', 'A', 1_000_000n), ch('A', 'T', 1_000_000n), ch('S', 'B', 1_000_000n), ch('B', 'T', 1_000_000n)]);
  const scorer = new ProbabilisticScorer();
  const p = { payer: id('S'), payee: id('T'), amountMsat: 900_000_000n, scorer };
  const m = findMultiPathRoute(router, p);
  assert.is(m.paths.length, 2);
  assert.is(sum(m), 900_000_000n);
  const small = findMultiPathRoute(router, { ...p, amountMsat: 10_000_000n });
  assert.is(small.paths.length, 1, 'a likely single path is kept');
});

test.run();
