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

/** Whether `a` is the chain `b`. */
export function sameChain(a: Uint8Array, b: Uint8Array): boolean {
  return bytesEqual(a, b);
}
