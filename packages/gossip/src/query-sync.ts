/**
 * BOLT 7 gossip queries ("Query Messages"): the initiator side (`query_channel_range` →
 * `reply_channel_range`s → batches of `query_short_channel_ids`, each ended by
 * `reply_short_channel_ids_end`) as an explicit state machine driven by incoming messages —
 * no recursion and no promise chains, however many channels. The responder side is in
 * `query-answer.ts` (lazy cursors); `answerChannelRange` / `answerShortChannelIds` here make
 * a whole answer at once.
 */
import {
  decodeShortChannelIds, decodeTimestamps, encodeQueryFlags, encodeShortChannelIds,
  makeMessage, QUERY_FLAG, type ChannelUpdateTimestamps, type KnownMessage, type QueryChannelRange, type QueryShortChannelIds,
  type ReplyChannelRange,
} from '@ln/wire';
import { bytesEqual } from './bytes.js';
import { ALL_QUERY_FLAGS, drainAnswer, QUERY_OPTION, RangeAnswer, ShortIdsAnswer } from './query-answer.js';

export { QUERY_OPTION, REPLY_CHUNK_PLAIN, REPLY_CHUNK_WITH_EXTRAS, RangeQueryError } from './query-answer.js';
import type { NetworkGraph } from './network-graph.js';
import { checksumAt } from './stored-messages.js';

/** Short channel ids per `query_short_channel_ids` we send (BOLT 7 bounds it by the message size: at most 8,190). */
export const DEFAULT_QUERY_BATCH = 1000;

const ALL_FLAGS = ALL_QUERY_FLAGS;

/** Short channel ids an initiator keeps to ask for at most: a peer cannot grow our memory without bound with endless replies (mainnet has ~50,000 channels). */
export const MAX_WANTED_IDS = 500_000;

/** Where an initiator is in its sync with one peer (`timed_out`: the peer stopped answering, see {@link QueryInitiator.onTick}). */
export type QueryPhase = 'idle' | 'range' | 'ids' | 'done' | 'timed_out';

/** Timer ticks without a reply after which a sync is given up (default 3: about three minutes). */
export const DEFAULT_SYNC_TIMEOUT_TICKS = 3;

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
  /** The ids of the `query_short_channel_ids` in flight: gossip about them is its answer. */
  private readonly inFlight = new Set<bigint>();
  /** `node_announcement`s the query in flight may still bring (two an id at most). */
  private nodeAllowance = 0;
  /** Channel messages the query in flight may still bring (an announcement and two updates an id). */
  private channelAllowance = 0;
  private idleTicks = 0;

  constructor(
    /** The peer offers `gossip_queries_ex`: ask for timestamps/checksums and send query flags. */
    readonly extended: boolean,
    readonly batchSize = DEFAULT_QUERY_BATCH,
    readonly maxWanted = MAX_WANTED_IDS,
    /** Timer ticks without any reply after which the sync is given up. */
    readonly timeoutTicks = DEFAULT_SYNC_TIMEOUT_TICKS,
  ) {
    this.batchSize = clampQueryBatch(batchSize, extended);
  }

  /**
   * Whether a gossip message is part of the answer to our query in flight (then it does not
   * spend the peer's rate-limit allowance): a `channel_announcement` / `channel_update` of
   * one of the queried ids (three an id at most), or one of at most two `node_announcement`s
   * an id (`scid` undefined). Anything else while we sync is rate-limited as usual.
   */
  isExpectedReply(scid: bigint | undefined): boolean {
    if (this.phase !== 'ids') return false;
    if (scid !== undefined) {
      if (!this.inFlight.has(scid) || this.channelAllowance <= 0) return false;
      this.channelAllowance--;
    } else {
      if (this.nodeAllowance <= 0) return false;
      this.nodeAllowance--;
    }
    this.idleTicks = 0;
    return true;
  }

  /** `reply_short_channel_ids_end` arrived: the query in flight is answered. */
  onReplyEnd(): void {
    this.inFlight.clear();
    this.nodeAllowance = 0;
    this.channelAllowance = 0;
    this.idleTicks = 0;
  }

  /** A timer tick: gives the sync up (phase `timed_out`) after `timeoutTicks` ticks without a reply. Returns true when it did. */
  onTick(): boolean {
    if (!this.awaitingReplies) return false;
    if (++this.idleTicks < this.timeoutTicks) return false;
    this.phase = 'timed_out';
    this.inFlight.clear();
    this.nodeAllowance = 0;
    return true;
  }

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
    this.idleTicks = 0;
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
      let flags = 0n;
      // Ends of a known channel whose node_announcement we lack (query flags only exist with gossip_queries_ex).
      if (this.extended) {
        const c = graph.cols;
        if (!c.nodeAnnTs[c.node1[row]!]) flags |= QUERY_FLAG.NODE_ANNOUNCEMENT_NODE_1;
        if (!c.nodeAnnTs[c.node2[row]!]) flags |= QUERY_FLAG.NODE_ANNOUNCEMENT_NODE_2;
      }
      const theirs: ChannelUpdateTimestamps | undefined = ts?.[i];
      if (!theirs) {
        if (flags) this.want(scid, flags);
        continue;
      }
      const ours = graph.updateTimestamps(scid);
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
    this.inFlight.clear();
    for (const id of ids) this.inFlight.add(id);
    this.nodeAllowance = 2 * ids.length;
    this.channelAllowance = 3 * ids.length;
    this.idleTicks = 0;
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
 * Answers `query_channel_range` (BOLT 7) all at once: see {@link RangeAnswer}, which a sync
 * uses to make the same replies lazily. `chunk` overrides the ids per reply.
 */
export function answerChannelRange(graph: NetworkGraph, q: QueryChannelRange, chunk?: number): ReplyChannelRange[] {
  return drainAnswer(graph, new RangeAnswer(graph, q, undefined, chunk)) as ReplyChannelRange[];
}

/**
 * Answers `query_short_channel_ids` (BOLT 7) all at once: see {@link ShortIdsAnswer}, which a
 * sync uses to make the same replies lazily. Throws `DecodeError` on a malformed query.
 */
export function answerShortChannelIds(graph: NetworkGraph, q: QueryShortChannelIds, fullInformation: boolean): KnownMessage[] {
  return drainAnswer(graph, new ShortIdsAnswer(q, fullInformation));
}

/**
 * The largest `query_short_channel_ids` batch whose message fits BOLT 1's 65,535 bytes
 * (type included): 2 (type) + 32 (chain) + 2 (len) + 1 (encoding) + 8 an id; with query
 * flags also a TLV of 1 (type) + 3 (BigSize length) + 1 (encoding) + 1 byte an id (flags
 * up to 0x1f are one BigSize byte).
 */
export function maxQueryBatch(withFlags: boolean): number {
  const fixed = 2 + 32 + 2 + 1;
  return withFlags ? Math.floor((65_535 - fixed - 5) / (8 + 1)) : Math.floor((65_535 - fixed) / 8);
}

/** `n` clamped to [1, {@link maxQueryBatch}]. */
export function clampQueryBatch(n: number, withFlags: boolean): number {
  return Math.max(1, Math.min(Math.floor(n), maxQueryBatch(withFlags)));
}

/** Whether `a` is the chain `b`. */
export function sameChain(a: Uint8Array, b: Uint8Array): boolean {
  return bytesEqual(a, b);
}
