/**
 * `npm run bench` in @ln/router, on the 2026 mainnet snapshot and the 2021 `listchannels` one:
 * 1,000 seeded random payer/payee/amount queries (1,000–200,000 sat). Rows:
 *
 * - `findRoute` p50/p99 and success, next to a plain Dijkstra (unit weights, no fees or
 *   constraints) over the same compact graph in the same run — the floor — with the ratio at
 *   p50 over the queries that found a route (the headline) and over all queries;
 * - `findRoute` with a `ProbabilisticScorer` that has learned: before measuring, 1,000 other
 *   seeded payments are "sent" over the graph against hidden random liquidities (each channel's
 *   capacity split at random between its two sides), up to 5 attempts each, every failure and
 *   success fed to the scorer;
 * - `findMultiPathRoute` on amounts 50 times larger (50,000 sat – 10M sat), with that scorer
 *   and without one: the p50 of the routed queries and of those split are the headline, the
 *   p50 over all queries (most unpayable ones are refused without a search) is labelled so.
 */
import type { GraphSnapshot } from '@ln/graph-snapshots';
import { loadClnGossmap2026, loadListChannels2021 } from '@ln/graph-snapshots/node';
import { IndexHeap, ProbabilisticScorer, RouteError, Router, RoutingGraph, findMultiPathRoute, scoredPath, type ChannelView, type Route, type Score } from '@ln/router';

const pct = (a: number[], p: number) => (a.length ? [...a].sort((m, n) => m - n)[Math.min(a.length - 1, Math.floor(a.length * p))]! : NaN);
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const row = (name: string, a: number[], extra = '') => console.log(name.padEnd(50) + ms(pct(a, 0.5)).padStart(9) + ms(pct(a, 0.99)).padStart(9) + '  ' + extra);

function seeded(seed: number) {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) >>> 0) / 0x100000000);
}

function bench(name: string, load: () => GraphSnapshot): void {
  const t0 = performance.now();
  const g = load();
  const tLoad = performance.now() - t0;
  const view = { forEachChannel(f: (c: ChannelView) => void) { for (const c of g.channels) f({ scid: c.scid, node1: g.nodes[c.node1]!.nodeId, node2: g.nodes[c.node2]!.nodeId, capacitySat: c.capacitySat, policies: c.policies }); } };
  const t1 = performance.now();
  const rg = RoutingGraph.fromView(view);
  const tBuild = performance.now() - t1;
  const router = new Router(rg);

  const out = new Uint8Array(g.nodes.length);
  const inn = new Uint8Array(g.nodes.length);
  for (const c of g.channels) {
    if (c.policies[0]) (out[c.node1] = 1), (inn[c.node2] = 1);
    if (c.policies[1]) (out[c.node2] = 1), (inn[c.node1] = 1);
  }
  const senders = [...out.keys()].filter((i) => out[i]);
  const receivers = [...inn.keys()].filter((i) => inn[i]);
  const draw = (rnd: () => number) => ({
    payer: g.nodes[senders[Math.floor(rnd() * senders.length)]!]!.nodeId,
    payee: g.nodes[receivers[Math.floor(rnd() * receivers.length)]!]!.nodeId,
    amount: BigInt(Math.floor(10 ** (3 + rnd() * 2.3))) * 1000n,
  });
  const rnd = seeded(2026);
  const queries = Array.from({ length: 1000 }, () => draw(rnd));

  /** Plain Dijkstra from the payee backwards with unit weights over the same CSR: the floor. */
  const dist = new Float64Array(rg.nodeCount);
  const heap = new IndexHeap(rg.edgeCount + rg.nodeCount);
  const plainDijkstra = (src: number, dst: number): boolean => {
    dist.fill(Infinity);
    heap.clear();
    dist[src] = 0;
    heap.push(src, 0);
    while (heap.size) {
      const d = heap.topKey();
      const v = heap.pop();
      if (d > dist[v]!) continue;
      if (v === dst) return true;
      for (let e = rg.inStart[v]!, end = rg.inStart[v + 1]!; e < end; e++) {
        const u = rg.edgeFrom[e]!;
        if (d + 1 < dist[u]!) {
          dist[u] = d + 1;
          heap.push(u, d + 1);
        }
      }
    }
    return false;
  };

  // The scorer learns from simulated payments against hidden liquidities (a different seed).
  const hidden = new Map<bigint, number>();
  const lr = seeded(77);
  const liquidity = (scid: bigint, dir: 0 | 1, cap: number) => {
    let side0 = hidden.get(scid);
    if (side0 === undefined) hidden.set(scid, (side0 = Math.floor(lr() * cap)));
    return dir === 0 ? side0 : cap - side0;
  };
  const learned = new ProbabilisticScorer();
  let now = 0;
  const tr = seeded(4040);
  let sims = 0;
  let simOk = 0;
  let attempts = 0;
  const tLearn0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    const q = draw(tr);
    sims++;
    for (let attempt = 0; attempt < 5; attempt++) {
      let r: Route;
      try {
        r = router.findRoute({ payer: q.payer, payee: q.payee, amountMsat: q.amount, scorer: learned });
      } catch (e) {
        if (!(e instanceof RouteError)) throw e;
        break;
      }
      attempts++;
      now += 10;
      learned.timePassed(now);
      const failed = r.hops.find((h) => liquidity(h.shortChannelId, h.direction, Number(h.capacityMsat)) < Number(h.amountMsat));
      if (failed) learned.paymentPathFailed(scoredPath(r), failed.shortChannelId, now);
      else {
        learned.paymentPathSuccessful(scoredPath(r), now);
        simOk++;
        break;
      }
    }
  }
  const tLearn = performance.now() - tLearn0;

  const times: number[] = [];
  const timesOk: number[] = [];
  const floor: number[] = [];
  const floorOk: number[] = [];
  const labelTimes: number[] = [];
  const scored: number[] = [];
  const fresh: number[] = [];
  let ok = 0;
  let okScored = 0;
  const empty = new ProbabilisticScorer();
  // Round 0 warms the JIT up; round 1 is measured.
  for (let round = 0; round < 2; round++) {
    for (const q of queries) {
      const p = { payer: q.payer, payee: q.payee, amountMsat: q.amount };
      let found = false;
      const a = performance.now();
      try {
        router.findRoute(p);
        found = true;
      } catch (e) {
        if (!(e instanceof RouteError)) throw e;
      }
      const t = performance.now() - a;
      const labelled = router.lastSearch !== 'dijkstra';
      const s0 = performance.now();
      let sOk = false;
      try {
        router.findRoute({ ...p, scorer: learned });
        sOk = true;
      } catch (e) {
        if (!(e instanceof RouteError)) throw e;
      }
      const ts = performance.now() - s0;
      const e0 = performance.now();
      try {
        router.findRoute({ ...p, scorer: empty });
      } catch (e) {
        if (!(e instanceof RouteError)) throw e;
      }
      const te = performance.now() - e0;
      const b = performance.now();
      plainDijkstra(rg.nodeIndex(q.payee)!, rg.nodeIndex(q.payer)!);
      const tf = performance.now() - b;
      if (round === 0) continue;
      times.push(t);
      floor.push(tf);
      if (found) ok++, timesOk.push(t), floorOk.push(tf);
      if (labelled) labelTimes.push(t);
      if (sOk) okScored++;
      scored.push(ts);
      fresh.push(te);
    }
  }

  /** MPP on amounts × 50 (50,000 sat – 10M sat), where splitting matters. */
  const mppRun = (scorer: Score | undefined) => {
    const all: number[] = [];
    const routed: number[] = [];
    const split: number[] = [];
    let refused = 0;
    let parts = 0;
    for (let round = 0; round < 2; round++) {
      for (const q of queries) {
        const a = performance.now();
        let n = 0;
        try {
          n = findMultiPathRoute(router, { payer: q.payer, payee: q.payee, amountMsat: q.amount * 50n, scorer }, { maxParts: 8 }).paths.length;
        } catch (e) {
          if (!(e instanceof RouteError)) throw e;
          if (round === 1 && /at most \d+ msat/.test(e.message)) refused++;
        }
        const t = performance.now() - a;
        if (round === 0) continue;
        all.push(t);
        if (n) routed.push(t), (parts += n);
        if (n > 1) split.push(t);
      }
    }
    return { all, routed, split, refused, parts };
  };
  const mppScored = mppRun(learned);
  const mppPlain = mppRun(undefined);

  const mem = process.memoryUsage();
  const rgBytes = [rg.inStart, rg.edgeFrom, rg.edgeScid, rg.edgeFeeBase, rg.edgeFeePpm, rg.edgeCltv, rg.edgeHtlcMin, rg.edgeMaxMsat, rg.edgeDir, rg.nodeOutMsat, rg.nodeOutMaxMsat].reduce((a, t) => a + t.byteLength, 0);
  console.log(`\n== ${name}`);
  console.log(`graph: ${g.nodes.length} nodes, ${g.channels.length} channels, ${rg.edgeCount} usable directions; snapshot load ${tLoad.toFixed(0)} ms, RoutingGraph build ${tBuild.toFixed(0)} ms`);
  console.log(`memory: RoutingGraph typed arrays ${(rgBytes / 1e6).toFixed(1)} MB; process heap used ${(mem.heapUsed / 1e6).toFixed(0)} MB, rss ${(mem.rss / 1e6).toFixed(0)} MB (snapshot model included)`);
  console.log(`scorer training: ${sims} simulated payments against hidden liquidities, ${attempts} attempts, ${simOk} succeeded, ${(tLearn / 1000).toFixed(1)} s`);
  console.log('query set'.padEnd(50) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + '  success');
  row('findRoute (single path), routed queries', timesOk, `${ok}/1000`);
  row('findRoute, all queries', times);
  row('  of which answered by the label search', labelTimes, `${labelTimes.length}/1000 (a CLTV/length/fee limit bound)`);
  row('findRoute + scorer after training', scored, `${okScored}/1000`);
  row('findRoute + empty scorer', fresh);
  for (const [label, m] of [['MPP + trained scorer (amounts x50)', mppScored], ['MPP, no scorer (amounts x50)', mppPlain]] as const) {
    row(`${label}, routed`, m.routed, `${m.routed.length}/1000 (${m.split.length} split, ${m.parts} parts)`);
    row('  of which split', m.split);
    row('  all queries (incl. refusals)', m.all, `${m.refused} refused by the capacity bound without a search`);
  }
  row('plain Dijkstra (floor), routed queries', floorOk);
  row('plain Dijkstra (floor), all queries', floor);
  console.log(`ratio to the floor at p50: findRoute ${(pct(timesOk, 0.5) / pct(floorOk, 0.5)).toFixed(2)}x over the routed queries; ${(pct(times, 0.5) / pct(floor, 0.5)).toFixed(2)}x over all queries; with the trained scorer ${(pct(scored, 0.5) / pct(floor, 0.5)).toFixed(2)}x (all)`);
}

const only = process.env.BENCH_SNAPSHOT;
if (!only || only === '2026') bench('2026-02-03 mainnet (Core Lightning gossmap)', () => loadClnGossmap2026());
if (!only || only === '2021') bench('2021-04-16 listchannels (absurd fees included)', () => loadListChannels2021());
