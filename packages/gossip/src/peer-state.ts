/**
 * Per-peer gossip state: the rate-limit allowance, the query sync, the peer's
 * `gossip_timestamp_filter` with the backfill it asks for, and an outbox that releases
 * replies a bounded number at a time (so a `PeerManager` that drops gossip above a queue
 * limit never drops them).
 */
import type { KnownMessage } from '@ln/wire';
import { decodeMessage, LightningError, makeMessage } from '@ln/wire';
import type { NetworkGraph } from './network-graph.js';
import type { QueryAnswer, SkipChannel } from './query-answer.js';
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
  /** Messages the outbox (our own messages to the peer, not lazily made replies) holds at most before the peer is disconnected (default 1,000). */
  readonly maxOutbox: number;
}

/** Defaults of {@link PeerLimits}. */
export const DEFAULT_PEER_GOSSIP_LIMITS: PeerLimits = { gossipBurst: 100_000, gossipPerTick: 10_000, maxMessagesPerDrain: 500, maxOutbox: 1000 };



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
  /** The reply in progress to the peer's `query_channel_range` (BOLT 7: one at a time). */
  rangeAnswer?: QueryAnswer;
  /** The reply in progress to the peer's `query_short_channel_ids` (BOLT 7: one at a time). */
  idsAnswer?: QueryAnswer;
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

  /**
   * Spends one unit of allowance. Only the answer to our query in flight is free (gossip
   * about the queried ids, two node announcements an id): a peer that never finishes its
   * replies gets no more than anyone else.
   */
  takeToken(scid?: bigint): boolean {
    if (this.query.isExpectedReply(scid)) return true;
    if (this.tokens <= 0) return false;
    this.tokens--;
    return true;
  }

  refill(): void {
    this.tokens = Math.min(this.limits.gossipBurst, this.tokens + this.limits.gossipPerTick);
  }

  /** Queues one of our messages; above `maxOutbox` throws a `LightningError` that disconnects the peer. */
  send(msg: KnownMessage): void {
    if (this.outbox.length - this.outHead >= this.limits.maxOutbox) {
      const text = `gossip outbox to this peer holds ${this.limits.maxOutbox} messages`;
      throw new LightningError(text, { type: 'DisconnectPeerWithWarning', msg: makeMessage('warning', { channelId: new Uint8Array(32), data: new TextEncoder().encode(text) }) });
    }
    this.outbox.push(msg);
  }

  /** Messages waiting in the outbox (lazily made replies and backfill not counted: they are made when released). */
  get outboxLength(): number {
    return this.outbox.length - this.outHead;
  }

  /** Replaces the filter and restarts the backfill of stored gossip in its range. */
  setFilter(graph: NetworkGraph, first: number, range: number): void {
    const end = Math.min(first + range, 2 ** 32);
    this.filter = { first, end };
    this.backfill = end > first ? { first, end, scids: graph.sortedScids(), i: 0, node: 0 } : undefined;
  }

  /**
   * Up to `maxMessagesPerDrain` messages (a few more when one channel's messages straddle
   * the limit): the outbox first, then the replies in progress, then more backfill. Channels
   * `skip` names (funding spent) are left out of the backfill.
   */
  release(graph: NetworkGraph, skip: SkipChannel = () => false): KnownMessage[] {
    const max = this.limits.maxMessagesPerDrain;
    const out: KnownMessage[] = [];
    while (out.length < max && this.outHead < this.outbox.length) out.push(this.outbox[this.outHead++]!);
    if (this.outHead === this.outbox.length) {
      this.outbox = [];
      this.outHead = 0;
    }
    if (this.rangeAnswer && out.length < max && this.rangeAnswer.fill(graph, out, max)) this.rangeAnswer = undefined;
    if (this.idsAnswer && out.length < max && this.idsAnswer.fill(graph, out, max)) this.idsAnswer = undefined;
    while (out.length < max && this.backfill && this.fillFromBackfill(graph, this.backfill, out, skip));
    return out;
  }

  /** Whether anything waits to be released. */
  get hasPending(): boolean {
    return this.outHead < this.outbox.length || !!this.rangeAnswer || !!this.idsAnswer || !!this.backfill;
  }

  /** Adds the next channel's (or node's) messages in the filter's range to the outbox; false when the backfill is finished. */
  private fillFromBackfill(graph: NetworkGraph, b: Backfill, out: KnownMessage[], skip: SkipChannel): boolean {
    const inRange = (t: number) => t >= b.first && t < b.end;
    const c = graph.cols;
    while (b.i < b.scids.length) {
      const scid = b.scids[b.i++]!;
      const r = graph.channelRow(scid);
      if (r < 0 || skip(scid)) continue;
      const t1 = c.updTs[2 * r]!;
      const t2 = c.updTs[2 * r + 1]!;
      const u1 = t1 !== 0 && inRange(t1);
      const u2 = t2 !== 0 && inRange(t2);
      if (!u1 && !u2) continue;
      const ann = channelAnnouncementBytesAt(graph, r);
      if (!ann) continue;
      // BOLT 7: the announcement takes an update's timestamp and goes before its updates.
      out.push(decodeMessage(ann) as KnownMessage);
      for (const [ok, d] of [[u1, 2 * r], [u2, 2 * r + 1]] as const) {
        const u = ok ? channelUpdateBytesAt(graph, d) : undefined;
        if (u) out.push(decodeMessage(u) as KnownMessage);
      }
      return true;
    }
    while (b.node < c.nodeCount) {
      const n = b.node++;
      const raw = c.nodeAnn[n];
      if (raw && c.nodeAnnTs[n] && inRange(c.nodeAnnTs[n]!)) {
        out.push(decodeMessage(raw) as KnownMessage);
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
