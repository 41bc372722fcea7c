/**
 * `npm run bench` in @ln/router: 1,000 seeded random payer/payee/amount queries on the 2026
 * mainnet snapshot — p50/p99 of `findRoute` and its success rate — next to a plain Dijkstra
 * (unit weights, no fees or constraints) over the same compact graph in the same run, the floor.
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

/** MPP with the scorer on bigger amounts (0.01–1 BTC), where splitting matters. */
function mppRun(): { times: number[]; ok: number; multi: number } {
  const times: number[] = [];
  let okM = 0;
  let multi = 0;
  const sc = new ProbabilisticScorer();
  for (const q of queries) {
    const amountMsat = q.amount * 50n;
    const a = performance.now();
    try {
      const m = findMultiPathRoute(router, { payer: g.nodes[q.payer]!.nodeId, payee: g.nodes[q.payee]!.nodeId, amountMsat, scorer: sc }, { maxParts: 8 });
      okM++;
      if (m.paths.length > 1) multi++;
    } catch (e) {
      if (!(e instanceof RouteError)) throw e;
    }
    times.push(performance.now() - a);
  }
  return { times, ok: okM, multi };
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
const mem = process.memoryUsage();
console.log(`graph: ${g.nodes.length} nodes, ${g.channels.length} channels, ${rg.edgeCount} usable directions; snapshot load ${tLoad.toFixed(0)} ms, router graph build ${tBuild.toFixed(0)} ms, heap used ${(mem.heapUsed / 1e6).toFixed(0)} MB`);
console.log('query set'.padEnd(34) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + '  success');
console.log('findRoute (single path)'.padEnd(34) + pct(times, 0.5).toFixed(3).padStart(9) + pct(times, 0.99).toFixed(3).padStart(9) + `  ${ok}/1000`);
console.log('findRoute + probabilistic scorer'.padEnd(34) + pct(scored, 0.5).toFixed(3).padStart(9) + pct(scored, 0.99).toFixed(3).padStart(9) + `  ${okScored}/1000`);
const mpp = mppRun();
console.log('MPP + scorer (amounts x50)'.padEnd(34) + pct(mpp.times, 0.5).toFixed(3).padStart(9) + pct(mpp.times, 0.99).toFixed(3).padStart(9) + `  ${mpp.ok}/1000 (${mpp.multi} split)`);
console.log('plain Dijkstra (floor)'.padEnd(34) + pct(floor, 0.5).toFixed(3).padStart(9) + pct(floor, 0.99).toFixed(3).padStart(9));
console.log(`ratio findRoute/floor at p50: ${(pct(times, 0.5) / pct(floor, 0.5)).toFixed(2)}x`);
