/**
 * The node's `Router` (`@ln/router`), cached between payments. `@ln/router` searches a compact
 * `RoutingGraph` built from the gossip `NetworkGraph` in one synchronous pass; on a
 * mainnet-sized graph (~50k channels) that pass takes 0.3-1 s, so it must not run for every
 * payment attempt and retry with the event loop blocked (pings, HTLCs, gossip).
 *
 * The cache keeps the last build and a *change stamp* of the graph it was built from (the
 * graph's channel and node counts and the gossip sync's accepted-message counters: every
 * announcement, update or removal moves one of them). {@link RouterCache.get}:
 *
 * - returns the cached router while the stamp has not moved;
 * - when it moved and the last build was quick (a small graph: under `syncBuildLimitMs`,
 *   default 25 ms), rebuilds at once, so a payment always sees the latest gossip;
 * - when it moved and builds are slow (a large graph), returns the cached router (the payer's
 *   own channels are always current: they come from the channel manager as first hops, and
 *   failures exclude channels per payment) and schedules the rebuild off the payment's path,
 *   no sooner than `max(minIntervalMs, 10 × the last build time)` after the previous one, so
 *   rebuilding holds the event loop at most ~10% of the time.
 *
 * The node also calls {@link RouterCache.refresh} on its gossip timer, so a large graph is
 * rebuilt in the background as gossip arrives rather than when a payment asks.
 */
import { Router, RoutingGraph, type ReadOnlyNetworkGraph } from '@ln/router';

/** What the last build was. */
export interface RouterBuild {
  /** `performance.now()` when it finished. */
  readonly at: number;
  readonly ms: number;
  readonly nodes: number;
  readonly edges: number;
  /** Builds so far. */
  readonly count: number;
}

/** Options of a {@link RouterCache}. */
export interface RouterCacheOptions {
  /** Builds quicker than this are redone at once when the graph changed (default 25 ms). */
  readonly syncBuildLimitMs?: number;
  /** Slow builds are redone at most this often (default 2,000 ms; and never more than 10% of the time). */
  readonly minIntervalMs?: number;
  /** Clock in ms (default `performance.now`). */
  readonly clock?: () => number;
}

/** A `Router` over a changing graph, rebuilt only when the graph's change stamp moved (see the module comment). */
export class RouterCache {
  private router: Router | undefined;
  private builtStamp = '';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  last: RouterBuild | undefined;
  private readonly syncBuildLimitMs: number;
  private readonly minIntervalMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly graph: ReadOnlyNetworkGraph,
    /** A value that changes whenever the graph does. */
    private readonly changeStamp: () => string,
    opts: RouterCacheOptions = {},
  ) {
    this.syncBuildLimitMs = opts.syncBuildLimitMs ?? 25;
    this.minIntervalMs = opts.minIntervalMs ?? 2000;
    this.clock = opts.clock ?? (() => performance.now());
  }

  /** Whether the graph changed since the last build. */
  get stale(): boolean {
    return this.router === undefined || this.changeStamp() !== this.builtStamp;
  }

  /** The router for a route search now (see the module comment for when it is rebuilt). */
  get(): Router {
    if (!this.router) return this.rebuild();
    if (!this.stale) return this.router;
    if (this.last!.ms < this.syncBuildLimitMs) return this.rebuild();
    this.schedule();
    return this.router;
  }

  /** Rebuilds when the graph changed and the interval since the last build passed (the node's gossip timer calls it); returns whether it did. */
  refresh(): boolean {
    if (!this.stale || (this.last && this.clock() - this.last.at < this.interval())) return false;
    this.rebuild();
    return true;
  }

  /** Builds the `RoutingGraph` now. */
  rebuild(): Router {
    const t0 = this.clock();
    this.builtStamp = this.changeStamp();
    const rg = RoutingGraph.fromView(this.graph);
    this.router = new Router(rg);
    const at = this.clock();
    this.last = { at, ms: at - t0, nodes: rg.nodeCount, edges: rg.edgeCount, count: (this.last?.count ?? 0) + 1 };
    return this.router;
  }

  /** Stops the scheduled rebuild (at node stop). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private interval(): number {
    return Math.max(this.minIntervalMs, 10 * (this.last?.ms ?? 0));
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    const wait = Math.max(0, this.last!.at + this.interval() - this.clock());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed && this.stale) this.rebuild();
    }, wait);
    // A pending rebuild must not keep a stopping process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }
}
