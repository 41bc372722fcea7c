/**
 * The router's compact search structure: nodes interned to indices and every usable direction
 * stored as an incoming edge of its destination (CSR layout on typed arrays), so the backward
 * search from the payee touches no objects.
 */
import type { ReadOnlyNetworkGraph } from './graph-view.js';
import { unknownRequiredFeatureBits } from './features.js';

const hex = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
};

/** A directed graph of the usable channel directions, ready for pathfinding. */
export class RoutingGraph {
  /** Node ids by index. */
  readonly nodeIds: Uint8Array[] = [];
  private readonly index = new Map<string, number>();
  /** Incoming edges of node v are `inStart[v] .. inStart[v + 1]`. */
  inStart!: Int32Array;
  /** Edge arrays, indexed by edge: the sending node, the channel, and the sender's policy. */
  edgeFrom!: Int32Array;
  edgeScid!: BigUint64Array;
  edgeFeeBase!: Float64Array;
  edgeFeePpm!: Float64Array;
  edgeCltv!: Int32Array;
  edgeHtlcMin!: Float64Array;
  /** min(htlc_maximum_msat, capacity) in msat. */
  edgeMaxMsat!: Float64Array;
  /** The BOLT 7 direction bit of the edge: 0 if sent by the channel's `node_id_1`. */
  edgeDir!: Uint8Array;
  /**
   * The same edge data interleaved for the search's inner loop, 4 float64 per edge:
   * htlc_minimum, max (as {@link RoutingGraph.edgeMaxMsat}), fee_base, fee_ppm; and 2 int32 per
   * edge: the sending node and the CLTV delta.
   */
  edgeF64!: Float64Array;
  edgeI32!: Int32Array;
  /** Per node, the sum of what its outgoing edges can carry (msat): an upper bound of what it can send. */
  nodeOutMsat!: Float64Array;
  /** Per node, the most any one of its outgoing edges can carry (msat): an upper bound of what one path from it can carry. */
  nodeOutMaxMsat!: Float64Array;
  /**
   * Per node, 1 when its `node_announcement` features set an even bit BOLT 9 does not assign:
   * such a node is never routed through (BOLT 7), only paid to when an invoice allows it.
   */
  nodeUnroutable!: Uint8Array;
  /** How many nodes are {@link RoutingGraph.nodeUnroutable}. */
  unroutableCount = 0;
  private features: (Uint8Array | undefined)[] = [];
  private byChannel?: Map<bigint, number>;

  /** The features node `i` announced (raw BOLT 9 bytes), when the view told them. */
  featuresOf(i: number): Uint8Array | undefined {
    return this.features[i];
  }

  /** The edge of a channel direction, if usable (the index is built on first use). */
  edgeIndex(scid: bigint, dir: 0 | 1): number | undefined {
    if (!this.byChannel) {
      this.byChannel = new Map();
      for (let e = 0; e < this.edgeCount; e++) this.byChannel.set(this.edgeScid[e]! * 2n + BigInt(this.edgeDir[e]!), e);
    }
    return this.byChannel.get(scid * 2n + BigInt(dir));
  }

  /** Index of a node id, interning it when `create`. */
  nodeIndex(id: Uint8Array, create = false): number | undefined {
    const k = hex(id);
    let i = this.index.get(k);
    if (i === undefined && create) {
      i = this.nodeIds.length;
      this.nodeIds.push(id);
      this.index.set(k, i);
    }
    return i;
  }
  get nodeCount(): number {
    return this.nodeIds.length;
  }
  get edgeCount(): number {
    return this.edgeFrom.length;
  }

  /**
   * Builds the structure from any {@link ReadOnlyNetworkGraph}; when the view has
   * `nodeFeatures`, each node's announced features are read too.
   */
  static fromView(view: ReadOnlyNetworkGraph): RoutingGraph {
    const g = new RoutingGraph();
    const from: number[] = [];
    const to: number[] = [];
    const scid: bigint[] = [];
    const base: number[] = [];
    const ppm: number[] = [];
    const cltv: number[] = [];
    const hmin: number[] = [];
    const hmax: number[] = [];
    const dirs: number[] = [];
    view.forEachChannel((ch) => {
      const n1 = g.nodeIndex(ch.node1, true)!;
      const n2 = g.nodeIndex(ch.node2, true)!;
      const capMsat = ch.capacitySat === undefined ? Infinity : Number(ch.capacitySat * 1000n);
      ch.policies.forEach((p, dir) => {
        if (!p) return;
        const max = Math.min(Number(p.htlcMaximumMsat), capMsat);
        if (max <= 0 || Number(p.htlcMinimumMsat) > max) return;
        from.push(dir === 0 ? n1 : n2);
        to.push(dir === 0 ? n2 : n1);
        scid.push(ch.scid);
        base.push(p.feeBaseMsat);
        ppm.push(p.feeProportionalMillionths);
        cltv.push(p.cltvExpiryDelta);
        hmin.push(Number(p.htlcMinimumMsat));
        hmax.push(max);
        dirs.push(dir);
      });
    });
    const n = g.nodeCount;
    const m = from.length;
    g.nodeUnroutable = new Uint8Array(n);
    if (view.nodeFeatures) {
      g.features = new Array(n);
      for (let i = 0; i < n; i++) {
        const f = view.nodeFeatures(g.nodeIds[i]!);
        if (!f || f.length === 0) continue;
        g.features[i] = f;
        if (unknownRequiredFeatureBits(f).length) {
          g.nodeUnroutable[i] = 1;
          g.unroutableCount++;
        }
      }
    }
    g.inStart = new Int32Array(n + 1);
    for (let e = 0; e < m; e++) g.inStart[to[e]! + 1]!++;
    for (let v = 0; v < n; v++) g.inStart[v + 1]! += g.inStart[v]!;
    const fill = Int32Array.from(g.inStart.subarray(0, n));
    g.edgeFrom = new Int32Array(m);
    g.edgeScid = new BigUint64Array(m);
    g.edgeFeeBase = new Float64Array(m);
    g.edgeFeePpm = new Float64Array(m);
    g.edgeCltv = new Int32Array(m);
    g.edgeHtlcMin = new Float64Array(m);
    g.edgeMaxMsat = new Float64Array(m);
    g.edgeDir = new Uint8Array(m);
    g.nodeOutMsat = new Float64Array(n);
    g.nodeOutMaxMsat = new Float64Array(n);
    g.edgeF64 = new Float64Array(4 * m);
    g.edgeI32 = new Int32Array(2 * m);
    for (let e = 0; e < m; e++) {
      const k = fill[to[e]!]!++;
      g.edgeFrom[k] = from[e]!;
      g.edgeScid[k] = scid[e]!;
      g.edgeFeeBase[k] = base[e]!;
      g.edgeFeePpm[k] = ppm[e]!;
      g.edgeCltv[k] = cltv[e]!;
      g.edgeHtlcMin[k] = hmin[e]!;
      g.edgeMaxMsat[k] = hmax[e]!;
      g.edgeDir[k] = dirs[e]!;
      g.edgeF64[4 * k] = hmin[e]!;
      g.edgeF64[4 * k + 1] = hmax[e]!;
      g.edgeF64[4 * k + 2] = base[e]!;
      g.edgeF64[4 * k + 3] = ppm[e]!;
      g.edgeI32[2 * k] = from[e]!;
      g.edgeI32[2 * k + 1] = cltv[e]!;
      g.nodeOutMsat[from[e]!]! += hmax[e]!;
      if (hmax[e]! > g.nodeOutMaxMsat[from[e]!]!) g.nodeOutMaxMsat[from[e]!] = hmax[e]!;
    }
    return g;
  }
}
