/**
 * `P2PGossipSync` (the seed's `NetGraphMsgHandler`): the BOLT 7 `RoutingMessageHandler`.
 * It validates gossip, feeds the {@link NetworkGraph}, relays what is new, rate-limits
 * peers, syncs with gossip queries and answers them.
 *
 * Validation runs as an ordered pipeline: each message gets its signature check (through a
 * {@link SignatureVerifier}: inline, or batched onto worker threads) and, for channel
 * announcements, its funding lookup (`UtxoLookup`, sync or async); the graph is then updated
 * strictly in arrival order, so the result is the same as checking everything inline. A
 * message fully checked during its handler call returns `true` (new, relay it) or throws a
 * {@link GossipRejection}; one that waits on a promise returns `false` and is relayed later
 * through a `BroadcastGossip` event (rejections then become `HandleError` events or logs).
 */
import type { Filter, Logger, OutPoint, UtxoLookup, UtxoResult } from '@ln/chain-interfaces';
import { NULL_LOGGER, moduleLogger, type ModuleLogger } from '@ln/chain-interfaces';
import {
  Features, LightningError, decodeAddresses, decodeMessage, encodeMessage, makeMessage, signedBytesOf,
  type ChannelAnnouncement, type ChannelUpdate, type GossipTimestampFilter, type Init, type KnownMessage, type MessageSendEvent,
  type NodeAnnouncement, type QueryChannelRange, type QueryShortChannelIds, type ReplyChannelRange, type ReplyShortChannelIdsEnd,
  type RoutingMessageHandler,
} from '@ln/wire';
import { bytesEqual, concatBytes, scidBlock, toHex } from './bytes.js';
import { Blacklist } from './blacklist.js';
import { ChannelCloseWatcher } from './chain-watch.js';
import { GossipRejection, type RejectionCode } from './errors.js';
import { fundingScriptPubkey } from './funding.js';
import { STALE_CHANNEL_SECONDS, type NetworkGraph } from './network-graph.js';
import { PeerGossipState, type PeerLimits } from './peer-state.js';
import { FixedAnswer, RangeAnswer, ShortIdsAnswer } from './query-answer.js';
import { DEFAULT_SYNC_TIMEOUT_TICKS, QueryInitiator, sameChain, type QueryPhase } from './query-sync.js';
import { channelAnnouncementBytesAt, channelUpdateBytesAt, storedChannelAnnouncement, storedChannelUpdate } from './stored-messages.js';
import { InlineVerifier, runCheck, type SignatureCheck, type SignatureVerifier } from './verifier.js';
import { defaultSecp256k1, sha256d } from '@ln/crypto';

/** How to sync with a new peer that offers `gossip_queries` (BOLT 7). */
export type InitialSync =
  /** `gossip_timestamp_filter` from now on, and the history through `query_channel_range` / `query_short_channel_ids` (default). */
  | 'queries'
  /** `gossip_timestamp_filter` starting two weeks back: the peer sends its whole recent graph. */
  | 'filter'
  /** Only a `gossip_timestamp_filter` from now on. */
  | 'none';

/** Options of a {@link P2PGossipSync}. */
export interface P2PGossipSyncConfig {
  readonly graph: NetworkGraph;
  /** Checks funding outputs of `channel_announcement`s (BOLT 7); without it, channels are accepted on signatures alone and capacity is unknown. */
  readonly utxoLookup?: UtxoLookup;
  /** Where signatures are checked; default inline with the noble backend. */
  readonly verifier?: SignatureVerifier;
  /** Funding outputs are registered here so closed channels can be forgotten (see {@link ChannelCloseWatcher}). */
  readonly chainFilter?: Filter;
  readonly logger?: Logger;
  /** The caller's clock in seconds (timestamps, pruning, filters); default the system clock. */
  readonly now?: () => number;
  readonly initialSync?: InitialSync;
  /** Relay every accepted message through `BroadcastGossip` events (naming the peer it came from) and return `false` from handlers. */
  readonly relayViaEvents?: boolean;
  /** Per-peer limits (rate limit, pacing). */
  readonly limits?: Partial<PeerLimits & SyncLimits>;
  /**
   * The chain height, when the caller knows it, for the 6-confirmation rule of
   * `channel_announcement`; otherwise the height {@link P2PGossipSync.chainWatcher} was fed
   * (0 = unknown: the rule is not applied).
   */
  readonly chainHeight?: () => number;
}

/** Limits of the validation pipeline. */
export interface SyncLimits {
  /** Messages waiting in the pipeline above which {@link P2PGossipSync.processingQueueHigh} is true (default 20,000). */
  readonly queueHigh: number;
  /** `channel_update`s for unknown channels held at most (default 4,096); they wait for the announcement. */
  readonly maxHeldUpdates: number;
  /** Timer ticks a held update waits before it is dropped (default 2). */
  readonly heldUpdateTicks: number;
  /** Seconds into the future a timestamp may be (default one day). */
  readonly maxFutureSeconds: number;
  /** Short channel ids per `query_short_channel_ids` we send (default 1,000; clamped so the message fits 65,535 bytes, see `maxQueryBatch`). */
  readonly queryBatchSize: number;
  /** Timer ticks without a reply from a peer after which our query sync with it is given up (default 3). */
  readonly syncTimeoutTicks: number;
  /**
   * Confirmations a `channel_announcement`'s funding output needs at the known chain height
   * (default 6, BOLT 7: "if the `short_channel_id`'s output does NOT have at least 6
   * confirmations: MAY accept the message if the output is close to 6 confirmations ...
   * otherwise: SHOULD ignore the message"). Lower it if the chain source lags.
   */
  readonly minFundingConfirmations: number;
}

const DEFAULT_SYNC_LIMITS: SyncLimits = { queueHigh: 20_000, maxHeldUpdates: 4096, heldUpdateTicks: 2, maxFutureSeconds: 86_400, queryBatchSize: 1000, syncTimeoutTicks: DEFAULT_SYNC_TIMEOUT_TICKS, minFundingConfirmations: 6 };

const enum Kind {
  ChannelAnnouncement,
  NodeAnnouncement,
  ChannelUpdate,
}

interface Entry {
  readonly kind: Kind;
  readonly msg: ChannelAnnouncement | NodeAnnouncement | ChannelUpdate;
  readonly peer?: Uint8Array;
  readonly check: SignatureCheck;
  /** -2 pending, -1 valid, ≥0 index of the bad signature, -3 verifier failed. */
  sig: number;
  utxo?: UtxoResult | 'pending';
  result?: true | GossipRejection | false;
  /** Its signature check was handed to the verifier. */
  sent?: boolean;
  /** Its relay is handled otherwise (an announcement waits for its first update, which relays both as events). */
  relayed?: boolean;
}

interface Held {
  readonly msg: ChannelUpdate;
  readonly peer?: Uint8Array;
  readonly tick: number;
}

/** Counters of what the sync did. */
export interface GossipStats {
  accepted: { channelAnnouncements: number; nodeAnnouncements: number; channelUpdates: number };
  rejected: Partial<Record<RejectionCode, number>>;
  held: number;
}

/** Main-thread diagnosis verifies per timer tick (see `wrong_signer`). */
const DIAGNOSE_PER_TICK = 64;

const CA_SIG_NAMES = ['node_signature_1', 'node_signature_2', 'bitcoin_signature_1', 'bitcoin_signature_2'];

/**
 * Validates and stores BOLT 7 gossip, relays it, and syncs the graph with peers through
 * gossip queries. Implements `@ln/wire`'s `RoutingMessageHandler`, so a `PeerManager`
 * (`@ln/noise-peer`) drives it.
 */
export class P2PGossipSync implements RoutingMessageHandler {
  readonly graph: NetworkGraph;
  /** Forgets channels whose funding was spent; feed it blocks (`Listen`) or confirmations (`Confirm`). */
  readonly chainWatcher: ChannelCloseWatcher;
  readonly stats: GossipStats = { accepted: { channelAnnouncements: 0, nodeAnnouncements: 0, channelUpdates: 0 }, rejected: {}, held: 0 };
  private readonly verifier: SignatureVerifier;
  private readonly log: ModuleLogger;
  private readonly now: () => number;
  private readonly limits: SyncLimits;
  private readonly peerLimits: Partial<PeerLimits>;
  private readonly queue: Entry[] = [];
  private queueHead = 0;
  private batch: Entry[] = [];
  /** Async checks (lookups, signature batches) not yet settled. */
  private inflight = 0;
  /** Waiters of {@link waitForQueueBelow}, woken whenever an async check settles. */
  private wakers: (() => void)[] = [];
  private readonly pendingAnnouncements = new Map<bigint, { msg: ChannelAnnouncement; count: number }>();
  private readonly held = new Map<bigint, Held[]>();
  private heldCount = 0;
  private readonly peers = new Map<string, PeerGossipState>();
  private events: MessageSendEvent[] = [];
  private tick = 0;
  private current?: Entry;
  private readonly diagnose = defaultSecp256k1();
  /** Main-thread verifies left this tick for telling `wrong_signer` from `bad_signature`. */
  private diagnoseBudget = DIAGNOSE_PER_TICK;
  /** Accepted channel_announcements not relayed yet (they go with the first update), with the peer each came from. */
  private readonly unrelayedAnnouncements = new Map<bigint, Uint8Array | undefined>();
  /** Handed-in messages whose relay went out as events instead (announcements and first updates): shouldRelayTo refuses them. */
  private readonly notRelayedAsIs = new WeakSet<object>();
  /** Channels whose funding is spent: never listed in replies or backfill (BOLT 7). */
  private readonly isSpent = (scid: bigint): boolean => this.chainWatcher.isSpent(scid);
  /** Nodes and short channel ids of conflicting channel_announcements (BOLT 7 blacklist). */
  readonly blacklist = new Blacklist();

  constructor(private readonly config: P2PGossipSyncConfig) {
    this.graph = config.graph;
    this.verifier = config.verifier ?? new InlineVerifier();
    this.log = moduleLogger(config.logger ?? NULL_LOGGER, 'gossip');
    this.now = config.now ?? (() => Math.floor(Date.now() / 1000));
    this.limits = { ...DEFAULT_SYNC_LIMITS, ...config.limits };
    this.peerLimits = config.limits ?? {};
    this.chainWatcher = new ChannelCloseWatcher(this.graph, config.chainFilter);
    this.graph.onChannelRemoved((scid) => void this.unrelayedAnnouncements.delete(scid));
  }

  // ---- gossip ----

  /** BOLT 7 `channel_announcement`: chain, node order, four signatures, funding output. */
  handleChannelAnnouncement(theirNodeId: Uint8Array | undefined, msg: ChannelAnnouncement): boolean {
    this.admit(theirNodeId, 'channel_announcement', msg.shortChannelId);
    if (!sameChain(msg.chainHash, this.graph.chainHash)) throw this.reject('wrong_chain', `channel_announcement ${msg.shortChannelId} is for chain ${toHex(msg.chainHash)}`);
    if (compare(msg.nodeId1, msg.nodeId2) >= 0) throw this.reject('node_order', `channel_announcement ${msg.shortChannelId}: node_id_1 is not less than node_id_2`);
    const scid = msg.shortChannelId;
    if (this.blacklist.hasScid(scid) || this.blacklist.hasNode(msg.nodeId1) || this.blacklist.hasNode(msg.nodeId2)) {
      throw this.reject('blacklisted', `channel_announcement ${scid}: its short_channel_id or a node of it is blacklisted`);
    }
    const height = this.config.chainHeight?.() ?? this.chainWatcher.height;
    if (height > 0 && height - scidBlock(scid) + 1 < this.limits.minFundingConfirmations) {
      throw this.reject('too_recent', `channel_announcement ${scid}: funding output has ${Math.max(0, height - scidBlock(scid) + 1)} confirmations at height ${height}, fewer than ${this.limits.minFundingConfirmations}`);
    }
    // Only the graph decides "already known": one still in the pipeline may yet be rejected (checked again when applied).
    // One with other node ids is checked in full: if valid, it is a conflict (blacklisted when applied).
    if (this.sameChannelKnown(msg)) throw this.reject('duplicate', `channel_announcement ${scid} already known`);
    const signed = signedBytesOf(msg) ?? encodeMessage(msg).subarray(2 + 4 * 64);
    const entry: Entry = {
      kind: Kind.ChannelAnnouncement,
      msg,
      peer: theirNodeId,
      sig: -2,
      check: {
        message: signed,
        signatures: [msg.nodeSignature1, msg.nodeSignature2, msg.bitcoinSignature1, msg.bitcoinSignature2],
        publicKeys: [msg.nodeId1, msg.nodeId2, msg.bitcoinKey1, msg.bitcoinKey2],
      },
    };
    const pending = this.pendingAnnouncements.get(msg.shortChannelId);
    if (pending) pending.count++;
    else this.pendingAnnouncements.set(msg.shortChannelId, { msg, count: 1 });
    if (this.config.utxoLookup) {
      const r = this.config.utxoLookup.getUtxo(msg.chainHash, msg.shortChannelId);
      if (isPromise(r)) {
        entry.utxo = 'pending';
        this.track(
          r.then(
            (v) => void (entry.utxo = v),
            (e) => void (entry.utxo = { ok: false, error: 'UnknownTx', why: String(e) } as UtxoResult),
          ),
        );
      } else entry.utxo = r;
    }
    return this.run(entry);
  }

  /** BOLT 7 `node_announcement`: signature, known node, newer timestamp, addresses. */
  handleNodeAnnouncement(theirNodeId: Uint8Array | undefined, msg: NodeAnnouncement): boolean {
    this.admit(theirNodeId, 'node_announcement');
    const signed = signedBytesOf(msg) ?? encodeMessage(msg).subarray(2 + 64);
    // Cheap check first: not newer than the stored one (which only grows) is ignored anyway.
    const prev = this.graph.nodeAnnouncementTimestamp(msg.nodeId);
    if (prev && msg.timestamp <= prev) {
      const same = msg.timestamp === prev && bytesEqual(this.graph.nodeAnnouncementBytes(msg.nodeId)!.subarray(66), signed);
      throw this.reject(same ? 'duplicate' : 'stale', `node_announcement of ${toHex(msg.nodeId)} at ${msg.timestamp} is not newer than ${prev}`);
    }
    return this.run({ kind: Kind.NodeAnnouncement, msg, peer: theirNodeId, sig: -2, check: { message: signed, signatures: [msg.signature], publicKeys: [msg.nodeId] } });
  }

  /** BOLT 7 `channel_update`: signature by the end the direction bit names, newer timestamp, sane values. */
  handleChannelUpdate(theirNodeId: Uint8Array | undefined, msg: ChannelUpdate): boolean {
    this.admit(theirNodeId, 'channel_update', msg.shortChannelId);
    if (!sameChain(msg.chainHash, this.graph.chainHash)) throw this.reject('wrong_chain', `channel_update ${msg.shortChannelId} is for chain ${toHex(msg.chainHash)}`);
    // Cheap checks before the signature check: a channel's stored timestamp only grows, so an
    // update not newer than it now is ignored when applied too (BOLT 7 "SHOULD ignore").
    const r = this.graph.channelRow(msg.shortChannelId);
    if (r >= 0) {
      const d = 2 * r + (msg.channelFlags & 1);
      const prev = this.graph.cols.updTs[d]!;
      if (msg.timestamp <= prev) throw this.staleUpdate(msg, d, prev, signedBytesOf(msg) ?? encodeMessage(msg).subarray(2 + 64));
    }
    return this.enqueueUpdate(theirNodeId, msg);
  }

  private enqueueUpdate(peer: Uint8Array | undefined, msg: ChannelUpdate): boolean {
    const entry = this.updateEntry(peer, msg);
    return entry ? this.run(entry) : false;
  }

  /** The pipeline entry of a `channel_update`, or `undefined` when its channel is unknown (then it is held). */
  private updateEntry(peer: Uint8Array | undefined, msg: ChannelUpdate): Entry | undefined {
    const ends = this.channelEnds(msg.shortChannelId);
    if (!ends) {
      this.hold(peer, msg);
      return undefined;
    }
    const signed = signedBytesOf(msg) ?? encodeMessage(msg).subarray(2 + 64);
    const signer = msg.channelFlags & 1 ? ends[1] : ends[0];
    return { kind: Kind.ChannelUpdate, msg, peer, sig: -2, check: { message: signed, signatures: [msg.signature], publicKeys: [signer] } };
  }

  /** BOLT 7: an update for an unknown channel is ignored; we hold it briefly in case its announcement is on the way. */
  private hold(peer: Uint8Array | undefined, msg: ChannelUpdate): void {
    if (this.heldCount >= this.limits.maxHeldUpdates) throw this.reject('unknown_channel', `channel_update for unknown channel ${msg.shortChannelId}`);
    const list = this.held.get(msg.shortChannelId) ?? [];
    list.push({ msg, peer, tick: this.tick });
    this.held.set(msg.shortChannelId, list);
    this.heldCount++;
    this.stats.held++;
  }

  private channelEnds(scid: bigint): [Uint8Array, Uint8Array] | undefined {
    const r = this.graph.channelRow(scid);
    if (r >= 0) {
      const c = this.graph.cols;
      return [this.graph.nodeIdAt(c.node1[r]!), this.graph.nodeIdAt(c.node2[r]!)];
    }
    const p = this.pendingAnnouncements.get(scid)?.msg;
    return p && [p.nodeId1, p.nodeId2];
  }

  // ---- the ordered pipeline ----

  /** Appends to the ordered queue (and the signature batch) without applying anything. */
  private push(entry: Entry): void {
    this.queue.push(entry);
    this.batch.push(entry);
    if (this.batch.length >= this.verifier.batchSize) this.flushBatch();
  }

  private run(entry: Entry): boolean {
    this.push(entry);
    const before = this.current;
    this.current = entry;
    try {
      this.pump();
    } finally {
      this.current = before;
    }
    const r = entry.result;
    if (r === undefined) return false;
    if (r instanceof GossipRejection) throw r;
    // With relayViaEvents, pump() already queued the BroadcastGossip event.
    return r && !this.config.relayViaEvents;
  }

  /** Sends the queued signature checks to the verifier. */
  private flushBatch(): void {
    if (!this.batch.length) return;
    const batch = this.batch;
    this.batch = [];
    for (const e of batch) e.sent = true;
    let res: readonly number[] | Promise<readonly number[]>;
    try {
      res = this.verifier.verify(batch.map((e) => e.check));
    } catch (e) {
      this.log.error(`signature verifier failed: ${(e as Error).message}`);
      for (const e2 of batch) e2.sig = -3;
      return;
    }
    if (isPromise(res)) {
      this.track(
        res.then(
          (r) => batch.forEach((e, i) => (e.sig = r[i] ?? -3)),
          (err) => {
            this.log.error(`signature verifier failed: ${(err as Error).message}`);
            for (const e of batch) e.sig = -3;
          },
        ),
      );
    } else batch.forEach((e, i) => (e.sig = res[i] ?? -3));
  }

  private track(p: Promise<void>): void {
    this.inflight++;
    void p.then(() => {
      this.inflight--;
      this.pump();
      // Entries queued meanwhile (e.g. held updates released by this pump) may wait on a batch not sent yet.
      const head = this.queue[this.queueHead];
      if (head && head.sig === -2 && !head.sent) this.flushBatch();
      const w = this.wakers;
      this.wakers = [];
      for (const f of w) f();
    });
  }

  /** Applies every message at the head of the queue whose checks are done, in arrival order. */
  private pump(): void {
    while (this.queueHead < this.queue.length) {
      const e = this.queue[this.queueHead]!;
      if (e.sig === -2 || e.utxo === 'pending') return;
      this.queueHead++;
      let result: true | false | GossipRejection;
      try {
        result = this.apply(e);
      } catch (err) {
        if (!(err instanceof GossipRejection)) throw err;
        result = err;
      }
      e.result = result;
      if (e !== this.current) this.settleDeferred(e, result);
      else if (result === true && this.config.relayViaEvents && !e.relayed) this.events.push({ type: 'BroadcastGossip', msg: e.msg, exceptNodeId: e.peer });
      // Updates that waited for this channel go after it (and after its relay).
      if (result === true && e.kind === Kind.ChannelAnnouncement) this.releaseHeld((e.msg as ChannelAnnouncement).shortChannelId);
    }
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  private settleDeferred(e: Entry, result: true | false | GossipRejection): void {
    if (result === true && !e.relayed) this.events.push({ type: 'BroadcastGossip', msg: e.msg, exceptNodeId: e.peer });
    else if (result instanceof GossipRejection && e.peer && (result.action.type === 'SendWarningMessage' || result.action.type === 'DisconnectPeerWithWarning')) {
      this.events.push({ type: 'HandleError', nodeId: e.peer, action: result.action });
    }
  }

  private apply(e: Entry): true | false {
    switch (e.kind) {
      case Kind.ChannelAnnouncement:
        return this.applyChannelAnnouncement(e, e.msg as ChannelAnnouncement);
      case Kind.NodeAnnouncement:
        return this.applyNodeAnnouncement(e, e.msg as NodeAnnouncement);
      case Kind.ChannelUpdate:
        return this.applyChannelUpdate(e, e.msg as ChannelUpdate);
    }
  }

  private applyChannelAnnouncement(e: Entry, msg: ChannelAnnouncement): true {
    const scid = msg.shortChannelId;
    const pending = this.pendingAnnouncements.get(scid);
    if (pending && --pending.count === 0) this.pendingAnnouncements.delete(scid);
    try {
      if (this.sameChannelKnown(msg)) throw this.reject('duplicate', `channel_announcement ${scid} already known`);
      if (this.blacklist.hasScid(scid) || this.blacklist.hasNode(msg.nodeId1) || this.blacklist.hasNode(msg.nodeId2)) {
        throw this.reject('blacklisted', `channel_announcement ${scid}: its short_channel_id or a node of it is blacklisted`);
      }
      if (e.sig !== -1) throw this.reject('bad_signature', `channel_announcement ${scid}: ${e.sig >= 0 ? `${CA_SIG_NAMES[e.sig]} does not verify` : 'signature check failed'}`);
      let capacitySat: bigint | undefined;
      let outpoint: OutPoint | undefined;
      const u = e.utxo;
      if (u && u !== 'pending') {
        if (!u.ok) throw this.reject('funding_missing', `channel_announcement ${scid}: funding output ${u.error === 'UnknownChain' ? 'is on an unknown chain' : 'does not exist or is spent'}`);
        const script = fundingScriptPubkey(msg.bitcoinKey1, msg.bitcoinKey2);
        if (!bytesEqual(u.output.scriptPubkey, script)) throw this.reject('funding_mismatch', `channel_announcement ${scid}: funding output is not the P2WSH 2-of-2 of the bitcoin keys`);
        capacitySat = u.output.valueSat;
        if (u.outpoint) outpoint = u.outpoint;
      }
      if (this.graph.hasChannel(scid)) {
        // "For the same transaction" is known only when the funding output was checked; otherwise
        // anyone could get honest nodes blacklisted with an announcement of their own keys.
        throw u && u !== 'pending' ? this.conflict(msg) : this.reject('duplicate', `channel_announcement ${scid} already known (other node ids, funding not checked)`);
      }
      const signed = e.check.message;
      const fixed = 2 + msg.features.length + 32 + 8 + 4 * 33;
      this.graph.addChannel(
        {
          scid,
          node1: msg.nodeId1,
          node2: msg.nodeId2,
          capacitySat,
          features: msg.features,
          proof: msg,
          excess: signed.length > fixed ? signed.subarray(fixed) : undefined,
        },
        this.now(),
      );
      if (outpoint) this.chainWatcher.watch(scid, outpoint, fundingScriptPubkey(msg.bitcoinKey1, msg.bitcoinKey2));
      // Relayed with the channel's first update (BOLT 7), not now: see applyChannelUpdate.
      this.unrelayedAnnouncements.set(scid, e.peer);
      this.notRelayedAsIs.add(msg);
      e.relayed = true;
    } catch (err) {
      if (!this.graph.hasChannel(scid) && !this.pendingAnnouncements.has(scid)) this.dropHeld(scid);
      throw err;
    }
    this.stats.accepted.channelAnnouncements++;
    return true;
  }

  /**
   * Appends the updates held for a channel whose announcement was just accepted to the queue.
   * Only appends: the running `pump` loop applies them (in order, after the announcement), so
   * releasing never re-enters the pipeline however many channels had held updates. They are
   * settled like any deferred entry (relayed through `BroadcastGossip`, warnings as `HandleError`).
   */
  private releaseHeld(scid: bigint): void {
    const held = this.held.get(scid);
    if (!held) return;
    this.held.delete(scid);
    this.heldCount -= held.length;
    for (const h of held) {
      let entry: Entry | undefined;
      try {
        entry = this.updateEntry(h.peer, h.msg);
      } catch (err) {
        // Only the held-update cap can refuse here (counted in stats by reject()).
        if (!(err instanceof GossipRejection)) throw err;
      }
      if (entry) this.push(entry);
    }
  }

  /** The graph has `msg`'s channel with the same node ids. */
  private sameChannelKnown(msg: ChannelAnnouncement): boolean {
    const info = this.graph.channel(msg.shortChannelId);
    return !!info && bytesEqual(info.node1, msg.nodeId1) && bytesEqual(info.node2, msg.nodeId2);
  }

  /**
   * A valid `channel_announcement` for a known short channel id (same funding output) with
   * other node ids. BOLT 7: "SHOULD blacklist the previous message's `node_id_1` and
   * `node_id_2`, as well as this `node_id_1` and `node_id_2` AND forget any channels connected
   * to them". The short channel id is remembered too, so it stays ignored.
   */
  private conflict(msg: ChannelAnnouncement): GossipRejection {
    const scid = msg.shortChannelId;
    const prev = this.graph.channel(scid)!;
    const nodes = [prev.node1, prev.node2, msg.nodeId1, msg.nodeId2].map((n) => n.slice());
    this.blacklist.addScid(scid);
    const forget = new Set<bigint>();
    for (const n of nodes) {
      this.blacklist.addNode(n);
      this.graph.forEachNodeChannel(n, (s) => void forget.add(s));
    }
    for (const s of forget) this.graph.removeChannel(s);
    return this.reject('conflicting', `channel_announcement ${scid} conflicts with the known one (other node ids): nodes blacklisted, ${forget.size} channels forgotten`);
  }

  private applyNodeAnnouncement(e: Entry, msg: NodeAnnouncement): boolean {
    if (e.sig !== -1) throw this.reject('bad_signature', `node_announcement of ${toHex(msg.nodeId)}: signature does not verify`);
    if (!this.graph.hasNode(msg.nodeId)) throw this.reject('unknown_node', `node_announcement of ${toHex(msg.nodeId)}, which has no channel`);
    const raw = concatBytes(Uint8Array.of(1, 1), msg.signature, e.check.message);
    const prev = this.graph.nodeAnnouncementTimestamp(msg.nodeId);
    if (msg.timestamp <= prev) {
      const same = msg.timestamp === prev && bytesEqual(this.graph.nodeAnnouncementBytes(msg.nodeId)!, raw);
      throw this.reject(same ? 'duplicate' : 'stale', `node_announcement of ${toHex(msg.nodeId)} at ${msg.timestamp} is not newer than ${prev}`);
    }
    if (msg.timestamp > this.now() + this.limits.maxFutureSeconds) throw this.reject('bad_values', `node_announcement timestamp ${msg.timestamp} is too far in the future`);
    let dns = 0;
    try {
      for (const a of decodeAddresses(msg.addresses).addresses) if (a.type === 'dns') dns++;
    } catch (err) {
      throw this.reject('bad_values', `node_announcement of ${toHex(msg.nodeId)}: ${(err as Error).message}`, { type: 'SendWarningMessage', msg: warning((err as Error).message) });
    }
    this.graph.setNodeAnnouncement(msg.nodeId, msg.timestamp, raw);
    this.stats.accepted.nodeAnnouncements++;
    // BOLT 7: more than one DNS hostname: "MUST not forward the node_announcement".
    return dns <= 1;
  }

  private applyChannelUpdate(e: Entry, msg: ChannelUpdate): boolean {
    const scid = msg.shortChannelId;
    const g = this.graph;
    const r = g.channelRow(scid);
    if (r < 0) {
      // Its announcement was rejected after the update was queued: hold it, as if it had arrived now.
      this.hold(e.peer, msg);
      return false;
    }
    const dir = msg.channelFlags & 1;
    const c = g.cols;
    const signer = g.nodeIdAt(dir ? c.node2[r]! : c.node1[r]!);
    if (!bytesEqual(signer, e.check.publicKeys[0]!)) {
      // Checked against an announcement that lost to another: check again against the channel's real end.
      e.sig = runCheck(this.diagnose, sha256d, { message: e.check.message, signatures: [msg.signature], publicKeys: [signer] });
    }
    if (e.sig !== -1) {
      const other = g.nodeIdAt(dir ? c.node1[r]! : c.node2[r]!);
      // Telling "signed by the other end" from "bad" costs a verify on this thread: only a bounded number a tick.
      const byOther = e.sig >= 0 && this.diagnoseBudget-- > 0 && runCheck(this.diagnose, sha256d, { message: e.check.message, signatures: [msg.signature], publicKeys: [other] }) === -1;
      // BOLT 7 channel_update: "if `signature` is not a valid signature ...: SHOULD send a `warning` and close the connection".
      const text = `channel_update ${scid} direction ${dir}: ${byOther ? 'signed by the other end of the channel' : 'signature does not verify'}`;
      throw this.reject(byOther ? 'wrong_signer' : 'bad_signature', text, { type: 'DisconnectPeerWithWarning', msg: warning(text) });
    }
    if (this.chainWatcher.isSpent(scid) && !(msg.channelFlags & 2)) throw this.reject('channel_closed', `channel_update for closed channel ${scid}`);
    const d = 2 * r + dir;
    const prev = g.cols.updTs[d]!;
    if (msg.timestamp <= prev) throw this.staleUpdate(msg, d, prev, e.check.message);
    if (msg.timestamp > this.now() + this.limits.maxFutureSeconds) throw this.reject('bad_values', `channel_update ${scid} timestamp ${msg.timestamp} is too far in the future`);
    if (msg.htlcMaximumMsat < msg.htlcMinimumMsat) throw this.reject('bad_values', `channel_update ${scid}: htlc_maximum_msat ${msg.htlcMaximumMsat} < htlc_minimum_msat ${msg.htlcMinimumMsat}`);
    const cap = g.cols.capacity[r]!;
    if (!Number.isNaN(cap) && msg.htlcMaximumMsat > BigInt(cap) * 1000n) throw this.reject('bad_values', `channel_update ${scid}: htlc_maximum_msat ${msg.htlcMaximumMsat} exceeds the capacity ${cap} sat`);
    const fixed = 32 + 8 + 4 + 1 + 1 + 2 + 8 + 4 + 4 + 8;
    const signed = e.check.message;
    g.updateDirection(scid, { ...msg, excess: signed.length > fixed ? signed.subarray(fixed) : undefined });
    this.stats.accepted.channelUpdates++;
    // `dont_forward` (message_flags bit 1): private updates are never relayed.
    if (msg.messageFlags & 2) return false;
    if (!this.unrelayedAnnouncements.has(scid)) return true;
    // BOLT 7: the announcement is sent only once it has an update, and before it ("MUST
    // consider whether to send the channel_announcement after receiving the first
    // corresponding channel_update"; "MUST send the channel_announcement prior to any
    // corresponding channel_updates"): both go out now, in that order, as events.
    // The handler still returns true (new); the PeerManager's relay of this very object is refused by shouldRelayTo.
    const from = this.unrelayedAnnouncements.get(scid);
    this.unrelayedAnnouncements.delete(scid);
    const ann = storedChannelAnnouncement(g, scid);
    const upd = storedChannelUpdate(g, scid, dir as 0 | 1);
    if (ann && !this.chainWatcher.isSpent(scid)) this.events.push({ type: 'BroadcastGossip', msg: ann, exceptNodeId: from });
    this.events.push({ type: 'BroadcastGossip', msg: upd ?? msg, exceptNodeId: e.peer });
    if (upd) this.notRelayedAsIs.add(msg);
    e.relayed = true;
    return true;
  }

  private staleUpdate(msg: ChannelUpdate, d: number, prev: number, signed: Uint8Array): GossipRejection {
    const stored = channelUpdateBytesAt(this.graph, d);
    const same = msg.timestamp === prev && (stored ? bytesEqual(stored.subarray(66), signed) : true);
    return this.reject(same ? 'duplicate' : 'stale', `channel_update ${msg.shortChannelId}/${d & 1} at ${msg.timestamp} is not newer than ${prev}`);
  }

  private dropHeld(scid: bigint): void {
    const h = this.held.get(scid);
    if (h) {
      this.held.delete(scid);
      this.heldCount -= h.length;
    }
  }

  private reject(code: RejectionCode, message: string, action?: GossipRejection['action']): GossipRejection {
    this.stats.rejected[code] = (this.stats.rejected[code] ?? 0) + 1;
    this.log.gossip(`rejected (${code}): ${message}`);
    return new GossipRejection(code, message, action);
  }

  private admit(peer: Uint8Array | undefined, what: string, scid?: bigint): void {
    if (!peer) return;
    const p = this.peers.get(toHex(peer));
    if (p && !p.takeToken(scid)) throw this.reject('rate_limited', `${what} from ${toHex(peer)} above the rate limit`);
  }

  /** Waits until every message handed in so far is applied to the graph (flushes batched signature checks). */
  async drain(): Promise<void> {
    await this.waitForQueueBelow(1);
  }

  /** Flushes pending checks and waits until fewer than `n` messages wait in the pipeline (back-pressure for bulk ingestion). */
  async waitForQueueBelow(n: number): Promise<void> {
    this.flushBatch();
    while (this.queue.length - this.queueHead >= n && this.inflight) await new Promise<void>((r) => this.wakers.push(r));
  }

  /** Messages handed in and not yet applied. */
  get pendingCount(): number {
    return this.queue.length - this.queueHead;
  }

  // ---- RoutingMessageHandler: peers, queries, events ----

  peerConnected(theirNodeId: Uint8Array, init: Init, _inbound: boolean): boolean {
    const f = Features.fromBits([...Features.fromBytes(init.features).setBits(), ...Features.fromBytes(init.globalfeatures).setBits()]);
    const queries = f.supports('gossip_queries');
    const extended = f.supports('gossip_queries_ex');
    const p = new PeerGossipState(theirNodeId, queries, new QueryInitiator(extended, this.limits.queryBatchSize, undefined, this.limits.syncTimeoutTicks), this.peerLimits);
    this.peers.set(toHex(theirNodeId), p);
    const chainHash = this.graph.chainHash;
    const mode = this.config.initialSync ?? 'queries';
    if (!queries) {
      // BOLT 7: to a peer that does not offer gossip_queries, SHOULD send first_timestamp 0xFFFFFFFF and range 0.
      p.send(makeMessage('gossip_timestamp_filter', { chainHash, firstTimestamp: 0xffffffff, timestampRange: 0 }));
      return true;
    }
    const now = this.now();
    const first = mode === 'filter' ? Math.max(0, now - STALE_CHANNEL_SECONDS) : now;
    p.send(makeMessage('gossip_timestamp_filter', { chainHash, firstTimestamp: first, timestampRange: 0xffffffff }));
    if (mode === 'queries') p.send(p.query.start(chainHash));
    return true;
  }

  peerDisconnected(theirNodeId: Uint8Array): void {
    this.peers.delete(toHex(theirNodeId));
  }

  /** `gossip_queries` and `gossip_queries_ex`, optional (BOLT 9). */
  providedInitFeatures(_theirNodeId: Uint8Array): Features {
    return Features.empty().withOptional('gossip_queries').withOptional('gossip_queries_ex');
  }

  providedNodeFeatures(): Features {
    return Features.empty().withOptional('gossip_queries_ex');
  }

  /**
   * BOLT 7 `query_channel_range` (responder): the replies are made lazily as the peer's
   * connection drains. A second query before our replies to the previous one were all
   * released is refused with a warning and a disconnect (BOLT 7 "MAY send a `warning`. MAY
   * close the connection"), so a flood of queries costs no memory.
   */
  handleQueryChannelRange(theirNodeId: Uint8Array, msg: QueryChannelRange): void {
    const p = this.peerOf(theirNodeId);
    if (p.rangeAnswer) throw secondQuery('query_channel_range', 'reply_channel_range');
    if (!sameChain(msg.chainHash, this.graph.chainHash)) {
      p.rangeAnswer = new FixedAnswer([makeMessage('reply_channel_range', { chainHash: msg.chainHash, firstBlocknum: msg.firstBlocknum, numberOfBlocks: Math.max(1, msg.numberOfBlocks), syncComplete: 0, encodedShortIds: new Uint8Array(0), tlvs: {} })]);
      return;
    }
    if (msg.numberOfBlocks === 0) throw new LightningError('query_channel_range with number_of_blocks 0', { type: 'SendWarningMessage', msg: warning('query_channel_range: number_of_blocks must be at least 1') });
    p.rangeAnswer = new RangeAnswer(this.graph, msg, this.isSpent);
  }

  /** BOLT 7 `reply_channel_range` (initiator): collects what to ask, then starts `query_short_channel_ids`. */
  handleReplyChannelRange(theirNodeId: Uint8Array, msg: ReplyChannelRange): void {
    const p = this.peerOf(theirNodeId);
    if (!sameChain(msg.chainHash, this.graph.chainHash)) return;
    const done = wrapDecode(() => p.query.onReplyChannelRange(this.graph, msg, this.now() - STALE_CHANNEL_SECONDS / 2));
    if (done) this.sendNextQuery(p);
  }

  /**
   * BOLT 7 `query_short_channel_ids` (responder): the replies are made lazily as the peer's
   * connection drains; a second query before our `reply_short_channel_ids_end` was released
   * is refused with a warning and a disconnect.
   */
  handleQueryShortChannelIds(theirNodeId: Uint8Array, msg: QueryShortChannelIds): void {
    const p = this.peerOf(theirNodeId);
    if (p.idsAnswer) throw secondQuery('query_short_channel_ids', 'reply_short_channel_ids_end');
    if (!sameChain(msg.chainHash, this.graph.chainHash)) {
      p.idsAnswer = new FixedAnswer([makeMessage('reply_short_channel_ids_end', { chainHash: msg.chainHash, fullInformation: 0 })]);
      return;
    }
    p.idsAnswer = wrapDecode(() => new ShortIdsAnswer(msg, true, this.isSpent));
  }

  /** BOLT 7 `reply_short_channel_ids_end` (initiator): asks for the next batch. */
  handleReplyShortChannelIdsEnd(theirNodeId: Uint8Array, _msg: ReplyShortChannelIdsEnd): void {
    const p = this.peerOf(theirNodeId);
    if (p.query.phase !== 'ids') return;
    p.query.onReplyEnd();
    this.sendNextQuery(p);
  }

  /**
   * BOLT 7 `gossip_timestamp_filter`: replaces the peer's filter and sends it the stored gossip
   * whose timestamps fall in `[first_timestamp, first_timestamp + timestamp_range)` (each
   * `channel_announcement` before its updates, taking an update's timestamp), paced over
   * successive event drains.
   */
  handleGossipTimestampFilter(theirNodeId: Uint8Array, msg: GossipTimestampFilter): void {
    if (!sameChain(msg.chainHash, this.graph.chainHash)) return;
    this.peerOf(theirNodeId).setFilter(this.graph, msg.firstTimestamp, msg.timestampRange);
  }

  private sendNextQuery(p: PeerGossipState): void {
    const q = p.query.nextQuery(this.graph.chainHash);
    if (q) p.send(q);
    else this.log.debug(`gossip sync with ${toHex(p.nodeId)} done: ${p.query.repliedIds} ids listed, ${p.query.queriesSent} queries`);
  }

  private peerOf(nodeId: Uint8Array): PeerGossipState {
    const k = toHex(nodeId);
    let p = this.peers.get(k);
    if (!p) {
      p = new PeerGossipState(nodeId, false, new QueryInitiator(false, this.limits.queryBatchSize, undefined, this.limits.syncTimeoutTicks), this.peerLimits);
      this.peers.set(k, p);
    }
    return p;
  }

  /**
   * Whether relayed gossip may go to `theirNodeId` (BOLT 7): never before the peer sent a
   * `gossip_timestamp_filter` ("MUST not send gossip it did not generate itself, until it
   * receives `gossip_timestamp_filter`"), whatever its features; then only messages whose
   * timestamp is in the filter's range ("SHOULD restrict future gossip messages to those
   * whose `timestamp` is greater or equal to `first_timestamp`, and less than
   * `first_timestamp` plus `timestamp_range`"). A `channel_announcement` takes the timestamp
   * of its latest `channel_update`, is never sent without one ("MUST NOT send the
   * `channel_announcement`"), nor once its funding output is spent ("SHOULD NOT"). A
   * `PeerManager` consults it before relaying a `BroadcastGossip` or a handler's `true`.
   */
  shouldRelayTo(theirNodeId: Uint8Array, msg: ChannelAnnouncement | ChannelUpdate | NodeAnnouncement): boolean {
    if (this.notRelayedAsIs.has(msg)) return false;
    const p = this.peers.get(toHex(theirNodeId));
    if (!p?.filter) return false;
    let ts: number;
    if (msg.type === 'channel_announcement') {
      if (this.chainWatcher.isSpent(msg.shortChannelId)) return false;
      const [t1, t2] = this.graph.updateTimestamps(msg.shortChannelId);
      if (!t1 && !t2) return false;
      ts = Math.max(t1, t2);
    } else ts = msg.timestamp;
    return ts >= p.filter.first && ts < p.filter.end;
  }

  /** Whether our sync with `nodeId` finished (all replies received). */
  isSyncedWith(nodeId: Uint8Array): boolean {
    const p = this.peers.get(toHex(nodeId));
    return !!p && !p.query.awaitingReplies && p.query.phase !== 'timed_out';
  }

  /** Where our query sync with `nodeId` is (`timed_out` when the peer stopped answering for `syncTimeoutTicks` ticks). */
  syncPhase(nodeId: Uint8Array): QueryPhase | undefined {
    return this.peers.get(toHex(nodeId))?.query.phase;
  }

  getNextChannelAnnouncement(startingPoint: bigint): { announcement: ChannelAnnouncement; update1?: ChannelUpdate; update2?: ChannelUpdate } | undefined {
    const ids = this.graph.sortedScids();
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid]! <= startingPoint) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < ids.length; i++) {
      const r = this.graph.channelRow(ids[i]!);
      const ann = channelAnnouncementBytesAt(this.graph, r);
      if (!ann) continue;
      const u1 = channelUpdateBytesAt(this.graph, 2 * r);
      const u2 = channelUpdateBytesAt(this.graph, 2 * r + 1);
      return {
        announcement: decodeKnown(ann) as ChannelAnnouncement,
        update1: u1 && (decodeKnown(u1) as ChannelUpdate),
        update2: u2 && (decodeKnown(u2) as ChannelUpdate),
      };
    }
    return undefined;
  }

  getNextNodeAnnouncement(startingPoint: Uint8Array | undefined): NodeAnnouncement | undefined {
    const ids: Uint8Array[] = [];
    this.graph.forEachNode((id) => {
      if (this.graph.nodeAnnouncementTimestamp(id) && (!startingPoint || compare(id, startingPoint) > 0)) ids.push(id);
    });
    if (!ids.length) return undefined;
    ids.sort(compare);
    return decodeKnown(this.graph.nodeAnnouncementBytes(ids[0]!)!) as NodeAnnouncement;
  }

  processingQueueHigh(): boolean {
    return this.queue.length - this.queueHead > this.limits.queueHigh;
  }

  /**
   * Queued messages to send: replies and backfill (at most `maxMessagesPerDrain` per peer per
   * call, made lazily), relays of gossip accepted after an async check, and error actions.
   * Also sends the batched signature checks on their way.
   *
   * `hasRoom` (additive, as a `PeerManager` passes it): when given, a peer's replies and
   * backfill are released only while it says the peer's connection has room, so they stay
   * here, unmade, instead of in a send buffer.
   */
  getAndClearPendingMsgEvents(hasRoom?: (nodeId: Uint8Array) => boolean): MessageSendEvent[] {
    this.flushBatch();
    const out = this.events;
    this.events = [];
    for (const p of this.peers.values()) {
      if (!p.hasPending || (hasRoom && !hasRoom(p.nodeId))) continue;
      for (const msg of p.release(this.graph, this.isSpent)) out.push({ type: 'SendMessage', nodeId: p.nodeId, msg });
    }
    return out;
  }

  /**
   * Call about every minute (the library has no timer): refills rate-limit allowances and
   * drops `channel_update`s held too long for an announcement that never came.
   */
  timerTickOccurred(): void {
    this.tick++;
    this.diagnoseBudget = DIAGNOSE_PER_TICK;
    for (const p of this.peers.values()) {
      p.refill();
      if (p.query.onTick()) this.log.info(`gossip sync with ${toHex(p.nodeId)} timed out after ${p.query.timeoutTicks} ticks without a reply (${p.query.remaining} ids not received)`);
    }
    for (const [scid, list] of this.held) {
      const keep = list.filter((h) => this.tick - h.tick < this.limits.heldUpdateTicks);
      this.heldCount -= list.length - keep.length;
      if (keep.length) this.held.set(scid, keep);
      else this.held.delete(scid);
    }
  }

  /** Updates held for unknown channels right now. */
  get heldUpdates(): number {
    return this.heldCount;
  }
}

/**
 * The seed's name for {@link P2PGossipSync} ("NetGraphMsgHandler ... handles receiving channel
 * and node announcements, which are then used to calculate routes"): the same class.
 */
export const NetGraphMsgHandler = P2PGossipSync;
/** The seed's name for {@link P2PGossipSync}. */
export type NetGraphMsgHandler = P2PGossipSync;

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function warning(text: string) {
  return makeMessage('warning', { channelId: new Uint8Array(32), data: new TextEncoder().encode(text) });
}

function secondQuery(query: string, reply: string): LightningError {
  const text = `${query} received before our last ${reply} to the previous one was sent`;
  return new LightningError(text, { type: 'DisconnectPeerWithWarning', msg: warning(text) });
}

function wrapDecode<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LightningError) throw e;
    const m = (e as Error).message;
    throw new LightningError(`malformed gossip query: ${m}`, { type: 'SendWarningMessage', msg: warning(`malformed gossip query: ${m}`) });
  }
}

function decodeKnown(raw: Uint8Array): KnownMessage {
  return decodeMessage(raw) as KnownMessage;
}
