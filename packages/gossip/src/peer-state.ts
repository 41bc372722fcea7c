/**
 * Per-peer gossip state: the rate-limit allowance, the query sync, the peer's
 * `gossip_timestamp_filter` with the backfill it asks for, and an outbox that releases
 * replies a bounded number at a time (so a `PeerManager` that drops gossip above a queue
 * limit never drops them).
 */
import type { KnownMessage } from '@ln/wire';
import { decodeMessage } from '@ln/wire';
import type { NetworkGraph } from './network-graph.js';
import type { QueryInitiator } from './query-sync.js';
import { channelAnnouncementBytesAt, channelUpdateBytesAt } from './stored-messages.js';

/** Per-peer limits. */
export interface PeerLimits {
  /** Gossip messages a peer may send before the allowance runs out (default 100,000: a full graph). */
  readonly gossipBurst: number;
  /** Messages added to the allowance per timer tick (default 10,000). */
  readonly gossipPerTick: number;
  /** Messages released to one peer per event drain (default 500). */
  readonly maxMessagesPerDrain: number;
}

/** Defaults of {@link PeerLimits}. */
export const DEFAULT_PEER_GOSSIP_LIMITS: PeerLimits = { gossipBurst: 100_000, gossipPerTick: 10_000, maxMessagesPerDrain: 500 };

interface Backfill {
  readonly first: number;
  readonly end: number;
  readonly scids: BigUint64Array;
  i: number;
  node: number;
}

/** One peer's gossip state. @internal */
export class PeerGossipState {
  readonly limits: PeerLimits;
  private tokens: number;
  private outbox: KnownMessage[] = [];
  private outHead = 0;
  private backfill?: Backfill;
  /** The peer's filter, `[first, end)`; `undefined` until it sends `gossip_timestamp_filter`. */
  filter?: { first: number; end: number };

  constructor(
    readonly nodeId: Uint8Array,
    readonly gossipQueries: boolean,
    readonly query: QueryInitiator,
    limits: Partial<PeerLimits>,
  ) {
    this.limits = { ...DEFAULT_PEER_GOSSIP_LIMITS, ...stripUndefined(limits) };
    this.tokens = this.limits.gossipBurst;
  }

  /** Spends one unit of allowance; replies to our own queries are free. */
  takeToken(): boolean {
    if (this.query.awaitingReplies) return true;
    if (this.tokens <= 0) return false;
    this.tokens--;
    return true;
  }

  refill(): void {
    this.tokens = Math.min(this.limits.gossipBurst, this.tokens + this.limits.gossipPerTick);
  }

  send(msg: KnownMessage): void {
    this.outbox.push(msg);
  }

  /** Replaces the filter and restarts the backfill of stored gossip in its range. */
  setFilter(graph: NetworkGraph, first: number, range: number): void {
    const end = Math.min(first + range, 2 ** 32);
    this.filter = { first, end };
    this.backfill = end > first ? { first, end, scids: graph.sortedScids(), i: 0, node: 0 } : undefined;
  }

  /** Up to `maxMessagesPerDrain` messages: the outbox first, then more backfill. */
  release(graph: NetworkGraph): KnownMessage[] {
    const max = this.limits.maxMessagesPerDrain;
    const out: KnownMessage[] = [];
    while (out.length < max) {
      if (this.outHead < this.outbox.length) {
        out.push(this.outbox[this.outHead++]!);
        continue;
      }
      if (!this.backfill || !this.fillFromBackfill(graph, this.backfill)) break;
    }
    if (this.outHead === this.outbox.length) {
      this.outbox = [];
      this.outHead = 0;
    }
    return out;
  }

  /** Adds the next channel's (or node's) messages in the filter's range to the outbox; false when the backfill is finished. */
  private fillFromBackfill(graph: NetworkGraph, b: Backfill): boolean {
    const inRange = (t: number) => t >= b.first && t < b.end;
    const c = graph.cols;
    while (b.i < b.scids.length) {
      const r = graph.channelRow(b.scids[b.i++]!);
      if (r < 0) continue;
      const t1 = c.updTs[2 * r]!;
      const t2 = c.updTs[2 * r + 1]!;
      const u1 = t1 !== 0 && inRange(t1);
      const u2 = t2 !== 0 && inRange(t2);
      if (!u1 && !u2) continue;
      const ann = channelAnnouncementBytesAt(graph, r);
      if (!ann) continue;
      // BOLT 7: the announcement takes an update's timestamp and goes before its updates.
      this.outbox.push(decodeMessage(ann) as KnownMessage);
      for (const [ok, d] of [[u1, 2 * r], [u2, 2 * r + 1]] as const) {
        const u = ok ? channelUpdateBytesAt(graph, d) : undefined;
        if (u) this.outbox.push(decodeMessage(u) as KnownMessage);
      }
      return true;
    }
    while (b.node < c.nodeCount) {
      const n = b.node++;
      const raw = c.nodeAnn[n];
      if (raw && c.nodeAnnTs[n] && inRange(c.nodeAnnTs[n]!)) {
        this.outbox.push(decodeMessage(raw) as KnownMessage);
        return true;
      }
    }
    this.backfill = undefined;
    return false;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
