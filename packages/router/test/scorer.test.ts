import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProbabilisticScorer, RoutingGraph, Router, scoredPath, type ChannelView, type DirectionPolicy } from '@ln/router';

const id = (c: string) => Uint8Array.from([2, ...new Array(31).fill(0), c.charCodeAt(0)]);
const pol = (base: number, ppm: number): DirectionPolicy => ({ feeBaseMsat: base, feeProportionalMillionths: ppm, cltvExpiryDelta: 10, htlcMinimumMsat: 0n, htlcMaximumMsat: 10_000_000_000n });
const ch = (a: string, b: string, scid: bigint, ab: DirectionPolicy): ChannelView => {
  const [n1, n2, p1, p2] = a < b ? [a, b, ab, undefined] : [b, a, undefined, ab];
  return { scid, node1: id(n1), node2: id(n2), capacitySat: 1_000_000n, policies: [p1, p2] };
};
const path = (r: { hops: readonly { nodeId: Uint8Array }[] }) => r.hops.map((h) => String.fromCharCode(h.nodeId[32]!)).join('');

test('probability and penalty follow the liquidity bounds; bounds decay with the half-life', () => {
  const s = new ProbabilisticScorer();
  const cap = 1_000_000_000;
  assert.is(s.successProbability(1n, 0, 0, cap), 1);
  assert.ok(Math.abs(s.successProbability(1n, 0, cap / 2, cap) - 0.5) < 1e-6);
  const cheap = s.channelPenaltyMsat(1n, 0, 1_000, cap);
  const dear = s.channelPenaltyMsat(1n, 0, cap / 2, cap);
  assert.ok(cheap < dear, 'a bigger share of the capacity is penalized more');
  s.paymentPathFailed([{ shortChannelId: 1n, direction: 0, amountMsat: 100_000_000n, capacityMsat: BigInt(cap) }], 1n, 0);
  s.timePassed(0);
  assert.is(s.successProbability(1n, 0, 200_000_000, cap), 0, 'more than what failed cannot fit');
  assert.is(s.channelPenaltyMsat(1n, 0, 200_000_000, cap), 1e9);
  s.timePassed(6 * 3600 * 10); // ten half-lives later, almost everything is forgotten
  assert.ok(s.successProbability(1n, 0, 200_000_000, cap) > 0.75);
  // The other direction learned nothing.
  s.timePassed(0);
  assert.ok(s.successProbability(1n, 1, 200_000_000, cap) > 0.79);
});

test('successes raise the lower bound of the hops before a failure, and move liquidity on success', () => {
  const s = new ProbabilisticScorer();
  const cap = 1_000_000n;
  const hops = [
    { shortChannelId: 10n, direction: 0 as const, amountMsat: 500_000n, capacityMsat: cap },
    { shortChannelId: 11n, direction: 1 as const, amountMsat: 400_000n, capacityMsat: cap },
  ];
  s.paymentPathFailed(hops, 11n, 100);
  s.timePassed(100);
  assert.equal(s.liquidityBounds(10n, 0, 1_000_000), { min: 500_000, max: 1_000_000 });
  assert.equal(s.liquidityBounds(11n, 1, 1_000_000), { min: 0, max: 399_999 });
  s.paymentPathSuccessful([hops[0]!], 100);
  assert.equal(s.liquidityBounds(10n, 0, 1_000_000), { min: 0, max: 500_000 });
});

test('serialization round-trips the learned bounds', () => {
  const s = new ProbabilisticScorer();
  s.paymentPathFailed([{ shortChannelId: 5n, direction: 1, amountMsat: 70_000n, capacityMsat: 100_000n }], 5n, 1234);
  const back = ProbabilisticScorer.deserialize(s.serialize());
  s.timePassed(2000);
  back.timePassed(2000);
  assert.equal(back.liquidityBounds(5n, 1, 100_000), s.liquidityBounds(5n, 1, 100_000));
  assert.equal(back.serialize(), s.serialize());
  assert.throws(() => ProbabilisticScorer.deserialize(Uint8Array.of(0, 0, 0, 2, 1)));
});

test('the scorer changes the chosen route after a failure on the cheapest path', () => {
  const chs = [ch('S', 'A', 1n, pol(0, 0)), ch('A', 'T', 2n, pol(100, 0)), ch('S', 'B', 3n, pol(0, 0)), ch('B', 'T', 4n, pol(200, 0))];
  const router = new Router(RoutingGraph.fromView({ forEachChannel: (f) => chs.forEach(f) }));
  const scorer = new ProbabilisticScorer();
  const params = { payer: id('S'), payee: id('T'), amountMsat: 300_000_000n, scorer };
  const first = router.findRoute(params);
  assert.is(path(first), 'AT', 'cheapest first');
  assert.is(first.hops[1]!.direction, 0);
  scorer.paymentPathFailed(scoredPath(first), 2n, 0);
  const second = router.findRoute(params);
  assert.is(path(second), 'BT', 'after A→T failed for this amount, B is preferred');
  assert.is(path(router.findRoute({ ...params, scorer: undefined })), 'AT', 'without the scorer, fees alone decide');
});

test('learned channels: the version moves with the set, the router asks only about learned ones, decayed entries are forgotten, negative offsets refused', () => {
  const s = new ProbabilisticScorer();
  assert.is(s.learnedVersion, 0);
  s.paymentPathFailed([{ shortChannelId: 7n, direction: 1, amountMsat: 70_000n, capacityMsat: 100_000n }], 7n, 0);
  assert.is(s.learnedVersion, 1);
  s.paymentPathFailed([{ shortChannelId: 7n, direction: 1, amountMsat: 60_000n, capacityMsat: 100_000n }], 7n, 0);
  assert.is(s.learnedVersion, 1, 'the same direction again: the set did not change');
  const seen: string[] = [];
  s.forEachLearned((scid, dir) => seen.push(`${scid}/${dir}`));
  assert.equal(seen, ['7/1']);
  for (const [amt, cap] of [[1, 1_000_000], [400_000, 1_000_000], [1_000_000, 1_000_000], [1_000_001, 1_000_000]]) {
    assert.is(s.unlearnedPenaltyMsat(amt!, cap!), s.channelPenaltyMsat(99n, 0, amt!, cap!), `unlearned penalty ${amt}/${cap}`);
  }
  // The router consults channelPenaltyMsat only for learned directions; same route as a scorer without the fast path.
  const chs = [ch('S', 'A', 1n, pol(0, 0)), ch('A', 'T', 2n, pol(100, 0)), ch('S', 'B', 3n, pol(0, 0)), ch('B', 'T', 4n, pol(200, 0))];
  const router = new Router(RoutingGraph.fromView({ forEachChannel: (f) => chs.forEach(f) }));
  const asked: bigint[] = [];
  const spy = new ProbabilisticScorer();
  const orig = spy.channelPenaltyMsat.bind(spy);
  spy.channelPenaltyMsat = (scid, dir, a, c) => (asked.push(scid), orig(scid, dir, a, c));
  const params = { payer: id('S'), payee: id('T'), amountMsat: 300_000_000n, scorer: spy };
  const first = router.findRoute(params);
  assert.equal(asked, [], 'nothing learned: no channel id looked up');
  spy.paymentPathFailed(scoredPath(first), 2n, 0);
  const plain = { channelPenaltyMsat: orig, paymentPathFailed() {}, paymentPathSuccessful() {} };
  assert.is(path(router.findRoute(params)), 'BT');
  assert.equal([...new Set(asked)], [2n], 'only the learned A→T');
  assert.is(path(router.findRoute({ ...params, scorer: plain })), 'BT', 'the same answer without the fast path');
  // Thirty half-lives later both offsets are below 1 msat: forgotten at the next prune.
  s.timePassed(30 * 6 * 3600);
  assert.is(s.learnedCount, 0);
  assert.is(s.learnedVersion, 2);
  // deserialize refuses negative offsets.
  const bytes = new ProbabilisticScorer();
  bytes.paymentPathFailed([{ shortChannelId: 5n, direction: 0, amountMsat: 70_000n, capacityMsat: 100_000n }], 5n, 0);
  const raw = bytes.serialize();
  new DataView(raw.buffer).setFloat64(4 + 9, -1);
  assert.throws(() => ProbabilisticScorer.deserialize(raw), /negative/);
});

test.run();
