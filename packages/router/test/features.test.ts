import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RouteError, Router, RoutingGraph, featureBits, featureBytes, findMultiPathRoute, unknownRequiredFeatureBits, unsupportedPayeeFeatureBits, type ChannelView, type DirectionPolicy } from '@ln/router';

const id = (c: string) => Uint8Array.from([2, ...new Array(31).fill(0), c.charCodeAt(0)]);
const pol = (base: number, cltv = 10): DirectionPolicy => ({ feeBaseMsat: base, feeProportionalMillionths: 0, cltvExpiryDelta: cltv, htlcMinimumMsat: 0n, htlcMaximumMsat: 10_000_000_000_000n });
let nextScid = 1n;
function ch(a: string, b: string, base: number, capacitySat = 10_000_000n): ChannelView {
  const [n1, n2, p1, p2] = a < b ? [a, b, pol(base), undefined] : [b, a, undefined, pol(base)];
  return { scid: nextScid++, node1: id(n1), node2: id(n2), capacitySat, policies: [p1, p2] };
}
/** A graph whose nodes announced the given feature bits. */
const routerOf = (chs: ChannelView[], features: Record<string, number[]> = {}) =>
  new Router(
    RoutingGraph.fromView({
      forEachChannel: (f) => chs.forEach(f),
      nodeFeatures: (nodeId) => {
        const bits = features[String.fromCharCode(nodeId[32]!)];
        return bits ? featureBytes(bits) : undefined;
      },
    }),
  );
const path = (r: { hops: readonly { nodeId: Uint8Array }[] }) => r.hops.map((h) => String.fromCharCode(h.nodeId[32]!)).join('');
const code = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof RouteError) return e.code;
    throw e;
  }
};
/** Typical node_announcement features (var_onion_optin, payment_secret, basic_mpp optional). */
const TYPICAL = [9, 15, 17];

test('feature bytes: big-endian bit order, unknown even bits, what an invoice may require', () => {
  assert.equal(Array.from(featureBytes([0, 9, 17])), [0x02, 0x02, 0x01]);
  assert.equal(featureBits(featureBytes([1, 14, 100, 255])), [1, 14, 100, 255]);
  assert.equal(unknownRequiredFeatureBits(featureBytes([9, 22, 100, 101, 102])), [100, 102], 'known 22 and odd 101 are fine');
  assert.equal(unknownRequiredFeatureBits(featureBytes([20])), [20], 'bit 20 is not assigned by BOLT 9');
  // Required by an invoice: var_onion_optin (8), payment_secret (14), basic_mpp (16), payment_metadata (48) are supported.
  assert.equal(unsupportedPayeeFeatureBits(featureBytes([8, 14, 16, 48])), []);
  assert.equal(unsupportedPayeeFeatureBits(featureBytes([8, 14, 24, 36, 100])), [24, 36, 100], 'route blinding, attribution data, unknown');
  assert.equal(unsupportedPayeeFeatureBits(featureBytes([0, 12, 44])), [], 'ASSUMED features are always supported');
  assert.equal(unsupportedPayeeFeatureBits(featureBytes([48]), featureBytes([9, 15, 17])), [48], 'a payer without payment_metadata');
});

test('BOLT 7: never through a node requiring unknown even bits; unknown odd and known even bits are fine', () => {
  const chs = [ch('S', 'A', 0), ch('A', 'T', 100), ch('S', 'B', 0), ch('B', 'T', 900)];
  const p = { payer: id('S'), payee: id('T'), amountMsat: 10_000n };
  assert.is(path(routerOf(chs).findRoute(p)), 'AT');
  assert.is(path(routerOf(chs, { A: [...TYPICAL, 100] }).findRoute(p)), 'BT', 'A requires bit 100: the dearer B');
  assert.is(path(routerOf(chs, { A: [...TYPICAL, 101] }).findRoute(p)), 'AT', 'an unknown odd bit is ignored');
  assert.is(path(routerOf(chs, { A: [...TYPICAL, 22] }).findRoute(p)), 'AT', 'option_anchors required: known, routable');
  assert.is(code(() => routerOf(chs, { A: [100], B: [102] }).findRoute(p)), 'no_route', 'both ways blocked');
  // The payer itself may announce anything.
  assert.is(path(routerOf(chs, { S: [100] }).findRoute(p)), 'AT');
  // The constrained search skips it too: the free S-C-T breaks the CLTV cap, A is unroutable.
  const c = ch('C', 'T', 0);
  const slow = routerOf([...chs, ch('S', 'C', 0), { ...c, policies: c.policies.map((x) => x && { ...x, cltvExpiryDelta: 2000 }) as [DirectionPolicy | undefined, DirectionPolicy | undefined] }], { A: [100] });
  assert.is(path(slow.findRoute(p)), 'BT');
  assert.is(slow.lastSearch, 'labels');
  // A route hint through a node that requires unknown bits is not used.
  const hinted = routerOf([ch('S', 'H', 0), ch('S', 'K', 0)], { H: [100] });
  const hints = [
    [{ pubkey: id('H'), shortChannelId: 901n, feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 10 }],
    [{ pubkey: id('K'), shortChannelId: 902n, feeBaseMsat: 50, feeProportionalMillionths: 0, cltvExpiryDelta: 10 }],
  ];
  const viaHint = hinted.findRoute({ payer: id('S'), payee: id('P'), amountMsat: 10_000n, routeHints: hints });
  assert.is(path(viaHint), 'KP');
  assert.is(viaHint.hops[1]!.shortChannelId, 902n);
});

test('BOLT 7/11: a payee requiring unknown bits is paid only through an invoice that lacks them; invoice features the payer cannot honour are refused', () => {
  const chs = [ch('S', 'A', 0), ch('A', 'T', 100)];
  const p = { payer: id('S'), payee: id('T'), amountMsat: 10_000n };
  const r = routerOf(chs, { T: [...TYPICAL, 100] });
  assert.is(code(() => r.findRoute(p)), 'unsupported_features', 'its node_announcement requires bit 100');
  assert.is(path(r.findRoute({ ...p, payeeFeatures: featureBytes(TYPICAL) })), 'AT', 'the invoice does not set bit 100');
  assert.is(code(() => r.findRoute({ ...p, payeeFeatures: featureBytes([...TYPICAL, 100]) })), 'unsupported_features', 'BOLT 11: unknown even bit in the invoice');
  const plain = routerOf(chs, { T: TYPICAL });
  assert.is(code(() => plain.findRoute({ ...p, payeeFeatures: featureBytes([8, 14, 24]) })), 'unsupported_features', 'route blinding required');
  assert.is(path(plain.findRoute({ ...p, payeeFeatures: featureBytes([8, 14, 16]) })), 'AT', 'var_onion_optin, payment_secret, basic_mpp required');
  assert.is(code(() => plain.findRoute({ ...p, payeeFeatures: featureBytes([8, 14, 48]), payerFeatures: featureBytes([9, 15, 17]) })), 'unsupported_features', 'payment_metadata required, the payer has none');
  assert.is(code(() => findMultiPathRoute(plain, { ...p, payeeFeatures: featureBytes([8, 14, 24]) })), 'unsupported_features', 'MPP refuses the same');
});

test('basic_mpp: the invoice decides, else the node_announcement; a payer without basic_mpp never splits', () => {
  const chs = [ch('S', 'A', 0, 60_000n), ch('A', 'T', 5, 60_000n), ch('S', 'B', 0, 60_000n), ch('B', 'T', 7, 60_000n)];
  const p = { payer: id('S'), payee: id('T'), amountMsat: 100_000_000n };
  assert.is(findMultiPathRoute(routerOf(chs, { T: TYPICAL }), p).paths.length, 2, 'announced basic_mpp');
  assert.is(code(() => findMultiPathRoute(routerOf(chs, { T: [9, 15] }), p)), 'no_route', 'announced without basic_mpp: one path, which cannot carry it');
  assert.is(findMultiPathRoute(routerOf(chs, { T: [9, 15] }), { ...p, payeeFeatures: featureBytes(TYPICAL) }).paths.length, 2, 'the invoice overrides the announcement');
  assert.is(code(() => findMultiPathRoute(routerOf(chs), { ...p, payerFeatures: featureBytes([9, 15]) })), 'no_route', 'the payer does not do MPP');
  assert.is(findMultiPathRoute(routerOf(chs), p).paths.length, 2, 'nothing known: allowed');
});

test.run();
