import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProbabilisticScorer, RouteError, Router, RoutingGraph, findMultiPathRoute, offersBasicMpp, usedLiquidityKey, type ChannelView, type DirectionPolicy } from '@ln/router';

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

test('the widest path: its bottleneck, after exclusions and liquidity other parts took; the ends bound it', () => {
  const router = routerOf([ch('S', 'A', 500_000n), ch('A', 'T', 70_000n), ch('S', 'B', 90_000n), ch('B', 'T', 200_000n), ch('S', 'C', 40_000n), ch('C', 'T', 40_000n)]);
  const p = { payer: id('S'), payee: id('T'), amountMsat: 1n };
  assert.is(router.maxPathCapacityMsat(p), 90_000_000, 'S-B-T: its narrowest channel is 90,000 sat');
  assert.is(router.maxPathCapacityMsat({ ...p, excludedNodes: [id('B')] }), 70_000_000);
  const sb = router.findRoute({ ...p, amountMsat: 1_000n, excludedNodes: [id('A'), id('C')] }).hops[0]!;
  const used = new Map([[usedLiquidityKey(sb.shortChannelId, sb.direction), 30_000_000]]);
  assert.is(router.maxPathCapacityMsat({ ...p, usedLiquidityMsat: used }), 70_000_000, 'with 30,000 sat of S-B taken, S-A-T is wider');
  assert.is(router.maxPathCapacityMsat({ ...p, payee: id('Z') }), 0, 'unknown payee: nothing reaches it');
  // The widest channels at the ends: 200k sat into T (B-T), 500k sat out of S (S-A); without B, 70k into T.
  assert.is(router.endsCapacityMsat(p), 200_000_000);
  assert.is(router.endsCapacityMsat({ ...p, excludedNodes: [id('B')] }), 70_000_000);
  assert.ok(router.endsCapacityMsat(p) >= router.maxPathCapacityMsat(p), 'an upper bound of the widest path');
  // The payee receives at most 70k + 200k + 40k sat; the payer sends at most 500k + 90k + 40k.
  assert.is(router.capacityBoundMsat(p), 310_000_000);
  assert.is(router.capacityBoundMsat({ ...p, usedLiquidityMsat: used }), 310_000_000, 'payer side is not reduced, payee side untouched');
  assert.is(router.capacityBoundMsat({ ...p, excludedChannels: [sb.shortChannelId] }), 310_000_000);
  assert.is(router.capacityBoundMsat({ ...p, firstHops: [{ shortChannelId: 999n, counterparty: id('A'), outboundCapacityMsat: 5_000_000n }] }), 5_000_000, 'first hops bound what the payer sends');
});

test('an amount over what the payee can receive is refused without a search; a split over all three paths', () => {
  const router = routerOf([ch('S', 'A', 500_000n), ch('A', 'T', 70_000n), ch('S', 'B', 90_000n), ch('B', 'T', 200_000n), ch('S', 'C', 40_000n), ch('C', 'T', 40_000n)]);
  const p = { payer: id('S'), payee: id('T'), amountMsat: 310_000_001n };
  assert.throws(() => findMultiPathRoute(router, p), (e: unknown) => e instanceof RouteError && e.code === 'no_route' && /at most 310000000 msat/.test(e.message));
  // 190k sat: no single path (widest 90k) — the parts use S-B-T, S-A-T and S-C-T.
  const m = findMultiPathRoute(router, { ...p, amountMsat: 190_000_000n }, { maxParts: 8 });
  assert.is(sum(m), 190_000_000n);
  const perChannel = new Map<bigint, bigint>();
  for (const r of m.paths) for (const h of r.hops) perChannel.set(h.shortChannelId, (perChannel.get(h.shortChannelId) ?? 0n) + h.amountMsat);
  for (const r of m.paths) for (const h of r.hops) assert.ok(perChannel.get(h.shortChannelId)! <= h.capacityMsat, `channel ${h.shortChannelId} carries no more than it can`);
  assert.throws(() => findMultiPathRoute(router, { ...p, amountMsat: 195_000_000n }, { maxParts: 2 }), (e: unknown) => e instanceof RouteError && e.code === 'no_route', 'two parts of at most 90k sat cannot carry 195k');
});

test('payee features without basic_mpp: one path only (BOLT 4), with it the payment is split', () => {
  const router = routerOf([ch('S', 'A', 60_000n), ch('A', 'T', 60_000n, 5), ch('S', 'B', 60_000n), ch('B', 'T', 60_000n, 7)]);
  const p = { payer: id('S'), payee: id('T'), amountMsat: 100_000_000n };
  const noMpp = Uint8Array.from([0x40, 0x00]); // var_onion_optin (bit 14) only
  const mpp = Uint8Array.from([0x02, 0x00, 0x00]); // basic_mpp optional (bit 17)
  assert.ok(!offersBasicMpp(noMpp) && offersBasicMpp(mpp) && offersBasicMpp(Uint8Array.from([1, 0, 0])));
  assert.throws(() => findMultiPathRoute(router, { ...p, payeeFeatures: noMpp }), (e: unknown) => e instanceof RouteError && /basic_mpp/.test(e.message));
  assert.is(findMultiPathRoute(router, { ...p, payeeFeatures: mpp }).paths.length, 2);
});

test('used liquidity of a first hop and of the graph channel with the next scid are kept apart', () => {
  // Graph channel A-T has scid 501; the payer's first hop to A has scid 500 (keys 500×4+2 and 501×4+d never meet).
  const at: ChannelView = { scid: 501n, node1: id('A'), node2: id('T'), capacitySat: 100_000n, policies: [pol(0), undefined] };
  const router = routerOf([at]);
  const first = [{ shortChannelId: 500n, counterparty: id('A'), outboundCapacityMsat: 80_000_000n }];
  const m = findMultiPathRoute(router, { payer: id('S'), payee: id('T'), amountMsat: 75_000_000n, firstHops: first }, { maxParts: 4 });
  assert.is(sum(m), 75_000_000n);
  const firstHopTotal = m.paths.reduce((a, r) => a + r.hops[0]!.amountMsat, 0n);
  assert.ok(firstHopTotal <= 80_000_000n, 'the first hop carries no more than its outbound capacity');
});

test('splitting when it is cheaper: a cheap channel too small for the whole amount carries what it can, the dear one the rest', () => {
  const P = (ppm: number): DirectionPolicy => ({ feeBaseMsat: 0, feeProportionalMillionths: ppm, cltvExpiryDelta: 10, htlcMinimumMsat: 0n, htlcMaximumMsat: 10_000_000_000_000n });
  const one = (a: string, b: string, capacitySat: bigint, ppm: number): ChannelView => {
    const [n1, n2, p1, p2] = a < b ? [a, b, P(ppm), undefined] : [b, a, undefined, P(ppm)];
    return { scid: scid++, node1: id(n1), node2: id(n2), capacitySat, policies: [p1, p2] };
  };
  // A-T: 100 ppm but only 60,000 sat; B-T: 5,000 ppm, 1M sat.
  const chs = [one('S', 'A', 1_000_000n, 0), one('A', 'T', 60_000n, 100), one('S', 'B', 1_000_000n, 0), one('B', 'T', 1_000_000n, 5000)];
  const router = routerOf(chs);
  const p = { payer: id('S'), payee: id('T'), amountMsat: 100_000_000n };
  const single = router.findRoute(p);
  assert.is(single.hops[0]!.nodeId[32], 'B'.charCodeAt(0));
  assert.is(single.totalFeeMsat, 500_000n, 'one path: all over B at 5,000 ppm');
  assert.ok(router.lastCapacityLimited, 'A-T was turned away for capacity');
  const m = findMultiPathRoute(router, p);
  assert.is(m.paths.length, 2);
  assert.is(sum(m), 100_000_000n);
  // Half (50M) goes over A, which could carry 1.2x that: 59.4M (1% left) over A, 40.6M over B.
  assert.equal(m.paths.map((r) => r.hops[1]!.amountMsat), [59_400_000n, 40_600_000n]);
  assert.equal(m.paths.map((r) => r.hops[0]!.nodeId[32]), ['A'.charCodeAt(0), 'B'.charCodeAt(0)]);
  assert.is(m.totalFeeMsat, 5_940n + 203_000n, 'cheaper than 500,000 for the single path');
  assert.is(findMultiPathRoute(router, p, { splitWhenCheaper: false }).paths.length, 1, 'off: the single path');
  assert.is(findMultiPathRoute(router, { ...p, amountMsat: 50_000_000n }).paths.length, 1, 'when A-T carries it all, one path');
  // No channel too small: fees are affine in the amount, a split is never cheaper, none is tried.
  const wide = routerOf([one('S', 'A', 1_000_000n, 0), one('A', 'T', 1_000_000n, 100), one('S', 'B', 1_000_000n, 0), one('B', 'T', 1_000_000n, 5000)]);
  const w = findMultiPathRoute(wide, p);
  assert.is(w.paths.length, 1);
  assert.is(w.totalFeeMsat, 10_000n);
  assert.ok(!wide.lastCapacityLimited);
});

test.run();
