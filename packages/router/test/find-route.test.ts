import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RouteError, RoutingGraph, findRoute, forwardingFeeMsat, type ChannelView, type DirectionPolicy, type RouteParams } from '@ln/router';

/** Node ids are 33 bytes; the label's char code makes them distinct and orderable. */
const id = (c: string) => Uint8Array.from([2, ...new Array(31).fill(0), c.charCodeAt(0)]);
const pol = (base: number, ppm: number, cltv: number, min = 0n, max = 10_000_000_000n): DirectionPolicy => ({ feeBaseMsat: base, feeProportionalMillionths: ppm, cltvExpiryDelta: cltv, htlcMinimumMsat: min, htlcMaximumMsat: max });
let nextScid = 1n;
/** A channel a→b with a's policy `ab` and b's policy `ba` (either may be absent = disabled). */
function ch(a: string, b: string, ab?: DirectionPolicy, ba?: DirectionPolicy, capacitySat = 10_000_000n, scid = nextScid++): ChannelView {
  const [n1, n2, p1, p2] = a < b ? [a, b, ab, ba] : [b, a, ba, ab];
  return { scid, node1: id(n1), node2: id(n2), capacitySat, policies: [p1, p2] };
}
const graphOf = (chs: ChannelView[]) => RoutingGraph.fromView({ forEachChannel: (f) => chs.forEach(f) });
const route = (chs: ChannelView[], p: Partial<RouteParams> & { from: string; to: string; amount: bigint }) =>
  findRoute(graphOf(chs), { payer: id(p.from), payee: id(p.to), amountMsat: p.amount, ...p });
const noRoute = (f: () => unknown) => {
  try {
    f();
    return false;
  } catch (e) {
    return e instanceof RouteError && e.code === 'no_route';
  }
};
const path = (r: { hops: readonly { nodeId: Uint8Array }[] }) => r.hops.map((h) => String.fromCharCode(h.nodeId[32]!)).join('');

test('BOLT 7 routing example: A→B→C and A→D→C, fees compound on the forwarded amount, CLTV adds up', () => {
  const v = JSON.parse(readFileSync(new URL('../../../../shared/vectors/bolt07-routing-example.json', import.meta.url), 'utf8'));
  assert.is(forwardingFeeMsat(4_999_999n, 200, 2000), BigInt(v.fee_example.fee_msat));
  const P = (n: 'A' | 'B' | 'C' | 'D') => pol(v.nodes_fee_scheme[n].fee_base_msat, v.nodes_fee_scheme[n].fee_proportional_millionths, v.nodes_cltv_expiry_delta[n]);
  const chs = [ch('A', 'B', P('A'), P('B')), ch('A', 'D', P('A'), P('D')), ch('B', 'C', P('B'), P('C')), ch('D', 'C', P('D'), P('C'))];
  const final = v.min_final_cltv_expiry_delta + v.shadow_route_extra_cltv;
  const r = route(chs, { from: 'A', to: 'C', amount: BigInt(v.payment_amount_msat), finalCltvExpiryDelta: final });
  assert.is(path(r), 'BC', 'via B (cheaper than D)');
  const abc = v.update_add_htlc.find((u: any) => u.route.startsWith('A->B->C: A->B'));
  assert.is(r.hops[0]!.amountMsat, BigInt(abc.amount_msat));
  assert.is(r.hops[0]!.cltvExpiry, abc.cltv_expiry_offset_from_current_height);
  assert.is(r.hops[1]!.amountMsat, 4_999_999n);
  assert.is(r.hops[1]!.cltvExpiry, final);
  assert.is(r.totalFeeMsat, BigInt(abc.amount_msat) - 4_999_999n);
  // Excluding B forces the route through D, with D's fees and CLTV.
  const viaD = route(chs, { from: 'A', to: 'C', amount: 4_999_999n, finalCltvExpiryDelta: final, excludedNodes: [id('B')] });
  assert.is(path(viaD), 'DC');
  const adc = v.update_add_htlc.find((u: any) => u.route.startsWith('A->D->C: A->D'));
  if (adc) assert.is(viaD.hops[0]!.amountMsat, BigInt(adc.amount_msat));
  assert.is(viaD.hops[0]!.cltvExpiry, 40 + final);
});

test('fee compounding over three hops picks the cheapest total, not the cheapest first hop', () => {
  const chs = [
    ch('S', 'A', pol(0, 0, 10), pol(0, 0, 10)),
    ch('A', 'B', pol(1000, 10_000, 10)),
    ch('B', 'T', pol(1000, 10_000, 10)),
    ch('S', 'X', pol(0, 0, 10)),
    ch('X', 'T', pol(25_000, 0, 10)),
  ];
  const r = route(chs, { from: 'S', to: 'T', amount: 1_000_000n });
  // Via A,B: B charges 1000 + 10000 = 11000 on 1,000,000; A charges 1000 + 1% of 1,011,000 = 11110 → 22110 < 25000.
  assert.is(path(r), 'ABT');
  assert.is(r.totalFeeMsat, 22_110n);
  assert.equal(r.hops.map((h) => h.amountMsat), [1_022_110n, 1_011_000n, 1_000_000n]);
});

test('htlc_minimum, htlc_maximum and capacity at each hop; disabled directions are not used', () => {
  const chs = [ch('S', 'A', pol(0, 0, 10)), ch('A', 'T', pol(0, 0, 10, 0n, 500_000n)), ch('S', 'B', pol(0, 0, 10)), ch('B', 'T', pol(100, 0, 10, 2_000_000n))];
  assert.is(path(route(chs, { from: 'S', to: 'T', amount: 400_000n })), 'AT');
  assert.ok(noRoute(() => route(chs, { from: 'S', to: 'T', amount: 600_000n })), 'too big for A, too small for B');
  assert.is(path(route(chs, { from: 'S', to: 'T', amount: 3_000_000n })), 'BT');
  const cap = [ch('S', 'A', pol(0, 0, 10)), ch('A', 'T', pol(0, 0, 10), undefined, 1_000n)];
  assert.ok(noRoute(() => route(cap, { from: 'S', to: 'T', amount: 1_000_001n })), 'capacity 1000 sat');
  assert.is(path(route(cap, { from: 'S', to: 'T', amount: 1_000_000n })), 'AT');
  const oneWay = [ch('S', 'A', pol(0, 0, 10), pol(0, 0, 10)), ch('A', 'T', undefined, pol(0, 0, 10))];
  assert.ok(noRoute(() => route(oneWay, { from: 'S', to: 'T', amount: 1000n })), 'A→T is disabled; only T→A exists');
  assert.is(path(route(oneWay, { from: 'T', to: 'S', amount: 1000n })), 'AS');
});

test('CLTV: the total includes the final delta and is capped; a route over the cap is not returned', () => {
  const chs = [ch('S', 'A', pol(0, 0, 10)), ch('A', 'T', pol(0, 0, 500)), ch('S', 'B', pol(0, 0, 10)), ch('B', 'T', pol(100_000, 0, 40))];
  const cheap = route(chs, { from: 'S', to: 'T', amount: 1000n, finalCltvExpiryDelta: 18, currentBlockHeight: 800_000 });
  assert.is(path(cheap), 'AT');
  assert.is(cheap.totalCltvExpiryDelta, 518);
  assert.is(cheap.hops[0]!.cltvExpiry, 800_518);
  const capped = route(chs, { from: 'S', to: 'T', amount: 1000n, finalCltvExpiryDelta: 18, maxTotalCltvExpiryDelta: 100 });
  assert.is(path(capped), 'BT');
  assert.ok(noRoute(() => route(chs, { from: 'S', to: 'T', amount: 1000n, finalCltvExpiryDelta: 18, maxTotalCltvExpiryDelta: 50 })));
});

test('maximum path length: a 4-hop chain is refused with maxPathLength 3', () => {
  const chs = [ch('S', 'A', pol(0, 0, 1)), ch('A', 'B', pol(0, 0, 1)), ch('B', 'C', pol(0, 0, 1)), ch('C', 'T', pol(0, 0, 1))];
  assert.is(route(chs, { from: 'S', to: 'T', amount: 1n }).hops.length, 4);
  assert.ok(noRoute(() => route(chs, { from: 'S', to: 'T', amount: 1n, maxPathLength: 3 })));
});

test('excluded channels; first hops override the graph with live outbound capacity', () => {
  const sa = ch('S', 'A', pol(0, 0, 1));
  const sb = ch('S', 'B', pol(0, 0, 1));
  const chs = [sa, sb, ch('A', 'T', pol(10, 0, 1)), ch('B', 'T', pol(20, 0, 1))];
  assert.is(path(route(chs, { from: 'S', to: 'T', amount: 1000n })), 'AT');
  assert.is(path(route(chs, { from: 'S', to: 'T', amount: 1000n, excludedChannels: [sa.scid] })), 'BT');
  const first = [
    { shortChannelId: 9001n, counterparty: id('A'), outboundCapacityMsat: 500n },
    { shortChannelId: 9002n, counterparty: id('B'), outboundCapacityMsat: 5_000n },
  ];
  const r = route(chs, { from: 'S', to: 'T', amount: 1000n, firstHops: first });
  assert.is(path(r), 'BT', 'A has too little outbound capacity');
  assert.is(r.hops[0]!.shortChannelId, 9002n, 'the first hop is the payer\'s channel, not the graph\'s');
  assert.ok(noRoute(() => route(chs, { from: 'S', to: 'T', amount: 1000n, firstHops: [] })), 'no usable first hops');
});

test('route hints reach a private payee through its announced neighbour', () => {
  const chs = [ch('S', 'A', pol(0, 0, 10)), ch('A', 'H', pol(100, 0, 10))];
  assert.ok(noRoute(() => route(chs, { from: 'S', to: 'P', amount: 10_000n })));
  const r = route(chs, {
    from: 'S', to: 'P', amount: 10_000n, finalCltvExpiryDelta: 18,
    routeHints: [[{ pubkey: id('H'), shortChannelId: 777n, feeBaseMsat: 5, feeProportionalMillionths: 1000, cltvExpiryDelta: 30 }]],
  });
  assert.is(path(r), 'AHP');
  assert.is(r.hops[2]!.shortChannelId, 777n);
  assert.is(r.hops[1]!.feeMsat, 15n, 'H charges 5 + 0.1% of 10,000');
  assert.is(r.totalFeeMsat, 115n);
  assert.is(r.totalCltvExpiryDelta, 18 + 30 + 10);
});

test('absurd fees (as in the 2021 data) do not overflow: such edges are simply too expensive', () => {
  const chs = [ch('S', 'A', pol(0, 0, 1)), ch('A', 'T', pol(4_294_967_295, 4_294_967_295, 1)), ch('S', 'B', pol(0, 0, 1)), ch('B', 'T', pol(1, 1, 1))];
  assert.is(path(route(chs, { from: 'S', to: 'T', amount: 1_000_000_000n })), 'BT');
  const only = [ch('S', 'A', pol(0, 0, 1)), ch('A', 'T', pol(4_294_967_295, 4_294_967_295, 1))];
  const r = route(only, { from: 'S', to: 'T', amount: 1_000n });
  assert.is(r.totalFeeMsat, forwardingFeeMsat(1_000n, 4_294_967_295, 4_294_967_295));
});

test('maximum fee: the cheapest route within it, none when even the cheapest costs more; with a scorer, the route within the budget', () => {
  const chs = [
    ch('S', 'A', pol(0, 0, 10)),
    ch('A', 'T', pol(5_000, 0, 10)),
    ch('S', 'B', pol(0, 0, 10)),
    ch('B', 'T', pol(9_000, 0, 10)),
  ];
  const p = { from: 'S', to: 'T', amount: 1_000_000n };
  assert.is(path(route(chs, { ...p, maxFeeMsat: 5_000n })), 'AT');
  assert.ok(noRoute(() => route(chs, { ...p, maxFeeMsat: 4_999n })));
  // A scorer that strongly dislikes A→T: the scored search prefers B (9,000 fee), over a budget of 6,000.
  const scorer = {
    channelPenaltyMsat: (scid: bigint) => (scid === chs[1]!.scid ? 1_000_000 : 0),
    paymentPathFailed() {},
    paymentPathSuccessful() {},
  };
  assert.is(path(route(chs, { ...p, scorer })), 'BT');
  assert.is(path(route(chs, { ...p, scorer, maxFeeMsat: 6_000n })), 'AT', 'within the budget only through A');
});

test('htlc_minimum and htlc_maximum on an intermediate hop apply to the amount with the downstream fees', () => {
  // S-A-B-T: B charges 1,000, so A→B carries 101,000 for 100,000 delivered. S-C-T is the dearer way (5,000).
  const mk = (min: bigint, max: bigint) => [
    ch('S', 'A', pol(0, 0, 10)),
    ch('A', 'B', pol(0, 0, 10, min, max)),
    ch('B', 'T', pol(1000, 0, 10)),
    ch('S', 'C', pol(0, 0, 10)),
    ch('C', 'T', pol(5000, 0, 10)),
  ];
  const p = { from: 'S', to: 'T', amount: 100_000n };
  const exact = route(mk(101_000n, 10_000_000_000n), p);
  assert.is(path(exact), 'ABT', 'htlc_minimum 101,000: exactly met by amount + fee');
  assert.equal(exact.hops.map((h) => h.amountMsat), [101_000n, 101_000n, 100_000n]);
  assert.is(path(route(mk(101_001n, 10_000_000_000n), p)), 'CT', 'htlc_minimum 101,001: the fee-inclusive amount is below it');
  assert.is(path(route(mk(100_000n, 100_999n), p)), 'CT', 'htlc_maximum 100,999: 100,000 would fit, 101,000 does not');
  assert.is(path(route(mk(100_000n, 101_000n), p)), 'ABT', 'htlc_maximum 101,000: fits exactly');
  // Capacity on the intermediate hop (101 sat) likewise.
  const cap = mk(0n, 10_000_000_000n);
  const narrow = { ...cap[1]!, capacitySat: 100n };
  assert.is(path(route([cap[0]!, narrow, ...cap.slice(2)], p)), 'CT', 'capacity 100 sat < 101,000 msat');
});

test('multi-hop route hints: every hint hop charges its own fee and CLTV delta, in order', () => {
  const chs = [ch('S', 'A', pol(0, 0, 10)), ch('A', 'H', pol(100, 0, 40))];
  // The invoice's r field: H→K (scid 801), then K→P (scid 802).
  const hint = [
    { pubkey: id('H'), shortChannelId: 801n, feeBaseMsat: 10, feeProportionalMillionths: 1000, cltvExpiryDelta: 20 },
    { pubkey: id('K'), shortChannelId: 802n, feeBaseMsat: 20, feeProportionalMillionths: 2000, cltvExpiryDelta: 30 },
  ];
  const r = route(chs, { from: 'S', to: 'P', amount: 1_000_000n, finalCltvExpiryDelta: 18, routeHints: [hint] });
  assert.is(path(r), 'AHKP');
  assert.equal(r.hops.map((h) => h.shortChannelId), [chs[0]!.scid, chs[1]!.scid, 801n, 802n]);
  // K: 20 + 0.2% of 1,000,000 = 2,020; H: 10 + 0.1% of 1,002,020 = 1,012; A: 100.
  assert.equal(r.hops.map((h) => h.feeMsat), [100n, 1_012n, 2_020n, 0n]);
  assert.equal(r.hops.map((h) => h.amountMsat), [1_003_132n, 1_003_032n, 1_002_020n, 1_000_000n]);
  assert.equal(r.hops.map((h) => h.cltvExpiry), [18 + 30 + 20 + 40, 18 + 30 + 20, 18 + 30, 18]);
  // The hints' direction bits follow the node ids (H < K < P).
  assert.equal(r.hops.slice(2).map((h) => h.direction), [0, 0]);
  // A hint hop's htlc_maximum is honoured like a channel's.
  const capped = [hint[0]!, { ...hint[1]!, htlcMaximumMsat: 999_999n }];
  assert.ok(noRoute(() => route(chs, { from: 'S', to: 'P', amount: 1_000_000n, routeHints: [capped] })));
});

test('route hints with first hops: the payer\'s channels (live capacity, no fee) lead into the hint', () => {
  const chs = [ch('A', 'H', pol(100, 0, 40)), ch('B', 'H', pol(300, 0, 40))];
  const hint = [{ pubkey: id('H'), shortChannelId: 801n, feeBaseMsat: 10, feeProportionalMillionths: 0, cltvExpiryDelta: 20 }];
  const first = [
    { shortChannelId: 9001n, counterparty: id('A'), outboundCapacityMsat: 5_000n },
    { shortChannelId: 9002n, counterparty: id('B'), outboundCapacityMsat: 50_000n },
  ];
  const r = route(chs, { from: 'S', to: 'P', amount: 10_000n, firstHops: first, routeHints: [hint] });
  assert.is(path(r), 'BHP', 'A\'s first hop has too little outbound capacity');
  assert.equal(r.hops.map((h) => h.shortChannelId), [9002n, chs[1]!.scid, 801n]);
  assert.equal(r.hops.map((h) => h.amountMsat), [10_310n, 10_010n, 10_000n]);
  assert.is(r.totalCltvExpiryDelta, 18 + 20 + 40);
  // A first hop straight to the hint's node: two hops, only H's hint fee.
  const direct = route(chs, { from: 'S', to: 'P', amount: 10_000n, firstHops: [...first, { shortChannelId: 9003n, counterparty: id('H'), outboundCapacityMsat: 20_000n }], routeHints: [hint] });
  assert.is(path(direct), 'HP');
  assert.equal(direct.hops.map((h) => h.shortChannelId), [9003n, 801n]);
  assert.is(direct.totalFeeMsat, 10n);
  assert.is(direct.totalCltvExpiryDelta, 18 + 20);
});

test.run();
