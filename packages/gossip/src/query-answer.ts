/**
 * The responder side of BOLT 7 gossip queries as lazy cursors: a `query_channel_range` or
 * `query_short_channel_ids` becomes an {@link QueryAnswer} that makes its replies a bounded
 * number at a time, when the peer's connection has room, instead of all at once. A peer has
 * at most one answer of each kind in progress ("if it has not sent all `reply_channel_range`
 * / `reply_short_channel_ids_end` to a previously received query from this sender: MAY send
 * a `warning`, MAY close the connection"), so a query flood costs bounded memory.
 */
import {
  decodeMessage, decodeQueryFlags, decodeShortChannelIds, encodeShortChannelIds, encodeTimestamps, makeMessage, QUERY_FLAG,
  type KnownMessage, type QueryChannelRange, type QueryShortChannelIds, type ReplyChannelRange,
} from '@ln/wire';
import { scidBlock, toHex } from './bytes.js';
import type { NetworkGraph } from './network-graph.js';
import { channelAnnouncementBytesAt, channelUpdateBytesAt, checksumAt } from './stored-messages.js';

/** `query_option` bits of `query_channel_range` (BOLT 7). */
export const QUERY_OPTION = { TIMESTAMPS: 1n, CHECKSUMS: 2n } as const;

/** Short channel ids per `reply_channel_range`: stays far below the 65,535-byte message limit with timestamps and checksums (24 bytes an id). */
export const REPLY_CHUNK_WITH_EXTRAS = 2000;
/** Short channel ids per `reply_channel_range` without extras (8 bytes an id). */
export const REPLY_CHUNK_PLAIN = 7000;

/** Every query flag: what `query_short_channel_ids` without flags asks for. */
export const ALL_QUERY_FLAGS = QUERY_FLAG.CHANNEL_ANNOUNCEMENT | QUERY_FLAG.CHANNEL_UPDATE_NODE_1 | QUERY_FLAG.CHANNEL_UPDATE_NODE_2 | QUERY_FLAG.NODE_ANNOUNCEMENT_NODE_1 | QUERY_FLAG.NODE_ANNOUNCEMENT_NODE_2;

/** Channels an answer must not list (BOLT 7: "if the funding output of the `channel_announcement` has been spent: SHOULD NOT send"). */
export type SkipChannel = (scid: bigint) => boolean;

/** A reply in progress: `fill` appends its next messages; `true` once the whole reply was made. */
export interface QueryAnswer {
  fill(graph: NetworkGraph, out: KnownMessage[], max: number): boolean;
}

/** A query that breaks BOLT 7's rules (e.g. a flag count that does not match the id count). */
export class RangeQueryError extends Error {
  override readonly name = 'RangeQueryError';
}

/** An answer made in advance (e.g. the single reply to a query for a chain we do not know). */
export class FixedAnswer implements QueryAnswer {
  private i = 0;
  constructor(private readonly msgs: readonly KnownMessage[]) {}
  fill(_graph: NetworkGraph, out: KnownMessage[], max: number): boolean {
    while (this.i < this.msgs.length && out.length < max) out.push(this.msgs[this.i++]!);
    return this.i >= this.msgs.length;
  }
}

/**
 * Answers `query_channel_range` (BOLT 7): every announced channel in the block range,
 * ascending, over as many `reply_channel_range`s as needed; the first starts at the query's
 * `first_blocknum`, each next one at or after the previous, the last reaches the query's end
 * and alone has `sync_complete` set. Timestamps and checksums when asked for. Holds the
 * graph's sorted ids (8 bytes a channel) and a cursor.
 */
export class RangeAnswer implements QueryAnswer {
  private readonly end: number;
  private readonly wantTs: boolean;
  private readonly wantSums: boolean;
  private readonly chunk: number;
  private readonly ids: BigUint64Array;
  private i: number;
  private first: number;
  private done = false;

  constructor(
    graph: NetworkGraph,
    private readonly q: QueryChannelRange,
    private readonly skip: SkipChannel = () => false,
    chunk?: number,
  ) {
    this.end = Math.min(q.firstBlocknum + q.numberOfBlocks, 0xffffffff);
    const opts = q.tlvs.queryOption ?? 0n;
    this.wantTs = (opts & QUERY_OPTION.TIMESTAMPS) !== 0n;
    this.wantSums = (opts & QUERY_OPTION.CHECKSUMS) !== 0n;
    this.chunk = chunk ?? (this.wantTs || this.wantSums ? REPLY_CHUNK_WITH_EXTRAS : REPLY_CHUNK_PLAIN);
    this.ids = graph.sortedScids();
    this.first = q.firstBlocknum;
    const start = BigInt(q.firstBlocknum) << 40n;
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ids[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    this.i = lo;
  }

  /** Index of the next id to list (from `i`), or -1 when none is left in the range. */
  private nextValid(graph: NetworkGraph, i: number): number {
    for (; i < this.ids.length; i++) {
      const s = this.ids[i]!;
      if (scidBlock(s) >= this.end) return -1;
      const r = graph.channelRow(s);
      if (r >= 0 && graph.isSigned(r) && !this.skip(s)) return i;
    }
    return -1;
  }

  fill(graph: NetworkGraph, out: KnownMessage[], max: number): boolean {
    while (!this.done && out.length < max) {
      const part: bigint[] = [];
      let j = this.nextValid(graph, this.i);
      while (j >= 0 && part.length < this.chunk) {
        part.push(this.ids[j]!);
        j = this.nextValid(graph, j + 1);
      }
      this.i = j < 0 ? this.ids.length : j;
      const last = j < 0;
      const stop = last ? this.end : scidBlock(part[part.length - 1]!) + 1;
      const tlvs: ReplyChannelRange['tlvs'] = {};
      if (this.wantTs) tlvs.timestampsTlv = encodeTimestamps(part.map((s) => {
        const [timestamp1, timestamp2] = graph.updateTimestamps(s);
        return { timestamp1, timestamp2 };
      }));
      if (this.wantSums) tlvs.checksumsTlv = part.map((s) => {
        const r = graph.channelRow(s);
        return { checksumNodeId1: checksumAt(graph, 2 * r), checksumNodeId2: checksumAt(graph, 2 * r + 1) };
      });
      out.push(makeMessage('reply_channel_range', {
        chainHash: this.q.chainHash,
        firstBlocknum: this.first,
        numberOfBlocks: Math.max(1, stop - this.first),
        syncComplete: last ? 1 : 0,
        encodedShortIds: encodeShortChannelIds(part),
        tlvs,
      }));
      if (last) this.done = true;
      else this.first = scidBlock(part[part.length - 1]!);
    }
    return this.done;
  }
}

/**
 * Answers `query_short_channel_ids` (BOLT 7): for each known id, the announcement, the
 * latest update of each end and the ends' node announcements — or exactly what the query
 * flags ask for — with each node announcement at most once, then
 * `reply_short_channel_ids_end`. The constructor throws `DecodeError` or
 * {@link RangeQueryError} on a malformed query (the caller warns). A query holds at most
 * 8,190 ids (the message size), so the cursor's state is bounded.
 */
export class ShortIdsAnswer implements QueryAnswer {
  private readonly ids: bigint[];
  private readonly flags?: bigint[];
  private readonly sentNodes = new Set<string>();
  private i = 0;
  private done = false;

  constructor(
    private readonly q: QueryShortChannelIds,
    private readonly fullInformation: boolean,
    private readonly skip: SkipChannel = () => false,
  ) {
    this.ids = decodeShortChannelIds(q.encodedShortIds);
    this.flags = q.tlvs.queryFlags ? decodeQueryFlags(q.tlvs.queryFlags.encodingType, q.tlvs.queryFlags.encodedQueryFlags) : undefined;
    if (this.flags && this.flags.length !== this.ids.length) throw new RangeQueryError(`query_flags has ${this.flags.length} flags for ${this.ids.length} short channel ids`);
  }

  fill(graph: NetworkGraph, out: KnownMessage[], max: number): boolean {
    const c = graph.cols;
    const addNode = (n: number) => {
      const raw = c.nodeAnn[n];
      if (!raw || c.nodeAnnTs[n] === 0) return;
      const key = toHex(graph.nodeIdAt(n));
      if (this.sentNodes.has(key)) return;
      this.sentNodes.add(key);
      out.push(decodeMessage(raw) as KnownMessage);
    };
    while (this.i < this.ids.length && out.length < max) {
      const i = this.i++;
      const scid = this.ids[i]!;
      const r = graph.channelRow(scid);
      if (r < 0 || this.skip(scid)) continue;
      const f = this.flags ? this.flags[i]! : ALL_QUERY_FLAGS;
      const ann = channelAnnouncementBytesAt(graph, r);
      if (!ann) continue;
      if (f & QUERY_FLAG.CHANNEL_ANNOUNCEMENT) out.push(decodeMessage(ann) as KnownMessage);
      for (let dir = 0; dir < 2; dir++) {
        if (!(f & (dir === 0 ? QUERY_FLAG.CHANNEL_UPDATE_NODE_1 : QUERY_FLAG.CHANNEL_UPDATE_NODE_2))) continue;
        const u = channelUpdateBytesAt(graph, 2 * r + dir);
        if (u) out.push(decodeMessage(u) as KnownMessage);
      }
      if (f & QUERY_FLAG.NODE_ANNOUNCEMENT_NODE_1) addNode(c.node1[r]!);
      if (f & QUERY_FLAG.NODE_ANNOUNCEMENT_NODE_2) addNode(c.node2[r]!);
    }
    if (this.i >= this.ids.length && !this.done && out.length < max) {
      out.push(makeMessage('reply_short_channel_ids_end', { chainHash: this.q.chainHash, fullInformation: this.fullInformation ? 1 : 0 }));
      this.done = true;
    }
    return this.done;
  }
}

/** Makes a whole answer at once (for tests and tools; a sync answers lazily). */
export function drainAnswer(graph: NetworkGraph, a: QueryAnswer): KnownMessage[] {
  const out: KnownMessage[] = [];
  while (!a.fill(graph, out, out.length + 1024));
  return out;
}
