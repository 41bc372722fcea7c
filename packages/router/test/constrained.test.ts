import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { RouteError, Router, RoutingGraph, forwardingFeeMsat, type ChannelView, type DirectionPolicy, type RouteParams } from '@ln/router';

/** Node ids are 33 bytes; the label's char code makes them distinct and orderable. */
const id = (c: string) => Uint8Array.from([2, ...new Array(31).fill(0), c.charCodeAt(0)]);
const pol = (base: number, ppm: number, cltv: number, min = 0n, max = 10_000_000_000n): DirectionPolicy => ({ feeBaseMsat: base, feeProportionalMillionths: ppm, cltvExpiryDelta: cltv, htlcMinimumMsat: min, htlcMaximumMsat: max });
let nextScid = 1n;
/** A one-way channel a→b with a's policy. */
function ch(a: string, b: string, ab: DirectionPolicy, capacitySat = 10_000_000n): ChannelView {
  const [n1, n2, p1, p2] = a < b ? [a, b, ab, undefined] : [b, a, undefined, ab];
  return { scid: nextScid++, node1: id(n1), node2: id(n2), capacitySat, policies: [p1, p2] };
}
const routerOf = (chs: ChannelView[]) => new Router(RoutingGraph.fromView({ forEachChannel: (f) => chs.forEach(f) }));
const path = (r: { hops: readonly { nodeId: Uint8Array }[] }) => r.hops.map((h) => String.fromCharCode(h.nodeId[32]!)).join('');
const isNoRoute = (e: unknown) => e instanceof RouteError && e.code === 'no_route';

test('CLTV cap (audit graph): the cheap S-M-X-T breaks 1008, the dearer S-M-X-Y-T (538) is found and is the cheapest that fits', () => {
  const chs = [
    ch('S', 'M', pol(0, 0, 10)),
    ch('M', 'X', pol(0, 0, 480)),
    ch('X', 'T', pol(0, 0, 520)),
    ch('X', 'Y', pol(1000, 0, 20)),
    ch('Y', 'T', pol(1000, 0, 20)),
    // A feasible but dearer way: S-Z-T, 5,000 msat.
    ch('S', 'Z', pol(0, 0, 10)),
    ch('Z', 'T', pol(5000, 0, 40)),
  ];
  const router = routerOf(chs);
  const p = { payer: id('S'), payee: id('T'), amountMsat: 100_000n, finalCltvExpiryDelta: 18 };
  const r = router.findRoute(p);
  assert.is(path(r), 'MXYT');
  assert.is(router.lastSearch, 'labels', 'the label search answered');
  assert.is(r.totalCltvExpiryDelta, 18 + 20 + 20 + 480);
  assert.is(r.totalFeeMsat, 2000n);
  assert.equal(r.hops.map((h) => h.amountMsat), [102_000n, 102_000n, 101_000n, 100_000n]);
  assert.equal(r.hops.map((h) => h.cltvExpiry), [538, 58, 38, 18]);
  // With room for it, the cheap path itself (total 1018) is taken, by the plain search alone.
  const loose = router.findRoute({ ...p, maxTotalCltvExpiryDelta: 1018 });
  assert.is(path(loose), 'MXT');
  assert.is(loose.totalFeeMsat, 0n);
  assert.is(router.lastSearch, 'dijkstra');
  // Under a cap of 100 only S-Z-T fits (58); under 57 nothing does.
  assert.is(path(router.findRoute({ ...p, maxTotalCltvExpiryDelta: 100 })), 'ZT');
  assert.throws(() => router.findRoute({ ...p, maxTotalCltvExpiryDelta: 57 }), isNoRoute);
});

test('maximum path length (audit graph): the free 5-hop S-M-A-B-C-T is too long for 4, S-M-Y-T (10,000 msat) is found', () => {
  const chs = [
    ch('S', 'M', pol(0, 0, 10)),
    ch('M', 'A', pol(0, 0, 10)),
    ch('A', 'B', pol(0, 0, 10)),
    ch('B', 'C', pol(0, 0, 10)),
    ch('C', 'T', pol(0, 0, 10)),
    ch('M', 'Y', pol(5000, 0, 10)),
    ch('Y', 'T', pol(5000, 0, 10)),
    // Dearer and shorter still: S-W-T, 20,000 msat.
    ch('S', 'W', pol(0, 0, 10)),
    ch('W', 'T', pol(20_000, 0, 10)),
  ];
  const router = routerOf(chs);
  const p = { payer: id('S'), payee: id('T'), amountMsat: 1_000_000n };
  const free = router.findRoute(p);
  assert.is(path(free), 'MABCT');
  assert.is(free.totalFeeMsat, 0n);
  const four = router.findRoute({ ...p, maxPathLength: 4 });
  assert.is(path(four), 'MYT');
  assert.is(four.totalFeeMsat, 10_000n);
  assert.equal(four.hops.map((h) => h.feeMsat), [5000n, 5000n, 0n]);
  assert.is(router.lastSearch, 'labels');
  assert.is(path(router.findRoute({ ...p, maxPathLength: 3 })), 'MYT');
  assert.is(path(router.findRoute({ ...p, maxPathLength: 2 })), 'WT');
  assert.throws(() => router.findRoute({ ...p, maxPathLength: 1 }), isNoRoute);
});

test('a found route that is not the cheapest within the limits is improved: the label search beats the first answer', () => {
  // The single-label search reaches S through Z (9,000) because M's only label (via X-T, cltv
  // 1000) cannot be extended; the label search keeps M's second label (via X-Y-T) and finds 2,000.
  const chs = [
    ch('S', 'M', pol(0, 0, 10)),
    ch('M', 'X', pol(0, 0, 480)),
    ch('X', 'T', pol(0, 0, 520)),
    ch('X', 'Y', pol(1000, 0, 20)),
    ch('Y', 'T', pol(1000, 0, 20)),
    ch('S', 'Z', pol(0, 0, 10)),
    ch('Z', 'T', pol(9000, 0, 40)),
  ];
  const r = routerOf(chs).findRoute({ payer: id('S'), payee: id('T'), amountMsat: 100_000n });
  assert.is(path(r), 'MXYT');
  assert.is(r.totalFeeMsat, 2000n);
});

test('fee budget with a scorer: the fee-cheap path hidden behind a scorer-cheap one is found within the budget', () => {
  // At M, the scorer prefers M-B-T (fee 9,000) to M-A-T (fee 3,000, heavily penalised); with a
  // budget of 5,000, only M-A-T fits.
  const chs = [ch('S', 'M', pol(0, 0, 10)), ch('M', 'A', pol(0, 0, 10)), ch('A', 'T', pol(3000, 0, 10)), ch('M', 'B', pol(0, 0, 10)), ch('B', 'T', pol(9000, 0, 10))];
  const at = chs[2]!.scid;
  const scorer = { channelPenaltyMsat: (scid: bigint) => (scid === at ? 50_000 : 0), paymentPathFailed() {}, paymentPathSuccessful() {} };
  const router = routerOf(chs);
  const p = { payer: id('S'), payee: id('T'), amountMsat: 1_000_000n, scorer };
  assert.is(path(router.findRoute(p)), 'MBT');
  const r = router.findRoute({ ...p, maxFeeMsat: 5000n });
  assert.is(path(r), 'MAT');
  assert.is(r.totalFeeMsat, 3000n);
  assert.throws(() => router.findRoute({ ...p, maxFeeMsat: 2999n }), isNoRoute);
});

/** Every simple path from payer to payee, its exact fee and CLTV: the reference the router must match. */
function bruteForce(chs: ChannelView[], p: { payer: string; payee: string; amount: bigint; maxCltv: number; maxLen: number; maxFee?: bigint }): bigint | undefined {
  const out = new Map<string, { to: string; pol: DirectionPolicy; cap: bigint }[]>();
  for (const c of chs) {
    const n1 = String.fromCharCode(c.node1[32]!);
    const n2 = String.fromCharCode(c.node2[32]!);
    const cap = (c.capacitySat ?? 10n ** 12n) * 1000n;
    if (c.policies[0]) (out.get(n1) ?? out.set(n1, []).get(n1)!).push({ to: n2, pol: c.policies[0], cap });
    if (c.policies[1]) (out.get(n2) ?? out.set(n2, []).get(n2)!).push({ to: n1, pol: c.policies[1], cap });
  }
  let best: bigint | undefined;
  const walk = (node: string, seen: Set<string>, hops: { pol: DirectionPolicy; cap: bigint }[]) => {
    if (node === p.payee) {
      // Amounts and CLTV from the payee back: hop i's HTLC carries what hop i+1 needs plus the fee of hop i+1's sender.
      let amount = p.amount;
      let cltv = 18;
      for (let i = hops.length - 1; i >= 0; i--) {
        const h = hops[i]!;
        if (i < hops.length - 1) {
          const nx = hops[i + 1]!.pol;
          amount += BigInt(nx.feeBaseMsat) + (amount * BigInt(nx.feeProportionalMillionths)) / 1_000_000n;
          cltv += nx.cltvExpiryDelta;
        }
        if (amount < h.pol.htlcMinimumMsat || amount > h.pol.htlcMaximumMsat || amount > h.cap) return;
      }
      const fee = amount - p.amount;
      if (cltv > p.maxCltv || (p.maxFee !== undefined && fee > p.maxFee)) return;
      if (best === undefined || fee < best) best = fee;
      return;
    }
    if (hops.length >= p.maxLen) return;
    for (const e of out.get(node) ?? []) {
      if (seen.has(e.to) || e.to === p.payer) continue;
      seen.add(e.to);
      walk(e.to, seen, [...hops, { pol: e.pol, cap: e.cap }]);
      seen.delete(e.to);
    }
  };
  walk(p.payer, new Set([p.payer]), []);
  return best;
}

test('property: on random small graphs the router finds exactly the cheapest route within the CLTV cap, path length and fee budget (brute force)', () => {
  const names = 'ABCDEFG';
  const edge = fc.record({
    a: fc.integer({ min: 0, max: 6 }),
    b: fc.integer({ min: 0, max: 6 }),
    base: fc.integer({ min: 0, max: 3000 }),
    ppm: fc.integer({ min: 0, max: 5000 }),
    cltv: fc.integer({ min: 0, max: 300 }),
    max: fc.constantFrom(2_000_000n, 10_000_000n),
  });
  let labelled = 0;
  fc.assert(
    fc.property(fc.array(edge, { minLength: 4, maxLength: 20 }), fc.integer({ min: 100, max: 900 }), fc.integer({ min: 1, max: 6 }), fc.option(fc.integer({ min: 0, max: 8000 })), (es, maxCltv, maxLen, maxFee) => {
      const chs = es.filter((e) => e.a !== e.b).map((e) => ch(names[e.a]!, names[e.b]!, pol(e.base, e.ppm, e.cltv, 0n, e.max)));
      if (!chs.length) return;
      const router = routerOf(chs);
      const amount = 1_000_000n;
      const want = bruteForce(chs, { payer: 'A', payee: 'G', amount, maxCltv, maxLen, maxFee: maxFee === null ? undefined : BigInt(maxFee) });
      const params: RouteParams = { payer: id('A'), payee: id('G'), amountMsat: amount, maxTotalCltvExpiryDelta: maxCltv, maxPathLength: maxLen, maxFeeMsat: maxFee === null ? undefined : BigInt(maxFee) };
      let got: bigint | undefined;
      try {
        const r = router.findRoute(params);
        got = r.totalFeeMsat;
        assert.ok(r.totalCltvExpiryDelta <= maxCltv && r.hops.length <= maxLen);
        // The route's own arithmetic, hop by hop.
        for (let i = 0; i + 1 < r.hops.length; i++) assert.is(r.hops[i]!.amountMsat - r.hops[i + 1]!.amountMsat, r.hops[i]!.feeMsat);
      } catch (e) {
        if (!isNoRoute(e)) throw e;
      }
      if (router.lastSearch !== 'dijkstra') labelled++;
      assert.is(got, want);
    }),
    { numRuns: 400, seed: 11 },
  );
  assert.ok(labelled > 10, `the label search was exercised (${labelled} runs)`);
});

test('forwardingFeeMsat matches the brute-force formula', () => {
  assert.is(forwardingFeeMsat(1_000_000n, 1000, 10_000), 11_000n);
});

test.run();
