/**
 * The types of a route query and its answer (BOLT 7 routing, BOLT 11 route hints), the exact
 * BOLT 7 fee formula, and the internal form a query takes once resolved to graph indices.
 */
import type { Score } from './scorer.js';
import type { DEFAULT_PAYER_FEATURES } from './features.js';

/** An `r` field hop of a BOLT 11 invoice: a channel from `pubkey` towards the payee. */
export interface RouteHintHop {
  readonly pubkey: Uint8Array;
  readonly shortChannelId: bigint;
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat?: bigint;
  readonly htlcMaximumMsat?: bigint;
}

/** One of the payer's own channels, with its live outbound capacity. */
export interface FirstHop {
  readonly shortChannelId: bigint;
  readonly counterparty: Uint8Array;
  readonly outboundCapacityMsat: bigint;
  readonly htlcMinimumMsat?: bigint;
}

/** What to route. */
export interface RouteParams {
  readonly payer: Uint8Array;
  readonly payee: Uint8Array;
  readonly amountMsat: bigint;
  /** The payee's `min_final_cltv_expiry_delta` (BOLT 11 `c`, default 18). */
  readonly finalCltvExpiryDelta?: number;
  /** The largest total CLTV delta accepted (default 1008, about a week). */
  readonly maxTotalCltvExpiryDelta?: number;
  /** The most hops a route may have (default 20: BOLT 4's 1300-byte onion holds about 20 typical TLV hop payloads). */
  readonly maxPathLength?: number;
  /** Added to every CLTV of the result to make them absolute (default 0: relative). */
  readonly currentBlockHeight?: number;
  readonly excludedChannels?: readonly bigint[];
  readonly excludedNodes?: readonly Uint8Array[];
  /** The payer's channels; when given, they replace the graph's channels of the payer. */
  readonly firstHops?: readonly FirstHop[];
  readonly routeHints?: readonly (readonly RouteHintHop[])[];
  /**
   * Penalizes hops (e.g. a `ProbabilisticScorer`); the search minimizes fees plus penalties. The
   * payer's own first hop is not scored; a hop other parts already use is scored for the sum.
   */
  readonly scorer?: Score;
  /**
   * Liquidity already taken by other parts of the same payment, msat, keyed by
   * {@link usedLiquidityKey} (`scid × 4 + direction`, direction 2 for a first hop); used by
   * {@link findMultiPathRoute}.
   */
  readonly usedLiquidityMsat?: ReadonlyMap<bigint, number>;
  /**
   * The payee's features (raw BOLT 9 bytes, from the invoice's `9` field). When given without
   * `basic_mpp` (bit 16/17), {@link findMultiPathRoute} returns one path only (BOLT 4 "Basic
   * Multi-Part Payments": the writer may send more than one HTLC only if the invoice offers it).
   * An even bit the payer does not support fails the query (`unsupported_features`, BOLT 11).
   * When absent, the payee's `node_announcement` features stand in (BOLT 9: the invoice's
   * override the announcement's): unknown even bits there refuse the payment (BOLT 7) and
   * their `basic_mpp` decides MPP.
   */
  readonly payeeFeatures?: Uint8Array;
  /**
   * The payment features the payer supports (raw BOLT 9 bytes; default
   * {@link DEFAULT_PAYER_FEATURES}): an invoice requiring a bit outside them (and outside
   * BOLT 9's ASSUMED ones) is refused with `RouteError('unsupported_features')`.
   */
  readonly payerFeatures?: Uint8Array;
  /**
   * The most the route may cost in fees (msat). Searches prune paths over it; with a scorer,
   * when the scored search finds nothing within it, the fee-only search (exact) is tried.
   * For {@link findMultiPathRoute}, a budget for all parts together.
   */
  readonly maxFeeMsat?: bigint;
}

/** The key of a hop in {@link RouteParams.usedLiquidityMsat}: `scid × 4 + direction` (0/1 the BOLT 7 direction bit, 2 a first hop). */
export function usedLiquidityKey(shortChannelId: bigint, direction: 0 | 1 | 2): bigint {
  return shortChannelId * 4n + BigInt(direction);
}

/** A hop of a route: the channel into `nodeId`, what `nodeId` receives over it and the HTLC's expiry. */
export interface RouteHop {
  readonly nodeId: Uint8Array;
  readonly shortChannelId: bigint;
  /** The HTLC amount on this channel: what `nodeId` receives (and forwards minus its fee). */
  readonly amountMsat: bigint;
  /** The fee `nodeId` keeps for forwarding (0 for the payee). */
  readonly feeMsat: bigint;
  /** The HTLC's `cltv_expiry` on this channel (relative unless `currentBlockHeight` was given). */
  readonly cltvExpiry: number;
  /** The BOLT 7 direction bit of the channel as used (0 = sent by its lesser node id). */
  readonly direction: 0 | 1;
  /** What the channel can carry in this direction (min of capacity and htlc_maximum), msat. */
  readonly capacityMsat: bigint;
}

/** A route from payer to payee. */
export interface Route {
  readonly hops: readonly RouteHop[];
  /** What the payer sends over its first channel. */
  readonly totalAmountMsat: bigint;
  readonly totalFeeMsat: bigint;
  /** CLTV delta of the whole route, the final delta included. */
  readonly totalCltvExpiryDelta: number;
}

/** Why no route was returned. */
export class RouteError extends Error {
  override readonly name = 'RouteError';
  constructor(
    /** `unsupported_features`: the payee requires feature bits the payer does not support (BOLT 7, 9, 11). */
    readonly code: 'no_route' | 'invalid_params' | 'unsupported_features',
    message: string,
  ) {
    super(message);
  }
}

/** BOLT 7 fee: `fee_base_msat + amount × fee_proportional_millionths / 1,000,000`, rounded down. Exact. */
export function forwardingFeeMsat(amountMsat: bigint, feeBaseMsat: number, feeProportionalMillionths: number): bigint {
  return BigInt(feeBaseMsat) + (amountMsat * BigInt(feeProportionalMillionths)) / 1_000_000n;
}

/** The same in float64, exact while the amount and fee stay below 2^53 msat (~90,000 BTC); larger ones are rejected anyway. */
export function feeFloat(amount: number, base: number, ppm: number): number {
  return base + Math.floor(amount / 1e6) * ppm + Math.floor(((amount % 1e6) * ppm) / 1e6);
}

export interface ExtraEdge {
  /** Index in {@link Query.extraList}; a search encodes this edge as `-(id + 1)`. */
  id: number;
  from: number;
  scid: bigint;
  base: number;
  ppm: number;
  cltv: number;
  min: number;
  max: number;
  /** A first hop of the payer (no fee, no CLTV delta charged). */
  first: boolean;
  /** Key part for used liquidity: the direction bit, or 2 for the payer's first hops. */
  dir: 0 | 1 | 2;
  /** Liquidity other parts of the payment took (msat). */
  used: number;
}

/** A query resolved to indices before any search: the two ends, the extra edges, the exclusions, used liquidity. */
export interface Query {
  readonly payer: number;
  readonly payee: number;
  readonly extraNodeIds: Uint8Array[];
  readonly extraIn: Map<number, ExtraEdge[]>;
  /** Every extra edge by its `id`. */
  readonly extraList: ExtraEdge[];
  readonly excludedNodes: Set<number>;
  readonly excludedChannels: Set<bigint>;
  /** No first hops were given: the graph's channels of the payer are used. */
  readonly useGraphFirstHops: boolean;
  /** Whether {@link Router}'s per-edge used-liquidity array holds this query's values. */
  readonly hasUsed: boolean;
}

