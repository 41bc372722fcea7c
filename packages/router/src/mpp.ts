/**
 * Multi-path payments (BOLT 4 "Basic Multi-Part Payments"): when no single path can carry the
 * amount — or, with a scorer, when one path is unlikely to succeed — the amount is split into
 * parts routed one after another, each part seeing the liquidity the earlier parts took.
 * The parts sum exactly to the amount.
 */
import { RouteError, type Route, type RouteParams, type Router } from './find-route.js';
import type { Score } from './scorer.js';

/** Options of {@link findMultiPathRoute}. */
export interface MultiPathOptions {
  /** At most this many parts (default 8). */
  readonly maxParts?: number;
  /** Parts are never smaller than this (default 10,000 msat), except the amount itself. */
  readonly minPartMsat?: bigint;
  /**
   * With a scorer that reports probabilities: split when the best single path's success
   * probability is below this (default 0.5) and splitting in two raises it.
   */
  readonly minSuccessProbability?: number;
}

/** Several routes that together pay `totalAmountMsat` (each part's final hop carries `total_msat` = the whole amount). */
export interface MultiPathRoute {
  readonly paths: readonly Route[];
  readonly totalAmountMsat: bigint;
  readonly totalFeeMsat: bigint;
}

/** Success probability of a route under a scorer that can tell it, else `undefined`. */
function routeProbability(scorer: Score | undefined, r: Route): number | undefined {
  const sp = (scorer as { successProbability?: (scid: bigint, dir: 0 | 1, amt: number, cap: number) => number } | undefined)?.successProbability;
  if (!sp) return undefined;
  let p = 1;
  for (let i = 1; i < r.hops.length; i++) {
    const h = r.hops[i]!;
    p *= sp.call(scorer, h.shortChannelId, h.direction, Number(h.amountMsat), Number(h.capacityMsat));
  }
  return p;
}

function split(router: Router, p: RouteParams, maxParts: number, minPart: bigint, initialPart = p.amountMsat): Route[] | undefined {
  const used = new Map<bigint, number>();
  const parts: Route[] = [];
  let remaining = p.amountMsat;
  let size = initialPart;
  while (remaining > 0n) {
    if (parts.length >= maxParts) return undefined;
    const part = size > remaining ? remaining : size;
    try {
      const r = router.findRoute({ ...p, amountMsat: part, usedLiquidityMsat: used });
      parts.push(r);
      r.hops.forEach((h, i) => {
        const k = h.shortChannelId * 2n + BigInt(i === 0 && p.firstHops ? 2 : h.direction);
        used.set(k, (used.get(k) ?? 0) + Number(h.amountMsat));
      });
      remaining -= part;
    } catch (e) {
      if (!(e instanceof RouteError) || e.code !== 'no_route') throw e;
      const half = (part + 1n) / 2n;
      if (half < minPart || half === part) return undefined;
      size = half;
    }
  }
  return parts;
}

/** Routes `p.amountMsat` over one or more paths; throws `RouteError('no_route')` when even splitting fails. */
export function findMultiPathRoute(router: Router, p: RouteParams, opts: MultiPathOptions = {}): MultiPathRoute {
  const maxParts = opts.maxParts ?? 8;
  const minPart = opts.minPartMsat ?? 10_000n;
  const wrap = (paths: Route[]): MultiPathRoute => ({
    paths,
    totalAmountMsat: p.amountMsat,
    totalFeeMsat: paths.reduce((a, r) => a + r.totalFeeMsat, 0n),
  });
  let single: Route | undefined;
  try {
    single = router.findRoute(p);
  } catch (e) {
    if (!(e instanceof RouteError) || e.code !== 'no_route') throw e;
  }
  if (single) {
    const prob = routeProbability(p.scorer, single);
    if (prob === undefined || prob >= (opts.minSuccessProbability ?? 0.5) || maxParts < 2) return wrap([single]);
    // Unlikely as one part: try two halves and keep them if together they are likelier.
    const halves = split(router, p, 2, minPart, (p.amountMsat + 1n) / 2n);
    if (halves && halves.length === 2) {
      const ph = halves.reduce((a, r) => a * (routeProbability(p.scorer, r) ?? 1), 1);
      if (ph > prob) return wrap(halves);
    }
    return wrap([single]);
  }
  const parts = split(router, p, maxParts, minPart);
  if (!parts) throw new RouteError('no_route', `no set of at most ${maxParts} paths carries ${p.amountMsat} msat`);
  return wrap(parts);
}
