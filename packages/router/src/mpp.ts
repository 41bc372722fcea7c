/**
 * Multi-path payments (BOLT 4 "Basic Multi-Part Payments"): when no single path can carry the
 * amount, when two parts cost less in fees, or, with a scorer, when one path is unlikely to
 * succeed, the amount is split into parts, each routed over the liquidity the earlier parts
 * left. The parts sum exactly to the amount.
 */
import { RouteError, usedLiquidityKey, type Route, type RouteParams, type Router } from './find-route.js';
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
  /**
   * When one path carries the amount but a channel too small for all of it was turned away, try
   * two parts and keep them when their fees are lower (and, with a probability-reporting scorer,
   * their joint success probability not lower). Default true.
   */
  readonly splitWhenCheaper?: boolean;
}

/** Several routes that together pay `totalAmountMsat` (each part's final hop carries `total_msat` = the whole amount). */
export interface MultiPathRoute {
  readonly paths: readonly Route[];
  readonly totalAmountMsat: bigint;
  readonly totalFeeMsat: bigint;
}

/** Whether raw BOLT 9 feature bytes (big-endian bit order) set bit 16 or 17, `basic_mpp`. */
export function offersBasicMpp(features: Uint8Array): boolean {
  const bit = (i: number) => {
    const at = features.length - 1 - (i >> 3);
    return at >= 0 && (features[at]! & (1 << (i & 7))) !== 0;
  };
  return bit(16) || bit(17);
}

/** Success probability of a route under a scorer that can tell it, else `undefined`. */
export function routeProbability(scorer: Score | undefined, r: Route): number | undefined {
  const sp = (scorer as { successProbability?: (scid: bigint, dir: 0 | 1, amt: number, cap: number) => number } | undefined)?.successProbability;
  if (!sp) return undefined;
  let p = 1;
  for (let i = 1; i < r.hops.length; i++) {
    const h = r.hops[i]!;
    p *= sp.call(scorer, h.shortChannelId, h.direction, Number(h.amountMsat), Number(h.capacityMsat));
  }
  return p;
}

/** Records what a part takes from each channel it crosses. */
function take(used: Map<bigint, number>, p: RouteParams, r: Route): void {
  r.hops.forEach((h, i) => {
    const k = usedLiquidityKey(h.shortChannelId, i === 0 && p.firstHops ? 2 : h.direction);
    used.set(k, (used.get(k) ?? 0) + Number(h.amountMsat));
  });
}

const isNoRoute = (e: unknown) => e instanceof RouteError && e.code === 'no_route';

/**
 * Splits the amount into at most `maxParts` parts. Each round bounds what one path can carry,
 * `w`: first by the widest channel left at the two ends (no search) or the last widest path,
 * and when a part sized by that does not go through (or would be the whole amount, which the
 * single-path search already failed on), by the widest path still open (one search). Either
 * bounds every later path too (parts only take liquidity), so when the rest exceeds `w ×` the
 * parts left no split exists and the search stops. The part is `rest / k`, with
 * `k = ceil(rest / 0.97w)` the number of equal parts such paths would need (3% left for fees),
 * halved when fees, htlc limits or CLTV still rule it out.
 */
function split(router: Router, p: RouteParams, maxParts: number, minPart: bigint): Route[] | undefined {
  const used = new Map<bigint, number>();
  const parts: Route[] = [];
  let remaining = p.amountMsat;
  let fees = 0n;
  /** The last widest path's bottleneck: an upper bound for every later round. */
  let widest = Infinity;
  /** A part size that leaves nothing below `minPart` behind, or undefined. */
  const fit = (t: bigint): bigint | undefined => {
    if (t >= remaining) return remaining;
    if (remaining - t < minPart) t = remaining - minPart;
    return t >= minPart && t > 0n ? t : undefined;
  };
  while (remaining > 0n) {
    const left = maxParts - parts.length;
    if (left <= 0) return undefined;
    const q: RouteParams = { ...p, usedLiquidityMsat: used, maxFeeMsat: p.maxFeeMsat === undefined ? undefined : p.maxFeeMsat - fees };
    const rest = Number(remaining);
    // First the widest channel at the two ends (no search), or the last widest path found if
    // smaller (paths only narrow as parts take liquidity); the widest path's search only when
    // that part does not go through — or at once when that part is the whole amount, which the
    // single-path search already failed to route.
    let w = Math.min(router.endsCapacityMsat(q), widest);
    let exact = false;
    if (parts.length === 0 && rest <= w * 0.97) {
      w = widest = router.maxPathCapacityMsat(q);
      exact = true;
    }
    let target: bigint | undefined;
    const size = () => {
      if (!(w > 0) || rest > w * left) return false;
      // As many equal parts as the widest path needs (with 3% room for fees), at most `left`.
      const k = Math.min(left, Math.ceil(rest / (w * 0.97)));
      target = fit(k <= 1 ? remaining : BigInt(Math.ceil(rest / k)));
      return true;
    };
    if (!size()) return undefined;
    let r: Route | undefined;
    for (let attempt = 0; attempt < 6 && target !== undefined && !r; attempt++) {
      try {
        r = router.findRoute({ ...q, amountMsat: target });
      } catch (e) {
        if (!isNoRoute(e)) throw e;
        if (!exact) {
          exact = true;
          w = widest = router.maxPathCapacityMsat(q);
          if (!size()) return undefined;
        } else target = fit(target / 2n);
      }
    }
    if (!r || target === undefined) return undefined;
    parts.push(r);
    take(used, p, r);
    fees += r.totalFeeMsat;
    remaining -= target;
  }
  return parts;
}

/** Two parts, `first` msat and the rest (the second over what the first left), or undefined. */
function twoParts(router: Router, p: RouteParams, first: bigint | Route, minPart: bigint): Route[] | undefined {
  const a = typeof first === 'bigint' ? first : first.hops[first.hops.length - 1]!.amountMsat;
  const b = p.amountMsat - a;
  if (b < minPart || a < minPart) return undefined;
  try {
    const used = new Map<bigint, number>();
    const one = typeof first === 'bigint' ? router.findRoute({ ...p, amountMsat: a }) : first;
    take(used, p, one);
    const budget = p.maxFeeMsat === undefined ? undefined : p.maxFeeMsat - one.totalFeeMsat;
    if (budget !== undefined && budget < 0n) return undefined;
    return [one, router.findRoute({ ...p, amountMsat: b, usedLiquidityMsat: used, maxFeeMsat: budget })];
  } catch (e) {
    if (!isNoRoute(e)) throw e;
    return undefined;
  }
}

const feesOf = (rs: readonly Route[]) => rs.reduce((a, r) => a + r.totalFeeMsat, 0n);
const probabilityOf = (scorer: Score | undefined, rs: readonly Route[]) => rs.reduce((a, r) => a * (routeProbability(scorer, r) ?? 1), 1);

/**
 * A two-part split cheaper in fees than the single path, if one is found. Only tried when the
 * single path's search turned away a channel too small for the amount through which a path
 * would have cost less ({@link Router.lastCapacityLimited}): otherwise no split is cheaper.
 * `firstHalf` is half the amount over its cheapest path; when that path could carry more (its
 * narrowest hop against what the hops carry), as much as it can (1% left for fees) goes over
 * it, re-priced without a search; else the halves; the rest takes the cheapest path left.
 */
function cheaperSplit(router: Router, p: RouteParams, single: Route, firstHalf: Route, halves: () => Route[] | undefined, minPart: bigint): Route[] | undefined {
  // The same channels as the single path: halves only pay its base fees twice.
  if (firstHalf.hops.length === single.hops.length && firstHalf.hops.every((h, i) => h.shortChannelId === single.hops[i]!.shortChannelId)) return undefined;
  const cheaper = (rs: Route[] | undefined) => (rs && feesOf(rs) < single.totalFeeMsat ? rs : undefined);
  const half = firstHalf.hops[firstHalf.hops.length - 1]!.amountMsat;
  const room = Math.min(...firstHalf.hops.map((h) => Number(h.capacityMsat) / Number(h.amountMsat)));
  let fill = BigInt(Math.floor(Number(half) * Math.min(room, 1e6) * 0.99));
  if (fill > p.amountMsat - minPart) fill = p.amountMsat - minPart;
  if (fill > half) {
    const big = router.repriced({ ...p, amountMsat: fill }, firstHalf);
    const rs = big && cheaper(twoParts(router, p, big, minPart));
    if (rs) return rs;
  }
  // The rest of the halves costs at least about what the first half does (same amount, less liquidity).
  return 2n * firstHalf.totalFeeMsat < single.totalFeeMsat ? cheaper(halves()) : undefined;
}

/**
 * Routes `p.amountMsat` over one or more paths; throws `RouteError('no_route')` when no set of
 * at most `maxParts` paths is found. Cost: an amount beyond what the payee can receive or the
 * payer send is refused without a search; one that fits is one search, plus two or three when
 * a channel too small for it was turned away (the cheaper split); a split costs about two
 * searches a part (the widest path, then the cheapest path for the part).
 */
export function findMultiPathRoute(router: Router, p: RouteParams, opts: MultiPathOptions = {}): MultiPathRoute {
  if (p.amountMsat <= 0n) throw new RouteError('invalid_params', 'amount must be positive');
  // BOLT 4 "Basic Multi-Part Payments": only to a payee offering basic_mpp (its invoice, else its
  // node_announcement), and only when the payer supports it.
  const payee = router.payeeFeatures(p);
  const mppAllowed = (payee === undefined || offersBasicMpp(payee)) && (p.payerFeatures === undefined || offersBasicMpp(p.payerFeatures));
  const maxParts = mppAllowed ? (opts.maxParts ?? 8) : 1;
  if (!(maxParts >= 1)) throw new RouteError('invalid_params', 'maxParts must be at least 1');
  const minPart = opts.minPartMsat ?? 10_000n;
  const wrap = (paths: Route[]): MultiPathRoute => ({
    paths,
    totalAmountMsat: p.amountMsat,
    totalFeeMsat: paths.reduce((a, r) => a + r.totalFeeMsat, 0n),
  });
  const bound = router.capacityBoundMsat(p);
  if (Number(p.amountMsat) > bound) throw new RouteError('no_route', `the payee can receive, or the payer send, at most ${Math.floor(bound)} msat over its channels`);
  let single: Route | undefined;
  try {
    single = router.findRoute(p);
  } catch (e) {
    if (!isNoRoute(e)) throw e;
  }
  if (single) {
    if (maxParts < 2) return wrap([single]);
    const prob = routeProbability(p.scorer, single);
    const unlikely = prob !== undefined && prob < (opts.minSuccessProbability ?? 0.5);
    const maybeCheaper = opts.splitWhenCheaper !== false && router.lastCapacityLimited;
    if (!unlikely && !maybeCheaper) return wrap([single]);
    // Half the amount over its cheapest path: the first part of the halves, and the measure of a cheaper split.
    let firstHalf: Route | undefined;
    try {
      firstHalf = router.findRoute({ ...p, amountMsat: (p.amountMsat + 1n) / 2n });
    } catch (e) {
      if (!isNoRoute(e)) throw e;
    }
    if (!firstHalf) return wrap([single]);
    let two: Route[] | undefined | null = null;
    const halves = () => (two === null ? (two = twoParts(router, p, firstHalf!, minPart)) : two);
    // Cheaper in fees (never less likely to succeed, with a probability-reporting scorer).
    if (maybeCheaper) {
      const cheaper = cheaperSplit(router, p, single, firstHalf, halves, minPart);
      if (cheaper && (prob === undefined || probabilityOf(p.scorer, cheaper) >= prob)) return wrap(cheaper);
    }
    // Unlikely as one part: two halves, kept if together they are likelier (never when the first
    // half alone is no likelier than the whole: the second can only lower the product).
    if (unlikely && (routeProbability(p.scorer, firstHalf) ?? 1) > prob!) {
      const h = halves();
      if (h && probabilityOf(p.scorer, h) > prob!) return wrap(h);
    }
    return wrap([single]);
  }
  const parts = maxParts >= 2 ? split(router, p, maxParts, minPart) : undefined;
  if (!parts) {
    const why = maxParts >= 2 ? `no set of at most ${maxParts} paths carries ${p.amountMsat} msat` : mppAllowed ? 'no single route carries the amount (maxParts 1)' : 'no single route carries the amount, and the payee does not offer basic_mpp';
    throw new RouteError('no_route', why);
  }
  return wrap(parts);
}
