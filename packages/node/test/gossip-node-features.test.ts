/**
 * @ln/gossip's NetworkGraph seen by @ln/router (BOLT 7 node_announcement, unknown even bits):
 * "MUST NOT route a payment _through_ the node" and "Unless paying a BOLT #11 invoice which does
 * not have the same bit(s) set, MUST NOT attempt to send payments _to_ the node".
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NetworkGraph } from '@ln/gossip';
import { RouteError, Router, RoutingGraph, featureBytes } from '@ln/router';
import { encodeMessage, makeMessage } from '@ln/wire';

const id = (c: string) => Uint8Array.from([2, ...new Array(31).fill(0), c.charCodeAt(0)]);
const TYPICAL = [9, 15, 17];
let scid = (800_000n << 40n) | 1n;

function channel(g: NetworkGraph, a: string, b: string, feeBaseMsat = 0): void {
  const [x, y] = a < b ? [a, b] : [b, a];
  const s = scid++;
  assert.ok(g.addChannel({ scid: s, node1: id(x), node2: id(y), capacitySat: 1_000_000n }));
  for (const dir of [0, 1]) {
    assert.ok(g.updateDirection(s, {
      timestamp: 1_700_000_000, messageFlags: 1, channelFlags: dir, cltvExpiryDelta: 40,
      htlcMinimumMsat: 1n, feeBaseMsat, feeProportionalMillionths: 0, htlcMaximumMsat: 900_000_000n,
    }));
  }
}

function announce(g: NetworkGraph, n: string, bits: number[]): void {
  const raw = encodeMessage(makeMessage('node_announcement', {
    signature: new Uint8Array(64), features: featureBytes(bits), timestamp: 1_700_000_001, nodeId: id(n),
    rgbColor: Uint8Array.of(1, 2, 3), alias: new Uint8Array(32), addresses: new Uint8Array(0),
  }));
  assert.ok(g.setNodeAnnouncement(id(n), 1_700_000_001, raw));
}

const hops = (r: { hops: readonly { nodeId: Uint8Array }[] }) => r.hops.map((h) => String.fromCharCode(h.nodeId[32]!)).join('');
const code = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof RouteError) return e.code;
    throw e;
  }
};

test('S–A–T, T announces bit 100: payable with an invoice lacking bit 100, refused without an invoice', () => {
  const g = new NetworkGraph();
  channel(g, 'S', 'A');
  channel(g, 'A', 'T');
  announce(g, 'T', [...TYPICAL, 100]);
  assert.not.ok(g.isNodeRoutable(id('T')));
  const router = new Router(RoutingGraph.fromView(g));
  const p = { payer: id('S'), payee: id('T'), amountMsat: 1000n };
  assert.is(hops(router.findRoute({ ...p, payeeFeatures: featureBytes(TYPICAL) })), 'AT');
  assert.is(code(() => router.findRoute(p)), 'unsupported_features');
  assert.is(code(() => router.findRoute({ ...p, payeeFeatures: featureBytes([...TYPICAL, 100]) })), 'unsupported_features');
});

test('S–T–U, T announces bit 100: never routed through T, even with an invoice', () => {
  const g = new NetworkGraph();
  channel(g, 'S', 'T');
  channel(g, 'T', 'U');
  channel(g, 'S', 'B', 5000);
  channel(g, 'B', 'U', 5000);
  announce(g, 'T', [...TYPICAL, 100]);
  const router = new Router(RoutingGraph.fromView(g));
  const p = { payer: id('S'), payee: id('U'), amountMsat: 1000n, payeeFeatures: featureBytes(TYPICAL) };
  assert.is(hops(router.findRoute(p)), 'BU', 'the dearer path around T');
  // Without T's bit the cheap path through T is taken (the test's control).
  announce(g, 'T', TYPICAL);
  assert.is(hops(new Router(RoutingGraph.fromView(g)).findRoute(p)), 'TU');
});

test.run();
