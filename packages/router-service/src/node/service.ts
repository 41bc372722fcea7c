/**
 * The router-only HTTP service: route queries answered from a graph loaded from a file or kept
 * in sync with peers (see the README for the API). Endpoints:
 *
 * - `POST /route` — JSON body (see {@link parseRouteRequest}); 200 with the paths, 400 with
 *   `{ error: { code, message, field } }` for a bad request, 422 `no_route` when no route fits
 *   (`unsupported_features` when the payee requires feature bits the payer lacks).
 * - `POST /payment-outcome` — what became of an attempt over a returned path (the hops, and the
 *   channel that failed if it did): feeds the scorer (`paymentPathFailed` / `paymentPathSuccessful`).
 * - `GET /health` — 200: the graph, the routing graph's last build, and the sync progress.
 * - `GET /sync` — the gossip sync progress alone.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { NetworkGraph } from '@ln/gossip';
import { ProbabilisticScorer, RouteError, findMultiPathRoute, type MultiPathRoute } from '@ln/router';
import { ApiError, multiPathToJson, parseOutcomeRequest, parseRouteRequest } from '../api.js';
import type { PeerSync, SyncProgress } from './peer-sync.js';
import type { ScorerStore } from '../scorer-store.js';
import { RoutingView } from '../routing-view.js';

/** Where the graph comes from. */
export type GraphSource =
  | { readonly kind: 'file'; readonly graph: NetworkGraph; readonly file?: string; readonly format?: string }
  | { readonly kind: 'peers'; readonly sync: PeerSync };

/** Options of {@link RouterService.start}. */
export interface RouterServiceOptions {
  readonly source: GraphSource;
  /** Port to listen on (default 0: any free one). */
  readonly port?: number;
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** The scorer used when a request does not turn it off (default: from `scorerStore` when it holds one, else a fresh `ProbabilisticScorer` with LDK's defaults). */
  readonly scorer?: ProbabilisticScorer;
  /** Keeps what the scorer learns: loaded at start, saved after every `POST /payment-outcome` before it is answered. */
  readonly scorerStore?: ScorerStore;
  /** The routing graph is rebuilt at most this often while gossip changes the graph (default 2,000 ms; see {@link RoutingView}). */
  readonly rebuildIntervalMs?: number;
  /** Largest request body accepted (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

/** A running service. */
export class RouterService {
  readonly view: RoutingView;
  readonly scorer: ProbabilisticScorer;
  private server!: Server;
  private timer?: ReturnType<typeof setInterval>;
  private readonly started = Date.now();
  private requests = 0;
  port = 0;

  private constructor(private readonly opts: RouterServiceOptions) {
    const src = opts.source;
    this.view = src.kind === 'file' ? new RoutingView(src.graph) : new RoutingView(src.sync.graph, { minIntervalMs: opts.rebuildIntervalMs, changeStamp: () => src.sync.changeStamp() });
    const saved = opts.scorer ? undefined : opts.scorerStore?.load();
    this.scorer = opts.scorer ?? (saved ? ProbabilisticScorer.deserialize(saved) : new ProbabilisticScorer());
  }

  /** Loads the view, starts the peer sync (peer mode) and listens. */
  static async start(opts: RouterServiceOptions): Promise<RouterService> {
    const s = new RouterService(opts);
    if (opts.source.kind === 'peers') {
      opts.source.sync.start();
      const sync = opts.source.sync;
      let wasSynced = false;
      s.timer = setInterval(() => {
        // The moment the initial sync completes, the router gets the whole graph at once;
        // otherwise rebuilds follow the view's interval.
        const synced = sync.progress().synced;
        if (synced && !wasSynced && s.view.stale) s.view.rebuild();
        else s.view.refresh();
        wasSynced = synced;
      }, Math.min(1000, opts.rebuildIntervalMs ?? 1000));
      s.timer.unref();
    }
    s.server = createServer({ keepAlive: true }, (req, res) => s.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
    s.port = (s.server.address() as { port: number }).port;
    return s;
  }

  /** `http://HOST:PORT`. */
  get url(): string {
    const h = this.opts.host ?? '127.0.0.1';
    return `http://${h.includes(':') ? `[${h}]` : h}:${this.port}`;
  }

  /** The sync progress (a file-loaded graph is complete from the start). */
  syncProgress(): SyncProgress {
    const src = this.opts.source;
    if (src.kind === 'peers') return src.sync.progress();
    return { channels: src.graph.channelCount, nodes: src.graph.nodeCount, synced: true, pending_messages: 0, accepted: { channel_announcements: 0, channel_updates: 0, node_announcements: 0 }, rejected: 0, peers: [] };
  }

  /** The `GET /health` body. */
  health(): Record<string, unknown> {
    const src = this.opts.source;
    const b = this.view.build;
    return {
      status: 'ok',
      uptime_s: Math.round((Date.now() - this.started) / 1000),
      requests: this.requests,
      source: src.kind === 'file' ? { kind: 'file', file: src.file, format: src.format } : { kind: 'peers', node_id: hexOf(src.sync.nodeId), verifier: src.sync.verifierName },
      graph: { channels: this.view.graph.channelCount, nodes: this.view.graph.nodeCount },
      routing_graph: { nodes: b.nodes, edges: b.edges, built_at: new Date(b.at).toISOString(), build_ms: Math.round(b.ms), generation: b.generation, stale: this.view.stale },
      sync: this.syncProgress(),
    };
  }

  /** Answers one route request body (already JSON-decoded); throws {@link ApiError}. */
  route(body: unknown): Record<string, unknown> {
    const q = parseRouteRequest(body);
    const scorer = q.useScorer ? this.scorer : undefined;
    const params = { ...q.params, scorer };
    const router = this.view.router;
    let m: MultiPathRoute;
    try {
      if (q.mpp) m = findMultiPathRoute(router, params, { maxParts: q.maxParts });
      else {
        const r = router.findRoute(params);
        m = { paths: [r], totalAmountMsat: params.amountMsat, totalFeeMsat: r.totalFeeMsat };
      }
    } catch (e) {
      if (e instanceof RouteError) throw new ApiError(e.code === 'invalid_params' ? 400 : 422, e.code, e.message);
      throw e;
    }
    return multiPathToJson(m, scorer);
  }

  /** Feeds an attempt's outcome to the scorer (capacities from the routing graph); throws {@link ApiError}. */
  outcome(body: unknown): Record<string, unknown> {
    const o = parseOutcomeRequest(body);
    const g = this.view.router.graph;
    const path = o.hops.map((h, i) => {
      const e = g.edgeIndex(h.shortChannelId, h.direction);
      if (e === undefined) throw new ApiError(400, 'bad_request', `hops[${i}].short_channel_id: no such channel direction in the graph`, `hops[${i}].short_channel_id`);
      return { shortChannelId: h.shortChannelId, direction: h.direction, amountMsat: h.amountMsat, capacityMsat: BigInt(g.edgeMaxMsat[e]!) };
    });
    const now = o.timestamp ?? Math.floor(Date.now() / 1000);
    this.scorer.timePassed(now);
    // The payer's own first hop tells nothing about the network: the scorer learns from the rest.
    const learned = path.slice(1);
    if (o.failedShortChannelId !== undefined) {
      if (learned.some((h) => h.shortChannelId === o.failedShortChannelId)) this.scorer.paymentPathFailed(learned, o.failedShortChannelId, now);
    } else this.scorer.paymentPathSuccessful(learned, now);
    // Persisted before the outcome is acknowledged.
    this.opts.scorerStore?.save(this.scorer.serialize());
    return { ok: true, learned_hops: learned.length };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const fail = (e: unknown) => {
      if (e instanceof ApiError) send(e.status, e);
      else send(500, { error: { code: 'internal', message: (e as Error).message } });
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' || path === '/sync') {
      if (req.method !== 'GET') return fail(new ApiError(405, 'method_not_allowed', `${path} takes GET`));
      return send(200, path === '/health' ? this.health() : this.syncProgress());
    }
    if (path !== '/route' && path !== '/payment-outcome') return fail(new ApiError(404, 'not_found', `no endpoint ${path}: POST /route, POST /payment-outcome, GET /health, GET /sync`));
    if (req.method !== 'POST') return fail(new ApiError(405, 'method_not_allowed', `${path} takes POST with a JSON body`));
    const max = this.opts.maxBodyBytes ?? 1 << 20;
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (over) return fail(new ApiError(413, 'body_too_large', `the body is over ${max} bytes`));
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return fail(new ApiError(400, 'bad_json', `the body is not JSON: ${(e as Error).message}`));
      }
      try {
        send(200, path === '/route' ? this.route(body) : this.outcome(body));
      } catch (e) {
        fail(e);
      }
    });
  }

  /** Stops listening, the peer sync and the rebuild timer. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.opts.source.kind === 'peers') this.opts.source.sync.stop();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
