/**
 * `npm run bench` in @ln/router: 1,000 seeded random payer/payee/amount queries on the 2026
 * mainnet snapshot — p50/p99 of `findRoute` and its success rate — next to a plain Dijkstra
 * (unit weights, no fees or constraints) over the same compact graph in the same run, the floor;
 * then `findMultiPathRoute` with the scorer on amounts 50 times larger (50,000 sat to 10M sat).
 */
import { loadClnGossmap2026 } from '@ln/graph-snapshots/node';
import { IndexHeap, ProbabilisticScorer, RouteError, Router, RoutingGraph, findMultiPathRoute, type ChannelView } from '@ln/router';

const t0 = performance.now();
const g = loadClnGossmap2026();
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
let x = 2026;
const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 0x100000000);
const queries = Array.from({ length: 1000 }, () => ({
  payer: senders[Math.floor(rnd() * senders.length)]!,
  payee: receivers[Math.floor(rnd() * receivers.length)]!,
  amount: BigInt(Math.floor(10 ** (3 + rnd() * 2.3))) * 1000n,
}));

/** Plain Dijkstra from the payee backwards with unit weights over the same CSR: the floor. */
const dist = new Float64Array(rg.nodeCount);
const heap = new IndexHeap(rg.edgeCount + rg.nodeCount);
function plainDijkstra(src: number, dst: number): boolean {
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
}

/** MPP with the scorer on bigger amounts (50,000 sat – 10M sat), where splitting matters. */
function mppRun(): { times: number[]; routed: number[]; split: number[]; refused: number; parts: number } {
  const times: number[] = [];
  const routed: number[] = [];
  const split: number[] = [];
  let refused = 0;
  let parts = 0;
  const sc = new ProbabilisticScorer();
  for (let round = 0; round < 2; round++) {
    for (const q of queries) {
      const amountMsat = q.amount * 50n;
      const a = performance.now();
      let n = 0;
      try {
        n = findMultiPathRoute(router, { payer: g.nodes[q.payer]!.nodeId, payee: g.nodes[q.payee]!.nodeId, amountMsat, scorer: sc }, { maxParts: 8 }).paths.length;
      } catch (e) {
        if (!(e instanceof RouteError)) throw e;
        if (round === 1 && /at most \d+ msat/.test(e.message)) refused++;
      }
      const t = performance.now() - a;
      if (round === 0) continue;
      times.push(t);
      if (n) routed.push(t), (parts += n);
      if (n > 1) split.push(t);
    }
  }
  return { times, routed, split, refused, parts };
}

const pct = (a: number[], p: number) => a.sort((m, n) => m - n)[Math.min(a.length - 1, Math.floor(a.length * p))]!;
const times: number[] = [];
const scored: number[] = [];
const floor: number[] = [];
let ok = 0;
let okScored = 0;
const scorer = new ProbabilisticScorer();
// Round 0 warms the JIT up; round 1 is measured.
for (let round = 0; round < 2; round++) {
  for (const q of queries) {
    const a = performance.now();
    try {
      router.findRoute({ payer: g.nodes[q.payer]!.nodeId, payee: g.nodes[q.payee]!.nodeId, amountMsat: q.amount });
      if (round === 1) ok++;
    } catch (e) {
      if (!(e instanceof RouteError)) throw e;
    }
    if (round === 1) times.push(performance.now() - a);
    const s0 = performance.now();
    try {
      router.findRoute({ payer: g.nodes[q.payer]!.nodeId, payee: g.nodes[q.payee]!.nodeId, amountMsat: q.amount, scorer });
      if (round === 1) okScored++;
    } catch (e) {
      if (!(e instanceof RouteError)) throw e;
    }
    if (round === 1) scored.push(performance.now() - s0);
    const b = performance.now();
    plainDijkstra(rg.nodeIndex(g.nodes[q.payee]!.nodeId)!, rg.nodeIndex(g.nodes[q.payer]!.nodeId)!);
    if (round === 1) floor.push(performance.now() - b);
  }
}
const mpp = mppRun();
const mem = process.memoryUsage();
const rgBytes = [rg.inStart, rg.edgeFrom, rg.edgeScid, rg.edgeFeeBase, rg.edgeFeePpm, rg.edgeCltv, rg.edgeHtlcMin, rg.edgeMaxMsat, rg.edgeDir, rg.nodeOutMsat].reduce((a, t) => a + t.byteLength, 0);
console.log(`graph: ${g.nodes.length} nodes, ${g.channels.length} channels, ${rg.edgeCount} usable directions; snapshot load ${tLoad.toFixed(0)} ms, RoutingGraph build ${tBuild.toFixed(0)} ms`);
console.log(`memory: RoutingGraph typed arrays ${(rgBytes / 1e6).toFixed(1)} MB; process heap used ${(mem.heapUsed / 1e6).toFixed(0)} MB, rss ${(mem.rss / 1e6).toFixed(0)} MB (snapshot model included)`);
const row = (name: string, a: number[], extra = '') => console.log(name.padEnd(40) + (a.length ? pct(a, 0.5).toFixed(3) : '-').padStart(9) + (a.length ? pct(a, 0.99).toFixed(3) : '-').padStart(9) + '  ' + extra);
console.log('query set'.padEnd(40) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + '  success');
row('findRoute (single path)', times, `${ok}/1000`);
row('findRoute + probabilistic scorer', scored, `${okScored}/1000`);
row('MPP + scorer (amounts x50), all', mpp.times, `${mpp.routed.length}/1000 (${mpp.split.length} split, ${mpp.parts} parts; ${mpp.refused} refused by the capacity bound)`);
row('  of which routed', mpp.routed);
row('  of which split', mpp.split);
row('plain Dijkstra (floor)', floor);
console.log(`ratio to the floor at p50: findRoute ${(pct(times, 0.5) / pct(floor, 0.5)).toFixed(2)}x, with scorer ${(pct(scored, 0.5) / pct(floor, 0.5)).toFixed(2)}x`);
