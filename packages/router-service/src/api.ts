/**
 * The HTTP API's JSON: parsing and checking a route request (every bad field is an
 * {@link ApiError} naming it, answered with HTTP 400) and writing routes out. Amounts are
 * decimal strings (msat can exceed 2^53), node ids 33-byte hex, short channel ids the BOLT 7
 * `BLOCKxTXxOUT` form (or a decimal string of the 64-bit value).
 */
import { parseScid, scidToString } from '@ln/wire';
import { routeProbability, type MultiPathRoute, type Route, type RouteHintHop, type RouteParams, type Score } from '@ln/router';

/** A request the service refuses: HTTP `status`, and the field at fault when there is one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
  toJSON(): Record<string, unknown> {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

/** A parsed `POST /route` body. */
export interface RouteRequest {
  readonly params: Omit<RouteParams, 'scorer'>;
  readonly mpp: boolean;
  readonly maxParts: number;
  readonly useScorer: boolean;
}

const bad = (field: string, message: string) => new ApiError(400, 'bad_request', `${field}: ${message}`, field);

function nodeId(v: unknown, field: string): Uint8Array {
  if (typeof v !== 'string' || !/^0[23][0-9a-fA-F]{64}$/.test(v)) throw bad(field, 'expected a 33-byte compressed public key in hex');
  const out = new Uint8Array(33);
  for (let i = 0; i < 33; i++) out[i] = parseInt(v.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function msat(v: unknown, field: string, opts: { positive?: boolean } = {}): bigint {
  if (typeof v !== 'string' || !/^\d{1,20}$/.test(v)) throw bad(field, 'expected msat as a decimal string');
  const n = BigInt(v);
  if (n >= 1n << 64n) throw bad(field, 'above 2^64 - 1');
  if (opts.positive && n === 0n) throw bad(field, 'must be positive');
  return n;
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(field, `expected an integer from ${min} to ${max}`);
  return v;
}

/** A short channel id: `BLOCKxTXxOUT`, or the 64-bit value as a decimal string. */
export function parseScidField(v: unknown, field: string): bigint {
  if (typeof v === 'string' && /^\d+x\d+x\d+$/.test(v)) {
    try {
      return parseScid(v);
    } catch {
      throw bad(field, 'short channel id part out of range');
    }
  }
  if (typeof v === 'string' && /^\d{1,20}$/.test(v) && BigInt(v) < 1n << 64n) return BigInt(v);
  throw bad(field, 'expected a short channel id (BLOCKxTXxOUT)');
}

function list(v: unknown, field: string, max = 10_000): unknown[] {
  if (!Array.isArray(v)) throw bad(field, 'expected an array');
  if (v.length > max) throw bad(field, `at most ${max} entries`);
  return v;
}

function hexBytes(v: unknown, field: string): Uint8Array {
  if (typeof v !== 'string' || !/^([0-9a-fA-F]{2}){0,1024}$/.test(v)) throw bad(field, 'expected hex bytes');
  return Uint8Array.from(v.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** A parsed `POST /payment-outcome` body: the hops of an attempt and, when it failed, the channel that failed. */
export interface OutcomeRequest {
  readonly hops: readonly { readonly shortChannelId: bigint; readonly direction: 0 | 1; readonly amountMsat: bigint }[];
  readonly failedShortChannelId?: bigint;
  /** The time of the outcome, seconds (default now). */
  readonly timestamp?: number;
}

/** Parses a `POST /payment-outcome` body: `{ hops: [{ short_channel_id, direction, amount_msat }], failed_short_channel_id?, timestamp? }` (the hops as `/route` returned them). */
export function parseOutcomeRequest(body: unknown): OutcomeRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'bad_request', 'the body must be a JSON object');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!['hops', 'failed_short_channel_id', 'timestamp'].includes(k)) throw bad(k, 'unknown field');
  if (b.hops === undefined) throw bad('hops', 'required');
  const hops = list(b.hops, 'hops', 27).map((h, i) => {
    const at = `hops[${i}]`;
    if (typeof h !== 'object' || h === null) throw bad(at, 'expected an object');
    const o = h as Record<string, unknown>;
    if (o.direction !== 0 && o.direction !== 1) throw bad(`${at}.direction`, 'expected 0 or 1');
    return { shortChannelId: parseScidField(o.short_channel_id, `${at}.short_channel_id`), direction: o.direction as 0 | 1, amountMsat: msat(o.amount_msat, `${at}.amount_msat`) };
  });
  if (!hops.length) throw bad('hops', 'at least one hop');
  const failed = b.failed_short_channel_id === undefined ? undefined : parseScidField(b.failed_short_channel_id, 'failed_short_channel_id');
  if (failed !== undefined && !hops.some((h) => h.shortChannelId === failed)) throw bad('failed_short_channel_id', 'not a channel of the hops');
  const timestamp = b.timestamp === undefined ? undefined : int(b.timestamp, 'timestamp', 0, 2 ** 40);
  return { hops, failedShortChannelId: failed, timestamp };
}

const KNOWN = new Set([
  'payer', 'payee', 'amount_msat', 'final_cltv_expiry_delta', 'max_total_cltv_expiry_delta', 'max_path_length', 'max_fee_msat',
  'current_block_height', 'route_hints', 'excluded_channels', 'excluded_nodes', 'mpp', 'max_parts', 'use_scorer', 'payee_features',
]);

/** Parses a `POST /route` body (already JSON-decoded); throws {@link ApiError} naming the first bad field. */
export function parseRouteRequest(body: unknown): RouteRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'bad_request', 'the body must be a JSON object');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!KNOWN.has(k)) throw bad(k, 'unknown field');
  for (const k of ['payer', 'payee', 'amount_msat']) if (b[k] === undefined) throw bad(k, 'required');
  const opt = <T>(k: string, f: (v: unknown, field: string) => T): T | undefined => (b[k] === undefined ? undefined : f(b[k], k));
  const hints = opt('route_hints', (v, f) =>
    list(v, f, 64).map((h, i) =>
      list(h, `${f}[${i}]`, 20).map((x, j): RouteHintHop => {
        const at = `${f}[${i}][${j}]`;
        if (typeof x !== 'object' || x === null) throw bad(at, 'expected an object');
        const o = x as Record<string, unknown>;
        return {
          pubkey: nodeId(o.node_id, `${at}.node_id`),
          shortChannelId: parseScidField(o.short_channel_id, `${at}.short_channel_id`),
          feeBaseMsat: int(o.fee_base_msat ?? 0, `${at}.fee_base_msat`, 0, 0xffffffff),
          feeProportionalMillionths: int(o.fee_proportional_millionths ?? 0, `${at}.fee_proportional_millionths`, 0, 0xffffffff),
          cltvExpiryDelta: int(o.cltv_expiry_delta ?? 0, `${at}.cltv_expiry_delta`, 0, 0xffff),
          htlcMinimumMsat: o.htlc_minimum_msat === undefined ? undefined : msat(o.htlc_minimum_msat, `${at}.htlc_minimum_msat`),
          htlcMaximumMsat: o.htlc_maximum_msat === undefined ? undefined : msat(o.htlc_maximum_msat, `${at}.htlc_maximum_msat`),
        };
      }),
    ),
  );
  const bool = (v: unknown, f: string) => {
    if (typeof v !== 'boolean') throw bad(f, 'expected true or false');
    return v;
  };
  const params: Omit<RouteParams, 'scorer'> = {
    payer: nodeId(b.payer, 'payer'),
    payee: nodeId(b.payee, 'payee'),
    amountMsat: msat(b.amount_msat, 'amount_msat', { positive: true }),
    finalCltvExpiryDelta: opt('final_cltv_expiry_delta', (v, f) => int(v, f, 0, 0xffff)),
    maxTotalCltvExpiryDelta: opt('max_total_cltv_expiry_delta', (v, f) => int(v, f, 0, 100_000)),
    maxPathLength: opt('max_path_length', (v, f) => int(v, f, 1, 27)),
    maxFeeMsat: opt('max_fee_msat', (v, f) => msat(v, f)),
    currentBlockHeight: opt('current_block_height', (v, f) => int(v, f, 0, 0x7fffffff)),
    routeHints: hints,
    excludedChannels: opt('excluded_channels', (v, f) => list(v, f).map((x, i) => parseScidField(x, `${f}[${i}]`))),
    excludedNodes: opt('excluded_nodes', (v, f) => list(v, f).map((x, i) => nodeId(x, `${f}[${i}]`))),
    payeeFeatures: opt('payee_features', hexBytes),
  };
  if (params.finalCltvExpiryDelta !== undefined && params.finalCltvExpiryDelta > (params.maxTotalCltvExpiryDelta ?? 1008)) {
    throw bad('final_cltv_expiry_delta', 'above max_total_cltv_expiry_delta');
  }
  if (bytesEq(params.payer, params.payee)) throw bad('payee', 'the same node as payer');
  return {
    params,
    mpp: opt('mpp', bool) ?? true,
    maxParts: opt('max_parts', (v, f) => int(v, f, 1, 64)) ?? 8,
    useScorer: opt('use_scorer', bool) ?? true,
  };
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** One path as JSON: per hop the node, channel, HTLC amount, fee and CLTV; totals; the scorer's success probability when it tells one. */
export function routeToJson(r: Route, scorer: Score | undefined): Record<string, unknown> {
  const prob = routeProbability(scorer, r);
  return {
    hops: r.hops.map((h) => ({
      node_id: hex(h.nodeId),
      short_channel_id: scidToString(h.shortChannelId),
      direction: h.direction,
      amount_msat: h.amountMsat.toString(),
      fee_msat: h.feeMsat.toString(),
      cltv_expiry: h.cltvExpiry,
    })),
    amount_msat: r.hops[r.hops.length - 1]!.amountMsat.toString(),
    total_amount_msat: r.totalAmountMsat.toString(),
    total_fee_msat: r.totalFeeMsat.toString(),
    total_cltv_expiry_delta: r.totalCltvExpiryDelta,
    ...(prob === undefined ? {} : { probability: prob }),
  };
}

/** A whole answer: the paths, what they deliver, their fees, the largest total CLTV, and the joint probability when scored. */
export function multiPathToJson(m: MultiPathRoute, scorer: Score | undefined): Record<string, unknown> {
  const paths = m.paths.map((r) => routeToJson(r, scorer));
  const probs = paths.map((p) => p.probability as number | undefined);
  return {
    amount_msat: m.totalAmountMsat.toString(),
    total_fee_msat: m.totalFeeMsat.toString(),
    total_cltv_expiry_delta: Math.max(...m.paths.map((r) => r.totalCltvExpiryDelta)),
    ...(probs.every((p) => p !== undefined) ? { probability: probs.reduce((a, p) => a * p!, 1) } : {}),
    paths,
  };
}
