/**
 * BOLT 7 gossip queries ("Query Messages"): the initiator side (`query_channel_range` →
 * `reply_channel_range`s → batches of `query_short_channel_ids`, each ended by
 * `reply_short_channel_ids_end`) as an explicit state machine driven by incoming messages —
 * no recursion and no promise chains, however many channels — and the responder side as
 * plain functions from the graph to reply messages.
 */
import {
  decodeMessage, decodeQueryFlags, decodeShortChannelIds, decodeTimestamps, encodeQueryFlags, encodeShortChannelIds, encodeTimestamps,
  makeMessage, QUERY_FLAG, type ChannelUpdateTimestamps, type KnownMessage, type QueryChannelRange, type QueryShortChannelIds,
  type ReplyChannelRange,
} from '@ln/wire';
import { bytesEqual, scidBlock, toHex } from './bytes.js';
import type { NetworkGraph } from './network-graph.js';
import { channelAnnouncementBytesAt, channelUpdateBytesAt, checksumAt } from './stored-messages.js';

/** `query_option` bits of `query_channel_range` (BOLT 7). */
export const QUERY_OPTION = { TIMESTAMPS: 1n, CHECKSUMS: 2n } as const;

/** Short channel ids per `reply_channel_range`: stays far below the 65,535-byte message limit with timestamps and checksums (24 bytes an id). */
export const REPLY_CHUNK_WITH_EXTRAS = 2000;
/** Short channel ids per `reply_channel_range` without extras (8 bytes an id). */
export const REPLY_CHUNK_PLAIN = 7000;
/** Short channel ids per `query_short_channel_ids` we send (BOLT 7 bounds it by the message size: at most 8,190). */
export const DEFAULT_QUERY_BATCH = 1000;

const ALL_FLAGS = QUERY_FLAG.CHANNEL_ANNOUNCEMENT | QUERY_FLAG.CHANNEL_UPDATE_NODE_1 | QUERY_FLAG.CHANNEL_UPDATE_NODE_2 | QUERY_FLAG.NODE_ANNOUNCEMENT_NODE_1 | QUERY_FLAG.NODE_ANNOUNCEMENT_NODE_2;

/** Short channel ids an initiator keeps to ask for at most: a peer cannot grow our memory without bound with endless replies (mainnet has ~50,000 channels). */
export const MAX_WANTED_IDS = 500_000;

/** Where an initiator is in its sync with one peer. */
export type QueryPhase = 'idle' | 'range' | 'ids' | 'done';

/**
 * The initiator's state for one peer: what it asked, the ids (and query flags) it still has
 * to ask for, and whether a `query_short_channel_ids` is outstanding (BOLT 7 allows one at a
 * time).
 */
export class QueryInitiator {
  phase: QueryPhase = 'idle';
  private rangeEnd = 0;
  private readonly wantedIds: bigint[] = [];
  private readonly wantedFlags: bigint[] = [];
  private cursor = 0;
  /** Ids the peer listed in its replies. */
  repliedIds = 0;
  /** `query_short_channel_ids` messages sent. */
  queriesSent = 0;

  /** Ids the peer listed beyond {@link MAX_WANTED_IDS} (not asked for). */
  droppedIds = 0;

  constructor(
    /** The peer offers `gossip_queries_ex`: ask for timestamps/checksums and send query flags. */
    readonly extended: boolean,
    readonly batchSize = DEFAULT_QUERY_BATCH,
    readonly maxWanted = MAX_WANTED_IDS,
  ) {}

  /** Starts a sync over `[firstBlock, firstBlock + numBlocks)`. */
  start(chainHash: Uint8Array, firstBlock = 0, numBlocks = 0xffffffff): QueryChannelRange {
    this.phase = 'range';
    this.rangeEnd = Math.min(firstBlock + numBlocks, 0xffffffff);
    return makeMessage('query_channel_range', {
      chainHash,
      firstBlocknum: firstBlock,
      numberOfBlocks: numBlocks,
      tlvs: this.extended ? { queryOption: QUERY_OPTION.TIMESTAMPS | QUERY_OPTION.CHECKSUMS } : {},
    });
  }

  /** Whether a `query_short_channel_ids` is outstanding or replies to our range query are still coming. */
  get awaitingReplies(): boolean {
    return this.phase === 'range' || this.phase === 'ids';
  }

  /**
   * Takes one `reply_channel_range`: notes which channels to ask for (unknown ones entirely;
   * known ones' updates when the peer's are newer and differ). Returns `true` when this was
   * the last reply (`first_blocknum + number_of_blocks` reaches the end of the query).
   */
  onReplyChannelRange(graph: NetworkGraph, msg: ReplyChannelRange, staleBefore: number): boolean {
    if (this.phase !== 'range') return false;
    const ids = decodeShortChannelIds(msg.encodedShortIds);
    this.repliedIds += ids.length;
    const ts = msg.tlvs.timestampsTlv ? decodeTimestamps(msg.tlvs.timestampsTlv.encodingType, msg.tlvs.timestampsTlv.encodedTimestamps) : undefined;
    const sums = msg.tlvs.checksumsTlv;
    for (let i = 0; i < ids.length; i++) {
      const scid = ids[i]!;
      const row = graph.channelRow(scid);
      if (row < 0) {
        this.want(scid, ALL_FLAGS);
        continue;
      }
      const theirs: ChannelUpdateTimestamps | undefined = ts?.[i];
      if (!theirs) continue;
      const ours = graph.updateTimestamps(scid);
      let flags = 0n;
      for (let dir = 0; dir < 2; dir++) {
        const t = dir === 0 ? theirs.timestamp1 : theirs.timestamp2;
        if (t <= ours[dir]!) continue;
        const theirSum = sums?.[i] && (dir === 0 ? sums[i]!.checksumNodeId1 : sums[i]!.checksumNodeId2);
        // Same content, only a refreshed timestamp: skip unless ours is getting stale.
        if (theirSum && ours[dir]! >= staleBefore && theirSum === checksumAt(graph, 2 * row + dir)) continue;
        flags |= dir === 0 ? QUERY_FLAG.CHANNEL_UPDATE_NODE_1 : QUERY_FLAG.CHANNEL_UPDATE_NODE_2;
      }
      if (flags) this.want(scid, flags);
    }
    const last = msg.firstBlocknum + msg.numberOfBlocks >= this.rangeEnd;
    if (last) this.phase = 'ids';
    return last;
  }

  /** The next `query_short_channel_ids` to send, or `undefined` when everything was asked (then the sync is done). */
  nextQuery(chainHash: Uint8Array): QueryShortChannelIds | undefined {
    if (this.phase !== 'ids') return undefined;
    if (this.cursor >= this.wantedIds.length) {
      this.phase = 'done';
      return undefined;
    }
    const end = Math.min(this.cursor + this.batchSize, this.wantedIds.length);
    const ids = this.wantedIds.slice(this.cursor, end);
    const flags = this.wantedFlags.slice(this.cursor, end);
    this.cursor = end;
    this.queriesSent++;
    return makeMessage('query_short_channel_ids', {
      chainHash,
      encodedShortIds: encodeShortChannelIds(ids),
      tlvs: this.extended ? { queryFlags: encodeQueryFlags(flags) } : {},
    });
  }

  /** Ids still to ask for (including the batch in flight). */
  get remaining(): number {
    return this.wantedIds.length - this.cursor;
  }

  private want(scid: bigint, flags: bigint): void {
    if (this.wantedIds.length >= this.maxWanted) {
      this.droppedIds++;
      return;
    }
    this.wantedIds.push(scid);
    this.wantedFlags.push(flags);
  }
}

/**
 * Answers `query_channel_range` (BOLT 7): every channel in the block range, ascending, split
 * over as many `reply_channel_range`s as needed; the first starts at the query's
 * `first_blocknum`, each next one at or after the previous, the last reaches the query's end
 * and alone has `sync_complete` set. Timestamps and checksums when asked for.
 */
export function answerChannelRange(graph: NetworkGraph, q: QueryChannelRange): ReplyChannelRange[] {
  const end = Math.min(q.firstBlocknum + q.numberOfBlocks, 0xffffffff);
  const opts = q.tlvs.queryOption ?? 0n;
  const wantTs = (opts & QUERY_OPTION.TIMESTAMPS) !== 0n;
  const wantSums = (opts & QUERY_OPTION.CHECKSUMS) !== 0n;
  const ids = graph.scidsInBlockRange(q.firstBlocknum, end - q.firstBlocknum).filter((s) => graph.isSigned(graph.channelRow(s)));
  const chunk = wantTs || wantSums ? REPLY_CHUNK_WITH_EXTRAS : REPLY_CHUNK_PLAIN;
  const out: ReplyChannelRange[] = [];
  let first = q.firstBlocknum;
  for (let i = 0; i === 0 || i < ids.length; i += chunk) {
    const part = ids.slice(i, i + chunk);
    const last = i + chunk >= ids.length;
    const stop = last ? end : scidBlock(part[part.length - 1]!) + 1;
    const tlvs: ReplyChannelRange['tlvs'] = {};
    if (wantTs) tlvs.timestampsTlv = encodeTimestamps(part.map((s) => {
      const [timestamp1, timestamp2] = graph.updateTimestamps(s);
      return { timestamp1, timestamp2 };
    }));
    if (wantSums) tlvs.checksumsTlv = part.map((s) => {
      const r = graph.channelRow(s);
      return { checksumNodeId1: checksumAt(graph, 2 * r), checksumNodeId2: checksumAt(graph, 2 * r + 1) };
    });
    out.push(makeMessage('reply_channel_range', {
      chainHash: q.chainHash,
      firstBlocknum: first,
      numberOfBlocks: Math.max(1, stop - first),
      syncComplete: last ? 1 : 0,
      encodedShortIds: encodeShortChannelIds(part),
      tlvs,
    }));
    if (last) break;
    first = scidBlock(part[part.length - 1]!);
  }
  return out;
}

/**
 * Answers `query_short_channel_ids` (BOLT 7): for each known id, the announcement, the
 * latest update of each end and the ends' node announcements — or exactly what the query
 * flags ask for — with each node announcement at most once, then
 * `reply_short_channel_ids_end`. Throws `DecodeError` on a malformed query (the caller warns).
 */
export function answerShortChannelIds(graph: NetworkGraph, q: QueryShortChannelIds, fullInformation: boolean): KnownMessage[] {
  const ids = decodeShortChannelIds(q.encodedShortIds);
  const flags = q.tlvs.queryFlags ? decodeQueryFlags(q.tlvs.queryFlags.encodingType, q.tlvs.queryFlags.encodedQueryFlags) : undefined;
  if (flags && flags.length !== ids.length) throw new RangeQueryError(`query_flags has ${flags.length} flags for ${ids.length} short channel ids`);
  const out: KnownMessage[] = [];
  const sentNodes = new Set<string>();
  const c = graph.cols;
  const addNode = (n: number) => {
    const raw = c.nodeAnn[n];
    if (!raw || c.nodeAnnTs[n] === 0) return;
    const key = toHex(graph.nodeIdAt(n));
    if (sentNodes.has(key)) return;
    sentNodes.add(key);
    out.push(decodeMessage(raw) as KnownMessage);
  };
  for (let i = 0; i < ids.length; i++) {
    const r = graph.channelRow(ids[i]!);
    if (r < 0) continue;
    const f = flags ? flags[i]! : ALL_FLAGS;
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
  out.push(makeMessage('reply_short_channel_ids_end', { chainHash: q.chainHash, fullInformation: fullInformation ? 1 : 0 }));
  return out;
}

/** A query that breaks BOLT 7's rules (e.g. a flag count that does not match the id count). */
export class RangeQueryError extends Error {
  override readonly name = 'RangeQueryError';
}

/** Whether `a` is the chain `b`. */
export function sameChain(a: Uint8Array, b: Uint8Array): boolean {
  return bytesEqual(a, b);
}
