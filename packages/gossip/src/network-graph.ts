/**
 * `NetworkGraph`: the public Lightning network as BOLT 7 gossip describes it — nodes
 * (`node_announcement`), channels (`channel_announcement`) and both directional policies
 * (`channel_update`) — in compact typed-array columns ({@link Columns}).
 *
 * The graph stores what it is given; validation is {@link P2PGossipSync}'s job. Time is
 * always passed in by the caller (seconds), never read from a clock.
 */
import { Features, chainHashOf, decodeAddresses, decodeMessage, type NodeAddress, type NodeAnnouncement } from '@ln/wire';
import { compareBytes, joinU64, scidBlock, splitU64 } from './bytes.js';
import { ANN_SIG_BYTES, CHAN_SIGNED, CHAN_UNROUTABLE, Columns, NODE_ID_BYTES, NO_FUNDING, UPD_SIG_BYTES } from './columns.js';
import type { OutPoint, Txid } from '@ln/chain-interfaces';
import type { ChannelInfo, ChannelView, DirectionInfo, DirectionPolicy, NodeInfo, ReadOnlyNetworkGraph } from './graph-view.js';
import { HashIndex, mix32 } from './hash-index.js';

/** BOLT 7 "Recommendation on Pruning Stale Entries": two weeks, in seconds. */
export const STALE_CHANNEL_SECONDS = 1_209_600;

/** The four signatures and two bitcoin keys of a `channel_announcement` (kept to answer queries and relay). */
export interface AnnouncementProof {
  readonly nodeSignature1: Uint8Array;
  readonly nodeSignature2: Uint8Array;
  readonly bitcoinSignature1: Uint8Array;
  readonly bitcoinSignature2: Uint8Array;
  readonly bitcoinKey1: Uint8Array;
  readonly bitcoinKey2: Uint8Array;
}

/** A channel to add (BOLT 7 `channel_announcement` fields the graph keeps). */
export interface NewChannel {
  readonly scid: bigint;
  /** Must be lexicographically less than `node2` (BOLT 7). */
  readonly node1: Uint8Array;
  readonly node2: Uint8Array;
  readonly capacitySat?: bigint;
  readonly features?: Uint8Array;
  /** Signatures and bitcoin keys; kept when the graph keeps signatures. */
  readonly proof?: AnnouncementProof;
  /** Signed bytes after the declared fields (future fields), kept to re-create the exact message. */
  readonly excess?: Uint8Array;
}

/** One direction's `channel_update` fields as the graph stores them. */
export interface DirectionUpdate {
  readonly timestamp: number;
  readonly messageFlags: number;
  /** Bit 0 is the direction; bit 1 is `disable`. */
  readonly channelFlags: number;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly htlcMaximumMsat: bigint;
  readonly signature?: Uint8Array;
  readonly excess?: Uint8Array;
}

/** Thrown by the graph's mutators on inconsistent input (a bug in the caller, not bad gossip). */
export class GraphError extends Error {
  override readonly name = 'GraphError';
}

/** Options of a {@link NetworkGraph}. */
export interface NetworkGraphOptions {
  /** The chain the graph is for (BOLT 1 `chain_hash`); default bitcoin mainnet. */
  readonly chainHash?: Uint8Array;
  /**
   * Keep announcement and update signatures, so the graph can answer gossip queries and relay
   * (default `true`). A router-only graph can drop them: ~100 bytes a channel instead of ~600.
   */
  readonly keepSignatures?: boolean;
  /** Rows to allocate up front. */
  readonly expectedChannels?: number;
  readonly expectedNodes?: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/**
 * The network graph (BOLT 7). Lookups by node id and short channel id, iteration of a node's
 * channels, removal of closed channels and pruning of stale ones. It satisfies the router's
 * `ReadOnlyNetworkGraph` structurally ({@link ReadOnlyNetworkGraph}).
 */
export class NetworkGraph implements ReadOnlyNetworkGraph {
  /** @internal */
  readonly cols: Columns;
  readonly chainHash: Uint8Array;
  private readonly chanIndex: HashIndex;
  private readonly nodeIndex: HashIndex;

  constructor(opts: NetworkGraphOptions = {}) {
    this.chainHash = opts.chainHash ?? chainHashOf('mainnet');
    this.cols = new Columns(opts.keepSignatures ?? true);
    const c = this.cols;
    this.chanIndex = new HashIndex((r) => mix32(c.scidHi[r]!, c.scidLo[r]!), opts.expectedChannels ?? 16);
    this.nodeIndex = new HashIndex((r) => nodeHash(c.nodeIds, r * NODE_ID_BYTES), opts.expectedNodes ?? 16);
    c.ensureChannels(opts.expectedChannels ?? 0);
    c.ensureNodes(opts.expectedNodes ?? 0);
  }

  /** Whether signatures are kept (see {@link NetworkGraphOptions.keepSignatures}). */
  get keepsSignatures(): boolean {
    return this.cols.keepSignatures;
  }
  get channelCount(): number {
    return this.cols.chanCount;
  }
  get nodeCount(): number {
    return this.cols.nodeCount;
  }

  // ---- lookups ----

  /** @internal Row of a channel, or -1. */
  channelRow(scid: bigint): number {
    const [hi, lo] = splitU64(scid);
    const c = this.cols;
    return this.chanIndex.find(mix32(hi, lo), (r) => c.scidHi[r] === hi && c.scidLo[r] === lo);
  }
  /** @internal Row of a node, or -1. */
  nodeRow(nodeId: Uint8Array): number {
    if (nodeId.length !== NODE_ID_BYTES) return -1;
    const ids = this.cols.nodeIds;
    return this.nodeIndex.find(nodeHash(nodeId, 0), (r) => {
      const o = r * NODE_ID_BYTES;
      for (let i = 0; i < NODE_ID_BYTES; i++) if (ids[o + i] !== nodeId[i]) return false;
      return true;
    });
  }
  hasChannel(scid: bigint): boolean {
    return this.channelRow(scid) >= 0;
  }
  hasNode(nodeId: Uint8Array): boolean {
    return this.nodeRow(nodeId) >= 0;
  }

  /** Everything known about a channel (BOLT 7 `channel_announcement` + updates), or `undefined`. */
  channel(scid: bigint): ChannelInfo | undefined {
    const r = this.channelRow(scid);
    return r < 0 ? undefined : this.channelInfoAt(r);
  }

  /** Everything known about a node, or `undefined` when it has no channel in the graph. */
  node(nodeId: Uint8Array): NodeInfo | undefined {
    const n = this.nodeRow(nodeId);
    if (n < 0) return undefined;
    const c = this.cols;
    const raw = c.nodeAnn[n];
    const base = { nodeId: this.nodeIdAt(n), channelCount: c.degree[n]! };
    if (!raw) return { ...base, features: new Uint8Array(0), addresses: [] };
    const m = decodeMessage(raw) as NodeAnnouncement;
    let addresses: NodeAddress[] = [];
    try {
      addresses = usableAddresses(decodeAddresses(m.addresses).addresses);
    } catch {
      addresses = [];
    }
    let end = m.alias.length;
    while (end > 0 && m.alias[end - 1] === 0) end--;
    return { ...base, features: m.features, alias: UTF8.decode(m.alias.subarray(0, end)), rgbColor: m.rgbColor, addresses, lastAnnouncement: m.timestamp };
  }

  /** The node's announced features (raw BOLT 9 bytes), if it sent a `node_announcement`. */
  nodeFeatures(nodeId: Uint8Array): Uint8Array | undefined {
    const n = this.nodeRow(nodeId);
    const raw = n < 0 ? undefined : this.cols.nodeAnn[n];
    if (!raw) return undefined;
    const flen = (raw[66]! << 8) | raw[67]!;
    return raw.slice(68, 68 + flen);
  }

  /** The raw `node_announcement` (with its type), if any. */
  nodeAnnouncementBytes(nodeId: Uint8Array): Uint8Array | undefined {
    const n = this.nodeRow(nodeId);
    return n < 0 ? undefined : this.cols.nodeAnn[n];
  }

  /** Timestamp of the node's latest `node_announcement`, 0 when none. */
  nodeAnnouncementTimestamp(nodeId: Uint8Array): number {
    const n = this.nodeRow(nodeId);
    return n < 0 ? 0 : this.cols.nodeAnnTs[n]!;
  }

  /** Calls `f` with the short channel id of every channel of `nodeId`. */
  forEachNodeChannel(nodeId: Uint8Array, f: (scid: bigint) => void): void {
    const n = this.nodeRow(nodeId);
    if (n < 0) return;
    const c = this.cols;
    for (let e = c.head[n]!; e >= 0; e = c.next[e]!) f(joinU64(c.scidHi[e >> 1]!, c.scidLo[e >> 1]!));
  }
  /** The short channel ids of a node's channels. */
  nodeChannels(nodeId: Uint8Array): bigint[] {
    const out: bigint[] = [];
    this.forEachNodeChannel(nodeId, (s) => out.push(s));
    return out;
  }

  /** Calls `f` for every node id. */
  forEachNode(f: (nodeId: Uint8Array) => void): void {
    for (let n = 0; n < this.cols.nodeCount; n++) f(this.nodeIdAt(n));
  }

  /**
   * The router's view: every channel with both policies; a direction that is disabled or
   * has no update is `undefined` (BOLT 7 `channel_update` `disable` bit). Channels with an
   * unknown even feature bit are left out (BOLT 7: "MUST NOT attempt to route messages through
   * the channel"). The channels of a node whose `node_announcement` has an unknown even bit are
   * kept: BOLT 7 says "MUST NOT route a payment _through_ the node" and "Unless paying a BOLT #11
   * invoice which does not have the same bit(s) set, MUST NOT attempt to send payments _to_ the
   * node", so the router needs them to pay such a node with an invoice lacking the bits. It
   * applies both rules itself from {@link NetworkGraph.nodeFeatures} (see
   * {@link NetworkGraph.isNodeRoutable}).
   */
  forEachChannel(f: (channel: ChannelView) => void): void {
    const c = this.cols;
    const ids = this.nodeIdViews();
    for (let r = 0; r < c.chanCount; r++) {
      if (c.chanFlags[r]! & CHAN_UNROUTABLE) continue;
      const cap = c.capacity[r]!;
      f({
        scid: joinU64(c.scidHi[r]!, c.scidLo[r]!),
        node1: ids[c.node1[r]!]!,
        node2: ids[c.node2[r]!]!,
        capacitySat: Number.isNaN(cap) ? undefined : BigInt(cap),
        policies: [this.policyAt(2 * r), this.policyAt(2 * r + 1)],
      });
    }
  }

  /** Every short channel id, ascending. */
  sortedScids(): BigUint64Array {
    const c = this.cols;
    const out = new BigUint64Array(c.chanCount);
    for (let r = 0; r < c.chanCount; r++) out[r] = joinU64(c.scidHi[r]!, c.scidLo[r]!);
    return out.sort();
  }

  /** Short channel ids whose block is in `[firstBlock, firstBlock + numBlocks)`, ascending. */
  scidsInBlockRange(firstBlock: number, numBlocks: number): bigint[] {
    const end = firstBlock + numBlocks;
    const out: bigint[] = [];
    for (const s of this.sortedScids()) {
      const b = scidBlock(s);
      if (b >= firstBlock && b < end) out.push(s);
    }
    return out;
  }

  /** `channel_update` timestamps of both directions (0 = none), BOLT 7 `channel_update_timestamps`. */
  updateTimestamps(scid: bigint): [number, number] {
    const r = this.channelRow(scid);
    if (r < 0) return [0, 0];
    return [this.cols.updTs[2 * r]!, this.cols.updTs[2 * r + 1]!];
  }

  /** The latest `channel_update` of one direction, or `undefined`. */
  direction(scid: bigint, dir: 0 | 1): DirectionInfo | undefined {
    const r = this.channelRow(scid);
    return r < 0 ? undefined : this.directionAt(2 * r + dir);
  }

  // ---- mutation ----

  /**
   * Adds a channel (after its `channel_announcement` was validated). Creates its nodes when
   * new. Returns `false` when the short channel id is already present.
   */
  addChannel(ch: NewChannel, addedAt = 0): boolean {
    if (compareBytes(ch.node1, ch.node2) >= 0) throw new GraphError('node1 must be lexicographically less than node2 (BOLT 7)');
    if (this.channelRow(ch.scid) >= 0) return false;
    const c = this.cols;
    const n1 = this.nodeRowOrAdd(ch.node1);
    const n2 = this.nodeRowOrAdd(ch.node2);
    c.ensureChannels(c.chanCount + 1);
    const r = c.chanCount++;
    const [hi, lo] = splitU64(ch.scid);
    c.scidHi[r] = hi;
    c.scidLo[r] = lo;
    c.node1[r] = n1;
    c.node2[r] = n2;
    c.capacity[r] = ch.capacitySat === undefined ? NaN : Number(ch.capacitySat);
    c.addedAt[r] = addedAt;
    c.chanFlags[r] = 0;
    if (c.hasFunding) c.fundVout[r] = NO_FUNDING;
    c.clearDirection(2 * r);
    c.clearDirection(2 * r + 1);
    c.chanFeatures.delete(r);
    c.annExcess.delete(r);
    if (ch.features && ch.features.length) {
      c.chanFeatures.set(r, ch.features.slice());
      if (Features.fromBytes(ch.features).unknownRequiredBits().length) c.chanFlags[r] = CHAN_UNROUTABLE;
    }
    if (ch.excess && ch.excess.length) c.annExcess.set(r, ch.excess.slice());
    if (c.keepSignatures && ch.proof) {
      const p = ch.proof;
      const o = r * ANN_SIG_BYTES;
      c.annSigs.set(p.nodeSignature1, o);
      c.annSigs.set(p.nodeSignature2, o + 64);
      c.annSigs.set(p.bitcoinSignature1, o + 128);
      c.annSigs.set(p.bitcoinSignature2, o + 192);
      c.annSigs.set(p.bitcoinKey1, o + 256);
      c.annSigs.set(p.bitcoinKey2, o + 289);
      c.chanFlags[r]! |= CHAN_SIGNED;
    }
    c.next[2 * r] = c.head[n1]!;
    c.head[n1] = 2 * r;
    c.next[2 * r + 1] = c.head[n2]!;
    c.head[n2] = 2 * r + 1;
    c.degree[n1]!++;
    c.degree[n2]!++;
    this.chanIndex.insert(r);
    return true;
  }

  /** Sets the capacity of a channel (e.g. after a funding lookup). */
  setCapacity(scid: bigint, capacitySat: bigint | undefined): void {
    const r = this.channelRow(scid);
    if (r >= 0) this.cols.capacity[r] = capacitySat === undefined ? NaN : Number(capacitySat);
  }

  /**
   * Stores a direction's `channel_update` (direction = bit 0 of `channelFlags`), replacing the
   * previous one. Returns `false` when the channel is unknown. Timestamps are the caller's
   * check (see {@link P2PGossipSync}).
   */
  updateDirection(scid: bigint, u: DirectionUpdate): boolean {
    const r = this.channelRow(scid);
    if (r < 0) return false;
    const c = this.cols;
    const d = 2 * r + (u.channelFlags & 1);
    c.updTs[d] = u.timestamp;
    c.updMsgFlags[d] = u.messageFlags;
    c.updChanFlags[d] = u.channelFlags;
    c.updCltv[d] = u.cltvExpiryDelta;
    c.updFeeBase[d] = u.feeBaseMsat;
    c.updFeeProp[d] = u.feeProportionalMillionths;
    c.updHtlcMin[d] = u.htlcMinimumMsat;
    c.updHtlcMax[d] = u.htlcMaximumMsat;
    if (c.keepSignatures) {
      if (u.signature) c.updSigs.set(u.signature, d * UPD_SIG_BYTES);
      else c.updSigs.fill(0, d * UPD_SIG_BYTES, (d + 1) * UPD_SIG_BYTES);
    }
    if (u.excess && u.excess.length) c.updExcess.set(d, u.excess.slice());
    else c.updExcess.delete(d);
    return true;
  }

  /**
   * Stores a node's raw `node_announcement` (type included). The node must already have a
   * channel (BOLT 7: "if `node_id` is NOT previously known from a `channel_announcement`
   * message ... SHOULD ignore"); returns `false` otherwise.
   */
  setNodeAnnouncement(nodeId: Uint8Array, timestamp: number, raw: Uint8Array): boolean {
    const n = this.nodeRow(nodeId);
    if (n < 0) return false;
    this.cols.nodeAnn[n] = raw.slice();
    this.cols.nodeAnnTs[n] = timestamp;
    this.noteNodeFeatures(n);
    return true;
  }

  /**
   * Whether a payment may be routed through the node: `false` when its latest
   * `node_announcement` has an unknown even feature bit (BOLT 7: "if `features` field
   * contains _unknown even bits_: ... MUST NOT route a payment _through_ the node").
   */
  isNodeRoutable(nodeId: Uint8Array): boolean {
    return !this.unroutableNodes.has(hexOf(nodeId));
  }

  /** Node ids (hex) whose announcement has unknown even feature bits: rare, so a set. */
  private readonly unroutableNodes = new Set<string>();

  private noteNodeFeatures(n: number): void {
    const raw = this.cols.nodeAnn[n];
    const k = hexOf(this.nodeIdAt(n));
    const flen = raw ? (raw[66]! << 8) | raw[67]! : 0;
    if (raw && Features.fromBytes(raw.subarray(68, 68 + flen)).unknownRequiredBits().length) this.unroutableNodes.add(k);
    else this.unroutableNodes.delete(k);
  }

  /**
   * Records the channel's funding outpoint and its P2WSH `scriptPubkey` (BOLT 7 "SHOULD
   * monitor the funding transactions"), kept in snapshots so closes are still seen after a
   * restart. Returns `false` for an unknown channel or a script that is not P2WSH.
   */
  setFunding(scid: bigint, outpoint: OutPoint, scriptPubkey: Uint8Array): boolean {
    const r = this.channelRow(scid);
    if (r < 0 || scriptPubkey.length !== 34 || scriptPubkey[0] !== 0 || scriptPubkey[1] !== 0x20 || outpoint.txid.length !== 32) return false;
    const c = this.cols;
    if (!c.hasFunding) c.growFunding(c.chanCap);
    c.fundTxid.set(outpoint.txid, r * 32);
    c.fundVout[r] = outpoint.vout;
    c.fundProg.set(scriptPubkey.subarray(2), r * 32);
    return true;
  }

  /** The channel's funding outpoint and script, when known (see {@link setFunding}). */
  funding(scid: bigint): { outpoint: OutPoint; scriptPubkey: Uint8Array } | undefined {
    const r = this.channelRow(scid);
    return r < 0 ? undefined : this.fundingAt(r);
  }

  /** @internal The short channel id at row `r`. */
  scidAt(r: number): bigint {
    return joinU64(this.cols.scidHi[r]!, this.cols.scidLo[r]!);
  }

  /** @internal */
  fundingAt(r: number): { outpoint: OutPoint; scriptPubkey: Uint8Array } | undefined {
    const c = this.cols;
    if (!c.hasFunding || c.fundVout[r] === NO_FUNDING) return undefined;
    const scriptPubkey = new Uint8Array(34);
    scriptPubkey[1] = 0x20;
    scriptPubkey.set(c.fundProg.subarray(r * 32, r * 32 + 32), 2);
    return { outpoint: { txid: c.fundTxid.slice(r * 32, r * 32 + 32) as Txid, vout: c.fundVout[r]! }, scriptPubkey };
  }

  /**
   * Calls `f` with each channel about to be removed (closed, pruned or `removeChannel`), before
   * it goes, so watchers can drop their state. Returns a function that unsubscribes.
   */
  onChannelRemoved(f: (scid: bigint, funding: OutPoint | undefined) => void): () => void {
    this.removalListeners.push(f);
    return () => {
      const i = this.removalListeners.indexOf(f);
      if (i >= 0) this.removalListeners.splice(i, 1);
    };
  }
  private readonly removalListeners: ((scid: bigint, funding: OutPoint | undefined) => void)[] = [];

  /** Removes a channel (closed, spent or pruned) and any node left without channels (BOLT 7 "Pruning the Network View"). */
  removeChannel(scid: bigint): boolean {
    const r = this.channelRow(scid);
    if (r < 0) return false;
    if (this.removalListeners.length) {
      const f = this.fundingAt(r)?.outpoint;
      for (const l of [...this.removalListeners]) l(scid, f);
    }
    const c = this.cols;
    const n1 = c.node1[r]!;
    const n2 = c.node2[r]!;
    this.unlink(n1, 2 * r);
    this.unlink(n2, 2 * r + 1);
    c.degree[n1]!--;
    c.degree[n2]!--;
    this.chanIndex.remove(r);
    c.chanFeatures.delete(r);
    c.annExcess.delete(r);
    c.updExcess.delete(2 * r);
    c.updExcess.delete(2 * r + 1);
    const last = c.chanCount - 1;
    if (r !== last) {
      for (let s = 0; s < 2; s++) {
        const node = s === 0 ? c.node1[last]! : c.node2[last]!;
        this.relink(node, 2 * last + s, 2 * r + s);
        c.next[2 * r + s] = c.next[2 * last + s]!;
      }
      c.copyChannel(last, r);
      this.chanIndex.renumber(last, r);
    }
    c.chanCount--;
    const [a, b] = n1 > n2 ? [n1, n2] : [n2, n1];
    if (c.degree[a] === 0) this.removeNodeRow(a);
    if (c.degree[b] === 0) this.removeNodeRow(b);
    return true;
  }

  /**
   * Prunes stale channels (BOLT 7 "Recommendation on Pruning Stale Entries": "if the
   * `timestamp` of the latest `channel_update` in either direction is older than two weeks
   * (1209600 seconds): MAY prune the channel"): a channel goes when either direction's latest
   * update is older than `staleAfterSec`, or when a direction never had one and the channel
   * was added longer ago than that ("prunes channels even if one side continues to send
   * fresh `channel_update`s but the other node has disappeared"). Nodes left without a channel
   * go too. `nowSec` is the caller's time.
   */
  removeStaleChannels(nowSec: number, staleAfterSec = STALE_CHANNEL_SECONDS): { channelsRemoved: number } {
    const c = this.cols;
    const cutoff = nowSec - staleAfterSec;
    const remove: bigint[] = [];
    for (let r = 0; r < c.chanCount; r++) {
      const added = c.addedAt[r]!;
      const stale = (t: number) => (t === 0 ? added < cutoff : t < cutoff);
      if (stale(c.updTs[2 * r]!) || stale(c.updTs[2 * r + 1]!)) remove.push(joinU64(c.scidHi[r]!, c.scidLo[r]!));
    }
    for (const s of remove) this.removeChannel(s);
    return { channelsRemoved: remove.length };
  }

  /** Approximate bytes held by the graph (columns at their allocated size, indexes, announcements). */
  memoryBytes(): number {
    return this.cols.byteLength() + this.chanIndex.byteLength + this.nodeIndex.byteLength;
  }

  // ---- internals shared with the package ----

  /** @internal Rebuilds both indexes and the adjacency lists after the columns were filled directly (snapshot load). */
  reindex(): void {
    const c = this.cols;
    this.chanIndex.rebuild(c.chanCount);
    this.nodeIndex.rebuild(c.nodeCount);
    c.head.fill(-1, 0, c.nodeCount);
    c.degree.fill(0, 0, c.nodeCount);
    for (let r = c.chanCount - 1; r >= 0; r--) {
      const n1 = c.node1[r]!;
      const n2 = c.node2[r]!;
      c.next[2 * r] = c.head[n1]!;
      c.head[n1] = 2 * r;
      c.next[2 * r + 1] = c.head[n2]!;
      c.head[n2] = 2 * r + 1;
      c.degree[n1]!++;
      c.degree[n2]!++;
    }
    this.unroutableNodes.clear();
    for (let n = 0; n < c.nodeCount; n++) if (c.nodeAnn[n]) this.noteNodeFeatures(n);
  }

  /** @internal Whether channel row `r` holds its announcement's signatures. */
  isSigned(r: number): boolean {
    return r >= 0 && r < this.cols.chanCount && (this.cols.chanFlags[r]! & CHAN_SIGNED) !== 0;
  }

  /** @internal */
  nodeIdAt(n: number): Uint8Array {
    return this.cols.nodeIds.slice(n * NODE_ID_BYTES, (n + 1) * NODE_ID_BYTES);
  }

  /** @internal */
  channelInfoAt(r: number): ChannelInfo {
    const c = this.cols;
    const cap = c.capacity[r]!;
    return {
      scid: joinU64(c.scidHi[r]!, c.scidLo[r]!),
      node1: this.nodeIdAt(c.node1[r]!),
      node2: this.nodeIdAt(c.node2[r]!),
      capacitySat: Number.isNaN(cap) ? undefined : BigInt(cap),
      features: c.chanFeatures.get(r)?.slice() ?? new Uint8Array(0),
      signed: (c.chanFlags[r]! & CHAN_SIGNED) !== 0,
      addedAt: c.addedAt[r]!,
      directions: [this.directionAt(2 * r), this.directionAt(2 * r + 1)],
    };
  }

  /** @internal */
  directionAt(d: number): DirectionInfo | undefined {
    const c = this.cols;
    if (c.updTs[d] === 0) return undefined;
    return {
      lastUpdate: c.updTs[d]!,
      enabled: (c.updChanFlags[d]! & 2) === 0,
      messageFlags: c.updMsgFlags[d]!,
      channelFlags: c.updChanFlags[d]!,
      feeBaseMsat: c.updFeeBase[d]!,
      feeProportionalMillionths: c.updFeeProp[d]!,
      cltvExpiryDelta: c.updCltv[d]!,
      htlcMinimumMsat: c.updHtlcMin[d]!,
      htlcMaximumMsat: c.updHtlcMax[d]!,
    };
  }

  private policyAt(d: number): DirectionPolicy | undefined {
    const c = this.cols;
    if (c.updTs[d] === 0 || c.updChanFlags[d]! & 2) return undefined;
    return {
      feeBaseMsat: c.updFeeBase[d]!,
      feeProportionalMillionths: c.updFeeProp[d]!,
      cltvExpiryDelta: c.updCltv[d]!,
      htlcMinimumMsat: c.updHtlcMin[d]!,
      htlcMaximumMsat: c.updHtlcMax[d]!,
    };
  }

  private nodeIdViews(): Uint8Array[] {
    const out: Uint8Array[] = new Array(this.cols.nodeCount);
    for (let n = 0; n < out.length; n++) out[n] = this.nodeIdAt(n);
    return out;
  }

  private nodeRowOrAdd(nodeId: Uint8Array): number {
    const found = this.nodeRow(nodeId);
    if (found >= 0) return found;
    if (nodeId.length !== NODE_ID_BYTES) throw new GraphError(`node id must be ${NODE_ID_BYTES} bytes`);
    const c = this.cols;
    c.ensureNodes(c.nodeCount + 1);
    const n = c.nodeCount++;
    c.nodeIds.set(nodeId, n * NODE_ID_BYTES);
    c.head[n] = -1;
    c.degree[n] = 0;
    c.nodeAnnTs[n] = 0;
    c.nodeAnn[n] = undefined;
    this.nodeIndex.insert(n);
    return n;
  }

  private unlink(node: number, entry: number): void {
    const c = this.cols;
    if (c.head[node] === entry) {
      c.head[node] = c.next[entry]!;
      return;
    }
    for (let e = c.head[node]!; e >= 0; e = c.next[e]!) {
      if (c.next[e] === entry) {
        c.next[e] = c.next[entry]!;
        return;
      }
    }
  }

  private relink(node: number, from: number, to: number): void {
    const c = this.cols;
    if (c.head[node] === from) {
      c.head[node] = to;
      return;
    }
    for (let e = c.head[node]!; e >= 0; e = c.next[e]!) {
      if (c.next[e] === from) {
        c.next[e] = to;
        return;
      }
    }
  }

  private removeNodeRow(n: number): void {
    const c = this.cols;
    if (this.unroutableNodes.size) this.unroutableNodes.delete(hexOf(this.nodeIdAt(n)));
    this.nodeIndex.remove(n);
    const last = c.nodeCount - 1;
    if (n !== last) {
      c.nodeIds.copyWithin(n * NODE_ID_BYTES, last * NODE_ID_BYTES, (last + 1) * NODE_ID_BYTES);
      c.head[n] = c.head[last]!;
      c.degree[n] = c.degree[last]!;
      c.nodeAnnTs[n] = c.nodeAnnTs[last]!;
      c.nodeAnn[n] = c.nodeAnn[last];
      for (let e = c.head[n]!; e >= 0; e = c.next[e]!) {
        if (e & 1) c.node2[e >> 1] = n;
        else c.node1[e >> 1] = n;
      }
      this.nodeIndex.renumber(last, n);
    }
    c.nodeAnn.length = last;
    c.nodeCount--;
  }
}

function hexOf(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/**
 * BOLT 7 `node_announcement` receiver: "if `port` is equal to 0: SHOULD ignore `ipv6_addr`
 * OR `ipv4_addr` OR `hostname`", and a node "MUST NOT announce more than one `type 5` DNS
 * hostname" (only the first is kept).
 */
function usableAddresses(all: readonly NodeAddress[]): NodeAddress[] {
  let dns = 0;
  return all.filter((a) => {
    const port = (a as { port?: number }).port;
    if ((a.type === 'ipv4' || a.type === 'ipv6' || a.type === 'dns') && port === 0) return false;
    if (a.type === 'dns' && dns++ > 0) return false;
    return true;
  });
}

function nodeHash(b: Uint8Array, o: number): number {
  // Bytes 1..4 of a compressed key are the top of its x coordinate: already uniform.
  return ((b[o + 1]! << 24) | (b[o + 2]! << 16) | (b[o + 3]! << 8) | b[o + 4]!) >>> 0;
}
