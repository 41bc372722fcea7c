/**
 * The router's view of a live `NetworkGraph`. `@ln/router` searches a compact `RoutingGraph`
 * built from the graph in one pass; the graph keeps changing while gossip arrives, so the view
 * rebuilds it periodically: {@link RoutingView.refresh} rebuilds when the graph's change stamp
 * moved and at least `max(minIntervalMs, 10 × the last build time)` passed (a full mainnet build
 * takes ~0.35 s here, so the event loop is never held more than ~10% of the time); the service
 * also rebuilds at once when the initial gossip sync completes. Queries
 * always see a complete, consistent graph: the previous one until the new one is swapped in.
 */
import type { NetworkGraph } from '@ln/gossip';
import { Router, RoutingGraph } from '@ln/router';

/** What the last build was. */
export interface BuildInfo {
  /** Wall-clock time of the build (ms since the epoch). */
  readonly at: number;
  readonly ms: number;
  readonly nodes: number;
  readonly edges: number;
  /** Increments with each build. */
  readonly generation: number;
}

/** Options of a {@link RoutingView}. */
export interface RoutingViewOptions {
  /** Rebuild at most this often (default 2,000 ms). */
  readonly minIntervalMs?: number;
  /** A value that changes whenever the graph does (default: its channel and node counts). */
  readonly changeStamp?: () => string;
  readonly clock?: () => number;
}

/** A `Router` over a `NetworkGraph`, rebuilt when the graph changed. */
export class RoutingView {
  router!: Router;
  build!: BuildInfo;
  private stamp = '';
  private readonly minIntervalMs: number;
  private readonly changeStamp: () => string;
  private readonly clock: () => number;

  constructor(
    readonly graph: NetworkGraph,
    opts: RoutingViewOptions = {},
  ) {
    this.minIntervalMs = opts.minIntervalMs ?? 2000;
    this.changeStamp = opts.changeStamp ?? (() => `${graph.channelCount}/${graph.nodeCount}`);
    this.clock = opts.clock ?? Date.now;
    this.rebuild();
  }

  /** Builds the `RoutingGraph` now. */
  rebuild(): void {
    const t0 = performance.now();
    this.stamp = this.changeStamp();
    const rg = RoutingGraph.fromView(this.graph);
    this.router = new Router(rg);
    this.build = { at: this.clock(), ms: performance.now() - t0, nodes: rg.nodeCount, edges: rg.edgeCount, generation: (this.build?.generation ?? 0) + 1 };
  }

  /** Whether the graph changed since the last build. */
  get stale(): boolean {
    return this.changeStamp() !== this.stamp;
  }

  /** Rebuilds when the graph changed and the interval passed; returns whether it did. */
  refresh(): boolean {
    if (!this.stale) return false;
    if (this.clock() - this.build.at < Math.max(this.minIntervalMs, 10 * this.build.ms)) return false;
    this.rebuild();
    return true;
  }
}
