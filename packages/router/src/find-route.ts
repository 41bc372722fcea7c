/**
 * `findRoute` (the seed's `get_route`): the cheapest single path from payer to payee for an
 * amount, found by a Dijkstra search from the payee backwards, so that each hop's fee is
 * computed on the amount it forwards (BOLT 7 "Routing Example"). Honours htlc_minimum_msat,
 * htlc_maximum_msat, capacity, disabled directions, CLTV deltas with the final delta and a
 * maximum total, the maximum path length, excluded channels and nodes, first hops (the
 * payer's own channels with their live outbound capacity, overriding the graph) and invoice
 * route hints (private last hops).
 */
import { IndexHeap } from './heap.js';
import { LabelSearch, type FoundPath, type LabelLimits } from './label-search.js';
import { RouteError, feeFloat, forwardingFeeMsat, usedLiquidityKey, type ExtraEdge, type Query, type Route, type RouteHop, type RouteParams } from './route-types.js';
import { hasLearnedChannels, type Score, type ScoredHop } from './scorer.js';
import { unknownRequiredFeatureBits, unsupportedPayeeFeatureBits } from './features.js';
import type { RoutingGraph } from './routing-graph.js';

export { RouteError, forwardingFeeMsat, usedLiquidityKey, type FirstHop, type Route, type RouteHintHop, type RouteHop, type RouteParams } from './route-types.js';

function lesserId(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

const keyOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Reusable search state for one {@link RoutingGraph}: allocate once, route many times. */
export class Router {
  private amt: Float64Array;
  private cost: Float64Array;
  private cltv: Int32Array;
  private hops: Int32Array;
  private gen: Int32Array;
  private done: Int32Array;
  private nextNode: Int32Array;
  private nextEdge: Int32Array;
  private generation = 0;
  /** Per node, for {@link Router.dijkstra}: `2 × stampGeneration` when labelled in the current search, `+ 1` when settled. */
  private stamp: Int32Array;
  private stampGeneration = 0;
  private heap: IndexHeap;
  /** Liquidity other parts of the payment took, per edge, valid where `usedStamp` is `usedGeneration`. */
  private readonly usedEdge: Float64Array;
  private readonly usedStamp: Int32Array;
  private usedGeneration = 0;

  constructor(readonly graph: RoutingGraph) {
    const n = graph.nodeCount + 64;
    this.amt = new Float64Array(n);
    this.cost = new Float64Array(n);
    this.cltv = new Int32Array(n);
    this.hops = new Int32Array(n);
    this.gen = new Int32Array(n);
    this.done = new Int32Array(n);
    this.nextNode = new Int32Array(n);
    this.nextEdge = new Int32Array(n);
    this.stamp = new Int32Array(n);
    this.heap = new IndexHeap(graph.edgeCount + n + 16);
    this.usedEdge = new Float64Array(graph.edgeCount);
    this.usedStamp = new Int32Array(graph.edgeCount);
  }

  private ensure(n: number): void {
    if (n <= this.amt.length) return;
    const grow = <T extends Float64Array | Int32Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(n * 2);
      b.set(a);
      return b;
    };
    this.amt = grow(this.amt, Float64Array);
    this.cost = grow(this.cost, Float64Array);
    this.cltv = grow(this.cltv, Int32Array);
    this.hops = grow(this.hops, Int32Array);
    this.gen = grow(this.gen, Int32Array);
    this.done = grow(this.done, Int32Array);
    this.nextNode = grow(this.nextNode, Int32Array);
    this.nextEdge = grow(this.nextEdge, Int32Array);
    this.stamp = grow(this.stamp, Int32Array);
    this.heap = new IndexHeap(this.graph.edgeCount + n * 2 + 16);
  }

  /** Resolves node ids, hints, first hops, exclusions and used liquidity of a query. */
  private prepare(p: RouteParams): Query {
    const g = this.graph;
    // Extra nodes (hint nodes and payer/payee unknown to the graph) get indices past the graph's.
    const extraIds = new Map<string, number>();
    const extraNodeIds: Uint8Array[] = [];
    const idx = (id: Uint8Array): number => {
      const i = g.nodeIndex(id);
      if (i !== undefined) return i;
      const k = keyOf(id);
      let j = extraIds.get(k);
      if (j === undefined) {
        j = g.nodeCount + extraNodeIds.length;
        extraIds.set(k, j);
        extraNodeIds.push(id);
      }
      return j;
    };
    const payer = idx(p.payer);
    const payee = idx(p.payee);
    if (payer === payee) throw new RouteError('invalid_params', 'payer and payee are the same node');
    const used = p.usedLiquidityMsat && p.usedLiquidityMsat.size > 0 ? p.usedLiquidityMsat : undefined;
    const usedOf = (scid: bigint, dir: 0 | 1 | 2) => (used ? (used.get(usedLiquidityKey(scid, dir)) ?? 0) : 0);
    const extraIn = new Map<number, ExtraEdge[]>();
    const extraList: ExtraEdge[] = [];
    const addExtra = (to: number, e: Omit<ExtraEdge, 'id'>) => {
      const x = { ...e, id: extraList.length };
      extraList.push(x);
      (extraIn.get(to) ?? extraIn.set(to, []).get(to)!).push(x);
    };
    for (const hint of p.routeHints ?? []) {
      hint.forEach((h, k) => {
        const toId = k + 1 < hint.length ? hint[k + 1]!.pubkey : p.payee;
        const to = idx(toId);
        const dir = lesserId(h.pubkey, toId) ? 0 : 1;
        addExtra(to, {
          dir, from: idx(h.pubkey), scid: h.shortChannelId, base: h.feeBaseMsat, ppm: h.feeProportionalMillionths, cltv: h.cltvExpiryDelta,
          min: Number(h.htlcMinimumMsat ?? 0n), max: h.htlcMaximumMsat === undefined ? Infinity : Number(h.htlcMaximumMsat), first: false,
          used: usedOf(h.shortChannelId, dir),
        });
      });
    }
    for (const f of p.firstHops ?? []) {
      addExtra(idx(f.counterparty), {
        dir: 2, from: payer, scid: f.shortChannelId, base: 0, ppm: 0, cltv: 0, min: Number(f.htlcMinimumMsat ?? 0n), max: Number(f.outboundCapacityMsat), first: true,
        used: usedOf(f.shortChannelId, 2),
      });
    }
    this.ensure(g.nodeCount + extraNodeIds.length + 1);
    if (used) {
      const ug = ++this.usedGeneration;
      for (const [k, v] of used) {
        const dir = Number(k % 4n);
        if (dir > 1) continue;
        const e = g.edgeIndex(k / 4n, dir as 0 | 1);
        if (e === undefined) continue;
        this.usedEdge[e] = v;
        this.usedStamp[e] = ug;
      }
    }
    return {
      payer, payee, extraNodeIds, extraIn, extraList,
      excludedNodes: new Set((p.excludedNodes ?? []).map((id) => idx(id))),
      excludedChannels: new Set(p.excludedChannels ?? []),
      useGraphFirstHops: p.firstHops === undefined,
      hasUsed: used !== undefined,
    };
  }

  /** What edge `e` can still carry: its capacity (min of capacity and htlc_maximum) less what other parts took. */
  private available(q: Query, e: number): number {
    const max = this.graph.edgeMaxMsat[e]!;
    return q.hasUsed && this.usedStamp[e] === this.usedGeneration ? max - this.usedEdge[e]! : max;
  }

  /**
   * Whether some channel into the payee takes `amount` (htlc limits, liquidity left) and some
   * channel of the payer can carry it: a check of the two ends before a search, which would
   * otherwise explore everything reachable to learn that no single path exists.
   */
  private endsCanCarry(q: Query, amount: number): boolean {
    const g = this.graph;
    let into = false;
    if (q.payee < g.nodeCount) {
      for (let e = g.inStart[q.payee]!, end = g.inStart[q.payee + 1]!; e < end && !into; e++) {
        const u = g.edgeFrom[e]!;
        if (u === q.payer ? !q.useGraphFirstHops : q.excludedNodes.has(u)) continue;
        into = g.edgeHtlcMin[e]! <= amount && amount <= this.available(q, e);
      }
    }
    let out = q.useGraphFirstHops && q.payer < g.nodeCount && g.nodeOutMaxMsat[q.payer]! >= amount;
    for (const [to, xs] of q.extraIn) {
      for (const x of xs) {
        if (to === q.payee && x.min <= amount && amount <= x.max - x.used) into = true;
        if (x.from === q.payer && amount <= x.max - x.used) out = true;
      }
    }
    return into && out;
  }

  /**
   * The path of `route` (found for the same payer, payee, hints and first hops) for
   * `p.amountMsat` instead, recomputed exactly with no search; undefined when a hop cannot carry
   * the new amount or the fee budget is exceeded. Used to resize a part of a split.
   */
  repriced(p: RouteParams, route: Route): Route | undefined {
    const g = this.graph;
    const q = this.prepare(p);
    const indexOf = (id: Uint8Array): number | undefined => {
      const i = g.nodeIndex(id);
      if (i !== undefined) return i;
      const k = q.extraNodeIds.findIndex((x) => x.length === id.length && x.every((b, j) => b === id[j]));
      return k < 0 ? undefined : g.nodeCount + k;
    };
    const nodes = [q.payer];
    const edges: number[] = [];
    for (const h of route.hops) {
      const from = nodes[nodes.length - 1]!;
      const to = indexOf(h.nodeId);
      if (to === undefined) return undefined;
      const x = q.extraIn.get(to)?.find((x) => x.from === from && x.scid === h.shortChannelId);
      let e: number | undefined = x ? -(x.id + 1) : undefined;
      if (e === undefined && !(from === q.payer && !q.useGraphFirstHops)) {
        e = g.edgeIndex(h.shortChannelId, h.direction);
        if (e !== undefined && (g.edgeFrom[e] !== from || q.excludedChannels.has(h.shortChannelId))) e = undefined;
      }
      if (e === undefined) return undefined;
      nodes.push(to);
      edges.push(e);
    }
    try {
      return this.buildRoute(p, q, p.finalCltvExpiryDelta ?? 18, { nodes, edges });
    } catch (e) {
      if (e instanceof RouteError) return undefined;
      throw e;
    }
  }

  /**
   * The widest single channel left at the two ends: the most one path can carry at most, from
   * the payee's channels (liquidity other parts took counted) and the payer's (first hops when
   * given). No search; an upper bound of {@link Router.maxPathCapacityMsat}.
   */
  endsCapacityMsat(p: RouteParams): number {
    const g = this.graph;
    const q = this.prepare(p);
    let into = 0;
    if (q.payee < g.nodeCount) {
      for (let e = g.inStart[q.payee]!, end = g.inStart[q.payee + 1]!; e < end; e++) {
        const u = g.edgeFrom[e]!;
        if (u === q.payer ? !q.useGraphFirstHops : q.excludedNodes.has(u)) continue;
        if (q.excludedChannels.size && q.excludedChannels.has(g.edgeScid[e]!)) continue;
        into = Math.max(into, this.available(q, e));
      }
    }
    let out = q.useGraphFirstHops && q.payer < g.nodeCount ? g.nodeOutMaxMsat[q.payer]! : 0;
    for (const [to, xs] of q.extraIn) {
      for (const x of xs) {
        if (q.excludedChannels.has(x.scid)) continue;
        if (to === q.payee && !(x.from !== q.payer && q.excludedNodes.has(x.from))) into = Math.max(into, x.max - x.used);
        if (x.from === q.payer) out = Math.max(out, x.max - x.used);
      }
    }
    return Math.min(into, out);
  }

  /**
   * An upper bound of what all paths together can deliver: the smaller of what the payee can
   * receive over its channels (and hint channels) and what the payer can send over its own
   * (first hops when given), after exclusions and liquidity other parts took. No search.
   */
  capacityBoundMsat(p: RouteParams): number {
    const g = this.graph;
    const q = this.prepare(p);
    let into = 0;
    if (q.payee < g.nodeCount) {
      for (let e = g.inStart[q.payee]!, end = g.inStart[q.payee + 1]!; e < end; e++) {
        const u = g.edgeFrom[e]!;
        if (u === q.payer ? !q.useGraphFirstHops : q.excludedNodes.has(u)) continue;
        if (q.excludedChannels.size && q.excludedChannels.has(g.edgeScid[e]!)) continue;
        into += Math.max(0, this.available(q, e));
      }
    }
    let out = q.useGraphFirstHops && q.payer < g.nodeCount ? g.nodeOutMsat[q.payer]! : 0;
    for (const [to, xs] of q.extraIn) {
      for (const x of xs) {
        if (q.excludedChannels.has(x.scid)) continue;
        const cap = Math.max(0, x.max - x.used);
        if (to === q.payee && !(x.from !== q.payer && q.excludedNodes.has(x.from))) into += cap;
        if (x.from === q.payer) out += cap;
      }
    }
    return Math.min(into, out);
  }

  /**
   * The widest path's bottleneck: the most any single path from payer to payee can carry
   * (min over its hops of what the channel can still carry), honouring exclusions, first hops,
   * hints and used liquidity but not fees, htlc minimums, CLTV or path length, so an upper bound
   * of one path's amount (0 when the payee cannot be reached). One search, from the payee.
   */
  maxPathCapacityMsat(p: RouteParams): number {
    const g = this.graph;
    const q = this.prepare(p);
    const { payer, payee } = q;
    const gen = ++this.generation;
    const { amt, heap } = this;
    heap.clear();
    amt[payee] = Infinity;
    this.gen[payee] = gen;
    heap.push(payee, -Infinity);
    const reach = (u: number, c: number) => {
      if (c <= 0 || (u !== payer && q.excludedNodes.has(u))) return;
      if (this.gen[u] !== gen || (this.done[u] !== gen && c > amt[u]!)) {
        this.gen[u] = gen;
        this.done[u] = 0;
        amt[u] = c;
        heap.push(u, -c);
      }
    };
    while (heap.size > 0) {
      const key = heap.topKey();
      const v = heap.pop();
      if (this.done[v] === gen || -key < amt[v]!) continue;
      this.done[v] = gen;
      if (v === payer) return amt[v]!;
      const b = amt[v]!;
      if (v < g.nodeCount) {
        for (let e = g.inStart[v]!, end = g.inStart[v + 1]!; e < end; e++) {
          const u = g.edgeFrom[e]!;
          if (u === payer && !q.useGraphFirstHops) continue;
          if (q.excludedChannels.size && q.excludedChannels.has(g.edgeScid[e]!)) continue;
          const c = this.available(q, e);
          reach(u, c < b ? c : b);
        }
      }
      for (const x of q.extraIn.get(v) ?? []) {
        if (q.excludedChannels.has(x.scid)) continue;
        reach(x.from, Math.min(b, x.max - x.used));
      }
    }
    return 0;
  }

  /**
   * Finds the cheapest route within the limits; throws {@link RouteError} when there is none.
   *
   * First a Dijkstra search with one label a node, where only the htlc limits, capacity, the
   * exclusions and (without a scorer, where cost is fee) the fee budget prune. Its route is the
   * cheapest of all; when it also fits the CLTV cap, the path length and the fee budget, it is
   * the answer (about 97% of mainnet queries). Otherwise a limit binds, and a cheap path that
   * breaks it could hide a dearer one that fits: the same search pruning by every limit gives a
   * route within them (not always the cheapest), and the constrained label search
   * (`LabelSearch`, internal; limits {@link MAX_LABELS} and {@link MAX_LABELS_PER_NODE}), bounded by that route's cost, finds the cheapest within them.
   */
  findRoute(p: RouteParams): Route {
    if (p.amountMsat <= 0n) throw new RouteError('invalid_params', 'amount must be positive');
    if (p.maxFeeMsat !== undefined && p.maxFeeMsat < 0n) throw new RouteError('invalid_params', 'maxFeeMsat must not be negative');
    const q = this.prepare(p);
    this.checkPayeeFeatures(p, q);
    const lim: LabelLimits = {
      amount: Number(p.amountMsat),
      finalDelta: p.finalCltvExpiryDelta ?? 18,
      maxCltv: p.maxTotalCltvExpiryDelta ?? 1008,
      maxLen: p.maxPathLength ?? 20,
      maxFee: p.maxFeeMsat === undefined ? Infinity : Number(p.maxFeeMsat),
      scorer: p.scorer,
      bound: Infinity,
    };
    if (!this.endsCanCarry(q, lim.amount)) throw new RouteError('no_route', 'no channel of the payee can receive, or none of the payer send, the amount');
    const first = this.dijkstra(q, lim, false);
    if (!first.found) throw new RouteError('no_route', 'no route satisfies the constraints');
    this.lastSearch = 'dijkstra';
    if (first.cltv <= lim.maxCltv && first.hops <= lim.maxLen && first.fee <= lim.maxFee) return this.buildRoute(p, q, lim.finalDelta, this.dijkstraPath(q));
    // A limit binds: the single-label search within the limits gives a route (maybe not the
    // cheapest), whose cost bounds the label search, which finds the cheapest.
    const second = this.dijkstra(q, lim, true);
    let path = second.found ? this.dijkstraPath(q) : undefined;
    const ls = (this.labelSearch ??= new LabelSearch(this.graph));
    const better = ls.run(q, { ...lim, bound: second.found ? second.cost : Infinity }, q.hasUsed ? { edge: this.usedEdge, stamp: this.usedStamp, generation: this.usedGeneration } : undefined, lim.scorer ? this.learnedEdges(lim.scorer) : undefined);
    this.lastSearch = ls.truncated ? 'labels-truncated' : 'labels';
    if (better) path = better;
    if (!path) throw new RouteError('no_route', 'no route satisfies the constraints');
    return this.buildRoute(p, q, lim.finalDelta, path);
  }

  /**
   * The payee's features as the payment must honour them: the invoice's when given, else what
   * the payee's `node_announcement` set (BOLT 9 "Rationale": the invoice's override), if known.
   */
  payeeFeatures(p: RouteParams): Uint8Array | undefined {
    if (p.payeeFeatures) return p.payeeFeatures;
    const i = this.graph.nodeIndex(p.payee);
    return i === undefined ? undefined : this.graph.featuresOf(i);
  }

  /** Refuses payees whose required features the payer cannot honour (BOLT 7 `node_announcement`, BOLT 11 reader). */
  private checkPayeeFeatures(p: RouteParams, q: Query): void {
    if (p.payeeFeatures) {
      const bad = unsupportedPayeeFeatureBits(p.payeeFeatures, p.payerFeatures);
      if (bad.length) throw new RouteError('unsupported_features', `the invoice requires feature bit(s) ${bad.join(', ')}, which the payer does not support (BOLT 11)`);
      return;
    }
    const ann = q.payee < this.graph.nodeCount ? this.graph.featuresOf(q.payee) : undefined;
    const unknown = ann ? unknownRequiredFeatureBits(ann) : [];
    if (unknown.length) throw new RouteError('unsupported_features', `the payee's node_announcement requires unknown feature bit(s) ${unknown.join(', ')}; without an invoice lacking them it must not be paid (BOLT 7)`);
  }

  /** Which search answered the last {@link Router.findRoute}: the plain Dijkstra, or the constrained label search too (`labels-truncated` when it ran out of room). */
  lastSearch: 'dijkstra' | 'labels' | 'labels-truncated' = 'dijkstra';
  /**
   * Whether the last {@link Router.findRoute}'s first search turned away a channel that could
   * not carry the amount (htlc_maximum, capacity, liquidity other parts took) and through which
   * a path would have cost less than the route found. Only then can parts of the amount cost
   * less than the whole: a path's fees are affine in the amount with a non-negative base, so if
   * every path through such channels costs at least as much as the route for the whole amount,
   * so does any split (used by {@link findMultiPathRoute}).
   */
  lastCapacityLimited = false;
  private labelSearch?: LabelSearch;

  /**
   * Dijkstra from the payee backwards, one label a node. Returns whether the payer was reached,
   * at what cost, and the cheapest label dropped for a limit that is not monotone in the cost
   * (CLTV cap, path length, and the fee budget when a scorer makes cost differ from fees).
   */
  private dijkstra(q: Query, lim: LabelLimits, constrained: boolean): { found: boolean; cost: number; fee: number; cltv: number; hops: number } {
    const g = this.graph;
    const { payer, payee, excludedNodes, excludedChannels, useGraphFirstHops, extraIn } = q;
    const { amount, scorer } = lim;
    // Unconstrained, only the fee budget prunes, and only where cost is fee (no scorer): monotone.
    const maxCltv = constrained ? lim.maxCltv : Infinity;
    const maxLen = constrained ? lim.maxLen : Infinity;
    const maxFee = constrained || !scorer ? lim.maxFee : Infinity;
    /** The most a hop may carry: the amount plus the fee budget, and below 2^53 (float64 exact). */
    const maxAmt = Math.min(amount + maxFee, 2 ** 53 - 1);
    // One stamp a node: `lab` = labelled in this search, `fin` = settled in it.
    const lab = 2 * ++this.stampGeneration;
    const fin = lab + 1;
    const { amt, cost, cltv, hops, nextNode, nextEdge, heap, usedEdge, usedStamp } = this;
    const stamp = this.stamp;
    const { inStart, edgeF64, edgeI32, edgeMaxMsat, edgeScid, edgeDir } = g;
    const ug = q.hasUsed ? this.usedGeneration : -1;
    const anyExcludedNode = excludedNodes.size > 0;
    const anyExcludedChannel = excludedChannels.size > 0;
    const anyExtra = extraIn.size > 0;
    const unroutable = g.unroutableCount > 0 ? g.nodeUnroutable : undefined;
    /** The least a path through a channel too small for the amount costs (at that amount), at least. */
    let capacityMin = Infinity;
    // With a scorer that tells what it learned, only learned directions need their channel id.
    const learned = scorer ? this.learnedEdges(scorer) : undefined;
    const fast = learned && scorer && hasLearnedChannels(scorer) ? scorer : undefined;
    heap.clear();
    amt[payee] = amount;
    cost[payee] = 0;
    cltv[payee] = lim.finalDelta;
    hops[payee] = 0;
    stamp[payee] = lab;
    heap.push(payee, 0);
    const nodeCount = g.nodeCount;
    while (heap.size > 0) {
      const key = heap.topKey();
      const v = heap.pop();
      if (stamp[v] === fin || key > cost[v]!) continue;
      stamp[v] = fin;
      if (v === payer) {
        this.lastCapacityLimited = capacityMin < cost[v]!;
        return { found: true, cost: cost[v]!, fee: amt[v]! - amount, cltv: cltv[v]!, hops: hops[v]! };
      }
      if (hops[v]! >= maxLen) continue;
      const a = amt[v]!;
      const cv = cost[v]!;
      const clv = cltv[v]!;
      const hv = hops[v]! + 1;
      // BOLT 7 fee on `a`, split once per node so each edge costs one product and one division (exact: see feeFloat).
      const aHi = Math.floor(a / 1e6);
      const aLo = a - aHi * 1e6;
      if (v < nodeCount) {
        for (let e = inStart[v]!, end = inStart[v + 1]!; e < end; e++) {
          const f = 4 * e;
          if (a < edgeF64[f]!) continue;
          const u = edgeI32[2 * e]!;
          const taken = ug >= 0 && usedStamp[e] === ug ? usedEdge[e]! : 0;
          if (a > edgeF64[f + 1]! - taken) {
            // Too small for the amount: what a path through it costs at least (for the split test).
            if (cv < capacityMin) {
              const ppm = edgeF64[f + 3]!;
              const lb = u === payer ? cv : cv + edgeF64[f + 2]! + aHi * ppm + Math.floor((aLo * ppm) / 1e6);
              if (lb < capacityMin) capacityMin = lb;
            }
            continue;
          }
          // Costs are never negative, so a settled node cannot improve (Dijkstra).
          if (stamp[u] === fin) continue;
          let na = a;
          let nc = clv;
          if (u === payer) {
            if (!useGraphFirstHops) continue;
          } else {
            const ppm = edgeF64[f + 3]!;
            na = a + edgeF64[f + 2]! + aHi * ppm + Math.floor((aLo * ppm) / 1e6);
            nc = clv + edgeI32[2 * e + 1]!;
            if (na > maxAmt || nc > maxCltv) continue;
            if (anyExcludedNode && excludedNodes.has(u)) continue;
            // BOLT 7: never through a node whose node_announcement requires unknown even bits.
            if (unroutable && unroutable[u]) continue;
          }
          if (anyExcludedChannel && excludedChannels.has(edgeScid[e]!)) continue;
          // The scorer sees what this part adds to what other parts already send over the channel.
          let ncost = cv + (na - a);
          if (scorer && u !== payer) {
            ncost += fast && !learned![e] ? fast.unlearnedPenaltyMsat(a + taken, edgeMaxMsat[e]!) : scorer.channelPenaltyMsat(edgeScid[e]!, edgeDir[e]! as 0 | 1, a + taken, edgeMaxMsat[e]!);
          }
          if (stamp[u] !== lab || ncost < cost[u]!) {
            stamp[u] = lab;
            amt[u] = na;
            cost[u] = ncost;
            cltv[u] = nc;
            hops[u] = hv;
            nextNode[u] = v;
            nextEdge[u] = e;
            heap.push(u, ncost);
          }
        }
      }
      if (anyExtra) {
        for (const x of extraIn.get(v) ?? []) {
          const u = x.from;
          if (a < x.min || excludedChannels.has(x.scid)) continue;
          if (a > x.max - x.used) {
            const lb = x.first || u === payer ? cv : cv + feeFloat(a, x.base, x.ppm);
            if (lb < capacityMin) capacityMin = lb;
            continue;
          }
          if (stamp[u] === fin) continue;
          if (u !== payer && ((anyExcludedNode && excludedNodes.has(u)) || (unroutable && unroutable[u]))) continue;
          const free = x.first || u === payer;
          const na = free ? a : a + feeFloat(a, x.base, x.ppm);
          const nc = free ? clv : clv + x.cltv;
          if (na > maxAmt || nc > maxCltv) continue;
          const ncost = cv + (na - a);
          if (stamp[u] !== lab || ncost < cost[u]!) {
            stamp[u] = lab;
            amt[u] = na;
            cost[u] = ncost;
            cltv[u] = nc;
            hops[u] = hv;
            nextNode[u] = v;
            nextEdge[u] = -(x.id + 1);
            heap.push(u, ncost);
          }
        }
      }
    }
    this.lastCapacityLimited = capacityMin < Infinity;
    return { found: false, cost: Infinity, fee: Infinity, cltv: 0, hops: 0 };
  }

  private readonly learnedCache = new WeakMap<Score, { version: number; flags: Uint8Array }>();

  /**
   * Per edge, 1 when the scorer learned something about its channel direction (kept per scorer,
   * refreshed when its {@link LearnedChannels.learnedVersion} changes); undefined for scorers
   * that do not tell.
   */
  private learnedEdges(scorer: Score): Uint8Array | undefined {
    if (!hasLearnedChannels(scorer)) return undefined;
    let c = this.learnedCache.get(scorer);
    if (c && c.version === scorer.learnedVersion) return c.flags;
    if (!c) this.learnedCache.set(scorer, (c = { version: -1, flags: new Uint8Array(this.graph.edgeCount) }));
    const flags = c.flags;
    flags.fill(0);
    scorer.forEachLearned((scid, dir) => {
      const e = this.graph.edgeIndex(scid, dir);
      if (e !== undefined) flags[e] = 1;
    });
    c.version = scorer.learnedVersion;
    return flags;
  }

  /** The path the last {@link Router.dijkstra} found, payer first. */
  private dijkstraPath(q: Query): FoundPath {
    const nodes = [q.payer];
    const edges: number[] = [];
    for (let u = q.payer; u !== q.payee; u = this.nextNode[u]!) {
      edges.push(this.nextEdge[u]!);
      nodes.push(this.nextNode[u]!);
    }
    return { nodes, edges };
  }

  /** Walks a found path forward from the payer and recomputes amounts exactly in bigint. */
  private buildRoute(p: RouteParams, q: Query, finalDelta: number, found: FoundPath): Route {
    const g = this.graph;
    const nodeIdOf = (i: number) => (i < g.nodeCount ? g.nodeIds[i]! : q.extraNodeIds[i - g.nodeCount]!);
    const path = found.edges.map((e, i) => {
      const u = found.nodes[i]!;
      const v = found.nodes[i + 1]!;
      const x = e < 0 ? q.extraList[-e - 1]! : undefined;
      return {
        node: v,
        scid: x ? x.scid : g.edgeScid[e]!,
        base: x ? x.base : g.edgeFeeBase[e]!,
        ppm: x ? x.ppm : g.edgeFeePpm[e]!,
        delta: x ? x.cltv : g.edgeCltv[e]!,
        min: x ? x.min : g.edgeHtlcMin[e]!,
        max: x ? x.max : g.edgeMaxMsat[e]!,
        avail: x ? x.max - x.used : this.available(q, e),
        dir: (x ? (lesserId(nodeIdOf(u), nodeIdOf(v)) ? 0 : 1) : g.edgeDir[e]!) as 0 | 1,
      };
    });
    const height = p.currentBlockHeight ?? 0;
    const out: RouteHop[] = new Array(path.length);
    let amountIn = p.amountMsat;
    let cltvIn = finalDelta;
    for (let i = path.length - 1; i >= 0; i--) {
      const hop = path[i]!;
      const fee = i === path.length - 1 ? 0n : forwardingFeeMsat(out[i + 1]!.amountMsat, path[i + 1]!.base, path[i + 1]!.ppm);
      if (i < path.length - 1) {
        amountIn = out[i + 1]!.amountMsat + fee;
        cltvIn = out[i + 1]!.cltvExpiry - height + path[i + 1]!.delta;
      }
      if (Number(amountIn) < hop.min || Number(amountIn) > hop.avail) throw new RouteError('no_route', 'route failed the exact amount check');
      out[i] = {
        nodeId: nodeIdOf(hop.node), shortChannelId: hop.scid, amountMsat: amountIn, feeMsat: fee, cltvExpiry: height + cltvIn,
        direction: hop.dir, capacityMsat: BigInt(Number.isFinite(hop.max) ? hop.max : Number.MAX_SAFE_INTEGER),
      };
    }
    const total = out[0]!.amountMsat;
    if (p.maxFeeMsat !== undefined && total - p.amountMsat > p.maxFeeMsat) throw new RouteError('no_route', 'route failed the exact fee check');
    return { hops: out, totalAmountMsat: total, totalFeeMsat: total - p.amountMsat, totalCltvExpiryDelta: out[0]!.cltvExpiry - height };
  }
}

/** The hops of a route as the scorer needs them, to report a payment's outcome. */
export function scoredPath(route: Route): ScoredHop[] {
  return route.hops.map((h) => ({ shortChannelId: h.shortChannelId, direction: h.direction, amountMsat: h.amountMsat, capacityMsat: h.capacityMsat }));
}

/** One-shot `findRoute` over a {@link RoutingGraph} (build a {@link Router} to route many times). */
export function findRoute(graph: RoutingGraph, params: RouteParams): Route {
  return new Router(graph).findRoute(params);
}

/** The seed's name for {@link findRoute}. */
export const getRoute = findRoute;
