import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { GraphSnapshot } from '@ln/graph-snapshots';
import { loadClnGossmap2026, loadListChannels2021 } from '@ln/graph-snapshots/node';
import { ProbabilisticScorer, RouteError, Router, RoutingGraph, findMultiPathRoute, type ChannelView, type Route } from '@ln/router';

/** Adapts a snapshot to the router's read-only view. */
function viewOf(g: GraphSnapshot) {
  return {
    forEachChannel(f: (c: ChannelView) => void) {
      for (const c of g.channels) f({ scid: c.scid, node1: g.nodes[c.node1]!.nodeId, node2: g.nodes[c.node2]!.nodeId, capacitySat: c.capacitySat, policies: c.policies });
    },
  };
}

/**
 * An independent checker: recomputes every hop from the snapshot's own policies, with its own
 * arithmetic (BOLT 7: `fee_base_msat + amount_to_forward × fee_proportional_millionths / 10^6`,
 * rounded down; the incoming CLTV is the outgoing one plus `cltv_expiry_delta`), nothing from the router.
 */
const bolt7Fee = (amountToForward: bigint, base: number, ppm: number): bigint => BigInt(base) + (amountToForward * BigInt(ppm)) / 1_000_000n;

const channelMaps = new WeakMap<GraphSnapshot, Map<bigint, GraphSnapshot['channels'][number]>>();
const channelsOf = (g: GraphSnapshot) => channelMaps.get(g) ?? channelMaps.set(g, new Map(g.channels.map((c) => [c.scid, c]))).get(g)!;

function checkRoute(g: GraphSnapshot, payer: number, payee: number, amount: bigint, finalDelta: number, r: Route, limits = { maxLen: 20, maxCltv: 1008 }): void {
  const byScid = channelsOf(g);
  let prev = payer;
  const nodesOnPath: number[] = [];
  for (let i = 0; i < r.hops.length; i++) {
    const h = r.hops[i]!;
    const c = byScid.get(h.shortChannelId);
    assert.ok(c, `hop ${i}: channel exists`);
    const next = c!.node1 === prev ? c!.node2 : c!.node1;
    assert.ok(c!.node1 === prev || c!.node2 === prev, `hop ${i}: channel touches the previous node`);
    assert.equal(g.nodes[next]!.nodeId, h.nodeId, `hop ${i}: leads to the stated node`);
    const policy = c!.policies[c!.node1 === prev ? 0 : 1];
    assert.ok(policy, `hop ${i}: direction enabled`);
    assert.ok(h.amountMsat >= policy!.htlcMinimumMsat, `hop ${i}: htlc_minimum`);
    assert.ok(h.amountMsat <= policy!.htlcMaximumMsat && h.amountMsat <= c!.capacitySat * 1000n, `hop ${i}: htlc_maximum and capacity`);
    if (i + 1 < r.hops.length) {
      const nc = byScid.get(r.hops[i + 1]!.shortChannelId)!;
      const np = nc.policies[nc.node1 === next ? 0 : 1]!;
      assert.is(h.amountMsat, r.hops[i + 1]!.amountMsat + bolt7Fee(r.hops[i + 1]!.amountMsat, np.feeBaseMsat, np.feeProportionalMillionths), `hop ${i}: amount = next amount + fee`);
      assert.is(h.cltvExpiry, r.hops[i + 1]!.cltvExpiry + np.cltvExpiryDelta, `hop ${i}: cltv = next cltv + delta`);
      assert.is(h.feeMsat, h.amountMsat - r.hops[i + 1]!.amountMsat, `hop ${i}: the fee the node keeps`);
    }
    nodesOnPath.push(next);
    prev = next;
  }
  assert.is(prev, payee);
  assert.is(r.hops[r.hops.length - 1]!.amountMsat, amount);
  assert.is(r.hops[r.hops.length - 1]!.cltvExpiry, finalDelta);
  assert.is(new Set(nodesOnPath).size, nodesOnPath.length, 'no node twice');
  assert.ok(r.hops.length <= limits.maxLen && r.totalCltvExpiryDelta <= limits.maxCltv, 'within the path length and CLTV limits');
  assert.is(r.totalCltvExpiryDelta, r.hops[0]!.cltvExpiry);
  assert.is(r.totalAmountMsat, amount + r.totalFeeMsat);
}

/** Nodes that can send (an enabled outgoing direction) and nodes that can receive. */
function endpoints(g: GraphSnapshot): { senders: number[]; receivers: number[] } {
  const senders: number[] = [];
  const receivers: number[] = [];
  const out = new Uint8Array(g.nodes.length);
  const inn = new Uint8Array(g.nodes.length);
  for (const c of g.channels) {
    if (c.policies[0]) (out[c.node1] = 1), (inn[c.node2] = 1);
    if (c.policies[1]) (out[c.node2] = 1), (inn[c.node1] = 1);
  }
  for (let i = 0; i < g.nodes.length; i++) {
    if (out[i]) senders.push(i);
    if (inn[i]) receivers.push(i);
  }
  return { senders, receivers };
}

function runQueries(g: GraphSnapshot, queries: number, seed: number, limits = { maxLen: 20, maxCltv: 1008 }) {
  const router = new Router(RoutingGraph.fromView(viewOf(g)));
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 0x100000000);
  // Only a third of the snapshot's nodes have an enabled direction at all: draw payers among
  // nodes that can send (an enabled outgoing direction) and payees among those that can receive.
  const senders: number[] = [];
  const receivers: number[] = [];
  const out = new Uint8Array(g.nodes.length);
  const inn = new Uint8Array(g.nodes.length);
  for (const c of g.channels) {
    if (c.policies[0]) (out[c.node1] = 1), (inn[c.node2] = 1);
    if (c.policies[1]) (out[c.node2] = 1), (inn[c.node1] = 1);
  }
  for (let i = 0; i < g.nodes.length; i++) {
    if (out[i]) senders.push(i);
    if (inn[i]) receivers.push(i);
  }
  let ok = 0;
  let none = 0;
  let labelled = 0;
  const times: number[] = [];
  for (let q = 0; q < queries; q++) {
    const payer = senders[Math.floor(rnd() * senders.length)]!;
    const payee = receivers[Math.floor(rnd() * receivers.length)]!;
    if (payer === payee) continue;
    const amt = BigInt(Math.floor(10 ** (3 + rnd() * 2.3))) * 1000n; // 1,000 to 200,000 sat

    const t0 = performance.now();
    try {
      const r = router.findRoute({ payer: g.nodes[payer]!.nodeId, payee: g.nodes[payee]!.nodeId, amountMsat: amt, finalCltvExpiryDelta: 18, maxPathLength: limits.maxLen, maxTotalCltvExpiryDelta: limits.maxCltv });
      if (router.lastSearch !== 'dijkstra') labelled++;
      times.push(performance.now() - t0);
      checkRoute(g, payer, payee, amt, 18, r, limits);
      ok++;
    } catch (e) {
      if (!(e instanceof RouteError)) throw e;
      none++;
    }
  }
  times.sort((a, b) => a - b);
  return { ok, none, labelled, p50: times[Math.floor(times.length / 2)] ?? 0 };
}

test('mainnet 2026 snapshot: 300 random queries, every returned route passes the independent hop-by-hop checker', () => {
  const r = runQueries(loadClnGossmap2026(), 300, 42);
  console.log(`    2026: ${r.ok} routes, ${r.none} without a route, p50 ${r.p50.toFixed(2)} ms`);
  assert.ok(r.ok >= 200, `expected most random queries to find a route, got ${r.ok}`);
});

test('mainnet 2026 under tight limits (CLTV cap 300, 4 hops): 120 queries, every route within them and checked; the label search answers where they bind', () => {
  const r = runQueries(loadClnGossmap2026(), 120, 4242, { maxLen: 4, maxCltv: 300 });
  console.log(`    2026 tight: ${r.ok} routes (${r.labelled} by the label search), ${r.none} without a route`);
  assert.ok(r.ok >= 40 && r.labelled >= 10, `expected routes, many from the label search: ${r.ok} / ${r.labelled}`);
});

test('mainnet 2026: multi-path payments of 0.5 to 5 BTC to well-connected nodes sum exactly and every part passes the checker', () => {
  const g = loadClnGossmap2026();
  const router = new Router(RoutingGraph.fromView(viewOf(g)));
  let split = 0;
  for (let q = 0; q < 12; q++) {
    const payer = 1 + q;
    const payee = 20 + q;
    const amount = BigInt(50_000_000 + q * 40_000_000) * 1000n;
    try {
      const m = findMultiPathRoute(router, { payer: g.nodes[payer]!.nodeId, payee: g.nodes[payee]!.nodeId, amountMsat: amount, scorer: new ProbabilisticScorer() }, { maxParts: 10 });
      assert.is(m.paths.reduce((a, r) => a + r.hops[r.hops.length - 1]!.amountMsat, 0n), amount);
      for (const r of m.paths) checkRoute(g, payer, payee, r.hops[r.hops.length - 1]!.amountMsat, 18, r);
      if (m.paths.length > 1) split++;
    } catch (e) {
      if (!(e instanceof RouteError)) throw e;
    }
  }
  assert.ok(split >= 3, `expected several payments to be split, got ${split}`);
});

/** Seeded MPP + scorer queries of 50,000 sat to 10M sat on `g`, each answer checked; returns the counts. */
function mppQueries(g: GraphSnapshot, n: number, seed: number): { routed: number; split: number; refused: number } {
  const router = new Router(RoutingGraph.fromView(viewOf(g)));
  const { senders, receivers } = endpoints(g);
  const inSat = new Array<bigint>(g.nodes.length).fill(0n);
  const outSat = new Array<bigint>(g.nodes.length).fill(0n);
  for (const c of g.channels) {
    for (const dir of [0, 1] as const) {
      const pol = c.policies[dir];
      if (!pol) continue;
      const [from, to] = dir === 0 ? [c.node1, c.node2] : [c.node2, c.node1];
      const cap = pol.htlcMaximumMsat < c.capacitySat * 1000n ? pol.htlcMaximumMsat : c.capacitySat * 1000n;
      inSat[to]! += cap;
      outSat[from]! += cap;
    }
  }
  const scorer = new ProbabilisticScorer();
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 0x100000000);
  let routed = 0;
  let split = 0;
  let refused = 0;
  for (let q = 0; q < n; q++) {
    const payer = senders[Math.floor(rnd() * senders.length)]!;
    const payee = receivers[Math.floor(rnd() * receivers.length)]!;
    const amount = BigInt(Math.floor(10 ** (3 + rnd() * 2.3))) * 50_000n;
    if (payer === payee) continue;
    try {
      const m = findMultiPathRoute(router, { payer: g.nodes[payer]!.nodeId, payee: g.nodes[payee]!.nodeId, amountMsat: amount, scorer }, { maxParts: 8 });
      assert.ok(m.paths.length >= 1 && m.paths.length <= 8, 'cap on parts');
      assert.is(m.paths.reduce((a, r) => a + r.hops[r.hops.length - 1]!.amountMsat, 0n), amount, 'parts sum exactly');
      assert.is(m.totalFeeMsat, m.paths.reduce((a, r) => a + r.totalFeeMsat, 0n));
      const perChannel = new Map<bigint, bigint>();
      for (const r of m.paths) {
        checkRoute(g, payer, payee, r.hops[r.hops.length - 1]!.amountMsat, 18, r);
        for (const h of r.hops) perChannel.set(h.shortChannelId, (perChannel.get(h.shortChannelId) ?? 0n) + h.amountMsat);
      }
      const byScid = channelsOf(g);
      for (const [scid, total] of perChannel) assert.ok(total <= byScid.get(scid)!.capacitySat * 1000n, `channel ${scid}: the parts together fit its capacity`);
      routed++;
      if (m.paths.length > 1) split++;
    } catch (e) {
      if (!(e instanceof RouteError)) throw e;
      if (/at most \d+ msat/.test(e.message)) {
        refused++;
        assert.ok(amount > inSat[payee]! || amount > outSat[payer]!, 'refused without a search only when the payee cannot receive or the payer cannot send it');
      }
    }
  }
  return { routed, split, refused };
}

test('mainnet 2026: 300 seeded MPP + scorer queries (50k to 10M sat): parts sum exactly, each passes the checker, at most 8, channels not overdrawn; refusals without a search are true', () => {
  const { routed, split, refused } = mppQueries(loadClnGossmap2026(), 300, 99);
  console.log(`    MPP 2026: ${routed} routed (${split} split), ${refused} refused by the capacity bound`);
  assert.ok(routed >= 60 && split >= 10, `expected many routed and split payments, got ${routed} / ${split}`);
});

test('2021 listchannels (absurd fees): 150 seeded MPP + scorer queries, every part checked, nothing overflows', () => {
  const { routed, split, refused } = mppQueries(loadListChannels2021(), 150, 21);
  console.log(`    MPP 2021: ${routed} routed (${split} split), ${refused} refused by the capacity bound`);
  assert.ok(routed >= 30, `expected many routed payments, got ${routed}`);
});

test('2021 listchannels snapshot (absurd fees included): 200 random queries, routes checked, nothing overflows', () => {
  const r = runQueries(loadListChannels2021(), 200, 7);
  console.log(`    2021: ${r.ok} routes, ${r.none} without a route, p50 ${r.p50.toFixed(2)} ms`);
  assert.ok(r.ok >= 100, `expected many routes, got ${r.ok}`);
});

test.run();
