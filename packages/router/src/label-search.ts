/**
 * The constrained search behind `findRoute` when a limit binds: a label-setting search (Martins'
 * multi-criteria Dijkstra) from the payee backwards that keeps, per node, every label not
 * dominated on (cost, CLTV delta, hops) — and on the amount too when a scorer and a fee budget
 * make fees a separate constraint. A cheap path that breaks the maximum total CLTV
 * (`maxTotalCltvExpiryDelta`) or the maximum path length then no longer hides a dearer one that
 * fits (BOLT 7 "Routing": the route must honour every hop's `cltv_expiry_delta`; BOLT 4: the
 * onion holds a bounded number of hop payloads).
 *
 * Labels are popped in increasing cost; every label kept is feasible, and extending a label
 * keeps dominance (fees, penalties, deltas and hop counts are non-negative and monotone in the
 * amount), so the first label popped at the payer is the cheapest route within the limits. The
 * search is bounded: labels costing at least `bound` (the cost of a route already found) are
 * dropped, a node keeps at most {@link MAX_LABELS_PER_NODE} labels and a search at most
 * {@link MAX_LABELS}; past either it is no longer exact and says so (`truncated`).
 */
import { IndexHeap } from './heap.js';
import type { RoutingGraph } from './routing-graph.js';
import { feeFloat, type Query } from './route-types.js';
import { hasLearnedChannels, type Score } from './scorer.js';

/** At most this many labels a node in one search. */
export const MAX_LABELS_PER_NODE = 32;
/** At most this many labels in one search (~11 MB of typed arrays at the most). */
export const MAX_LABELS = 1 << 18;

/** What the constrained search must respect. */
export interface LabelLimits {
  readonly amount: number;
  readonly finalDelta: number;
  readonly maxCltv: number;
  readonly maxLen: number;
  /** Fee budget (msat), Infinity when none. */
  readonly maxFee: number;
  readonly scorer?: Score;
  /** Labels costing this much or more are useless (a route of that cost is already known). */
  readonly bound: number;
}

/** Liquidity other parts took, per graph edge (valid where `stamp[e] === generation`). */
export interface UsedLiquidity {
  readonly edge: Float64Array;
  readonly stamp: Int32Array;
  readonly generation: number;
}

/** A path as found: the nodes from the payer to the payee and the edge into each (`edges[i]` from `nodes[i]` to `nodes[i + 1]`; negative = `-(extra id + 1)`). */
export interface FoundPath {
  readonly nodes: number[];
  readonly edges: number[];
}

/** Reusable state of the constrained search over one graph. */
export class LabelSearch {
  private cap = 0;
  private lNode = new Int32Array(0);
  private lCost = new Float64Array(0);
  private lAmt = new Float64Array(0);
  private lCltv = new Int32Array(0);
  private lHops = new Int32Array(0);
  private lParent = new Int32Array(0);
  private lEdge = new Int32Array(0);
  private lNext = new Int32Array(0);
  private lDead = new Uint8Array(0);
  private head = new Int32Array(0);
  private headGen = new Int32Array(0);
  private count = new Int32Array(0);
  private heap = new IndexHeap(0);
  private size = 0;
  private gen = 0;
  /** Whether the last search dropped a label for lack of room (then it may miss a route). */
  truncated = false;
  /** Labels the last search created. */
  labels = 0;

  constructor(private readonly graph: RoutingGraph) {}

  private growPool(n: number): void {
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(n);
      b.set(a.subarray(0, this.size) as never);
      return b;
    };
    this.lNode = grow(this.lNode, Int32Array);
    this.lCost = grow(this.lCost, Float64Array);
    this.lAmt = grow(this.lAmt, Float64Array);
    this.lCltv = grow(this.lCltv, Int32Array);
    this.lHops = grow(this.lHops, Int32Array);
    this.lParent = grow(this.lParent, Int32Array);
    this.lEdge = grow(this.lEdge, Int32Array);
    this.lNext = grow(this.lNext, Int32Array);
    this.lDead = grow(this.lDead, Uint8Array);
    this.heap.grow(n);
    this.cap = n;
  }

  private ensureNodes(n: number): void {
    if (this.head.length >= n) return;
    const m = Math.max(n, this.head.length * 2);
    this.head = new Int32Array(m);
    this.headGen = new Int32Array(m);
    this.count = new Int32Array(m);
  }

  /**
   * Adds a label at node `u` unless one there dominates it; drops those it dominates. With
   * `useAmt` the amount is a fourth criterion (fees under a budget, when the cost also holds
   * scorer penalties).
   */
  private insert(u: number, cost: number, amt: number, cltv: number, hops: number, parent: number, edge: number, useAmt: boolean): void {
    const { lCost, lAmt, lCltv, lHops, lNext } = this;
    if (this.headGen[u] !== this.gen) {
      this.headGen[u] = this.gen;
      this.head[u] = -1;
      this.count[u] = 0;
    }
    let prev = -1;
    for (let l = this.head[u]!; l !== -1; ) {
      const nx = lNext[l]!;
      if (lCost[l]! <= cost && lCltv[l]! <= cltv && lHops[l]! <= hops && (!useAmt || lAmt[l]! <= amt)) return;
      if (cost <= lCost[l]! && cltv <= lCltv[l]! && hops <= lHops[l]! && (!useAmt || amt <= lAmt[l]!)) {
        this.lDead[l] = 1;
        this.count[u]!--;
        if (prev === -1) this.head[u] = nx;
        else lNext[prev] = nx;
      } else prev = l;
      l = nx;
    }
    if (this.count[u]! >= MAX_LABELS_PER_NODE || this.size >= MAX_LABELS) {
      this.truncated = true;
      return;
    }
    if (this.size >= this.cap) this.growPool(Math.min(MAX_LABELS, Math.max(4096, this.cap * 2)));
    const l = this.size++;
    this.lNode[l] = u;
    this.lCost[l] = cost;
    this.lAmt[l] = amt;
    this.lCltv[l] = cltv;
    this.lHops[l] = hops;
    this.lParent[l] = parent;
    this.lEdge[l] = edge;
    this.lDead[l] = 0;
    this.lNext[l] = this.head[u]!;
    this.head[u] = l;
    this.count[u]!++;
    this.heap.push(l, cost);
  }

  /** The cheapest path within the limits and cheaper than `bound`, or undefined. */
  run(q: Query, lim: LabelLimits, used: UsedLiquidity | undefined, learned?: Uint8Array): FoundPath | undefined {
    const g = this.graph;
    const { payer, payee, excludedNodes, excludedChannels, useGraphFirstHops, extraIn } = q;
    const { amount, maxCltv, maxLen, maxFee, scorer, bound } = lim;
    const useAmt = scorer !== undefined && maxFee !== Infinity;
    const fast = learned && scorer && hasLearnedChannels(scorer) ? scorer : undefined;
    this.ensureNodes(g.nodeCount + q.extraNodeIds.length + 1);
    if (this.cap === 0) this.growPool(4096);
    this.gen++;
    this.size = 0;
    this.truncated = false;
    this.heap.clear();
    const { inStart, edgeFrom, edgeHtlcMin, edgeMaxMsat, edgeFeeBase, edgeFeePpm, edgeCltv, edgeScid, edgeDir } = g;
    const ug = used ? used.generation : -1;
    const nodeCount = g.nodeCount;
    this.insert(payee, 0, amount, lim.finalDelta, 0, -1, 0, useAmt);
    const unroutable = g.unroutableCount > 0 ? g.nodeUnroutable : undefined;
    const extend = (u: number, l: number, edge: number, base: number, ppm: number, delta: number, first: boolean, penalty: number) => {
      if (u !== payer && (excludedNodes.has(u) || (unroutable && unroutable[u]))) return;
      const a = this.lAmt[l]!;
      let na = a;
      let nc = this.lCltv[l]!;
      if (!(first || u === payer)) {
        na = a + feeFloat(a, base, ppm);
        nc += delta;
      }
      if (nc > maxCltv || !(na < 2 ** 53) || na - amount > maxFee) return;
      const ncost = this.lCost[l]! + (na - a) + penalty;
      if (ncost >= bound) return;
      this.insert(u, ncost, na, nc, this.lHops[l]! + 1, l, edge, useAmt);
    };
    let found = -1;
    while (this.heap.size > 0) {
      if (this.heap.topKey() >= bound) break;
      const l = this.heap.pop();
      if (this.lDead[l]) continue;
      const v = this.lNode[l]!;
      if (v === payer) {
        found = l;
        break;
      }
      if (this.lHops[l]! >= maxLen) continue;
      const a = this.lAmt[l]!;
      if (v < nodeCount) {
        for (let e = inStart[v]!, end = inStart[v + 1]!; e < end; e++) {
          const u = edgeFrom[e]!;
          if (u === payer && !useGraphFirstHops) continue;
          const taken = used && used.stamp[e] === ug ? used.edge[e]! : 0;
          if (a < edgeHtlcMin[e]! || a > edgeMaxMsat[e]! - taken) continue;
          if (excludedChannels.size && excludedChannels.has(edgeScid[e]!)) continue;
          const penalty = !scorer || u === payer ? 0 : fast && !learned![e] ? fast.unlearnedPenaltyMsat(a + taken, edgeMaxMsat[e]!) : scorer.channelPenaltyMsat(edgeScid[e]!, edgeDir[e]! as 0 | 1, a + taken, edgeMaxMsat[e]!);
          extend(u, l, e, edgeFeeBase[e]!, edgeFeePpm[e]!, edgeCltv[e]!, false, penalty);
        }
      }
      for (const x of extraIn.get(v) ?? []) {
        if (a < x.min || a > x.max - x.used || excludedChannels.has(x.scid)) continue;
        extend(x.from, l, -(x.id + 1), x.base, x.ppm, x.cltv, x.first, 0);
      }
    }
    this.labels = this.size;
    if (found < 0) return undefined;
    const nodes: number[] = [];
    const edges: number[] = [];
    for (let l = found; l !== -1; l = this.lParent[l]!) {
      nodes.push(this.lNode[l]!);
      if (this.lParent[l]! !== -1) edges.push(this.lEdge[l]!);
    }
    return { nodes, edges };
  }
}
