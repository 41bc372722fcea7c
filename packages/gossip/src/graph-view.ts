/**
 * The shapes the graph hands out. The router's read-only view (`@ln/router`'s
 * `ReadOnlyNetworkGraph`, `ChannelView`, `DirectionPolicy`) is re-declared here structurally:
 * `@ln/gossip` never imports `@ln/router` (components do not import each other), and
 * {@link NetworkGraph} satisfies the router's interface by shape alone.
 */
import type { NodeAddress } from '@ln/wire';

/** One direction's forwarding policy, as the router reads it (BOLT 7 `channel_update`). */
export interface DirectionPolicy {
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
}

/**
 * A channel as the router sees it: `policies[0]` is `node_id_1`'s (direction bit 0, towards
 * `node2`), `[1]` is `node_id_2`'s; `undefined` when that direction is disabled or has no
 * `channel_update` (BOLT 7 "The `channel_update` Message").
 */
export interface ChannelView {
  readonly scid: bigint;
  readonly node1: Uint8Array;
  readonly node2: Uint8Array;
  /** Capacity in satoshis when known (from the funding output); `undefined` if unknown. */
  readonly capacitySat?: bigint;
  readonly policies: readonly [DirectionPolicy | undefined, DirectionPolicy | undefined];
}

/** What a router reads from a network graph (structurally the router's own interface). */
export interface ReadOnlyNetworkGraph {
  /** Calls `f` for every channel. */
  forEachChannel(f: (channel: ChannelView) => void): void;
  /** The features a node announced (raw BOLT 9 bytes), if known. */
  nodeFeatures?(nodeId: Uint8Array): Uint8Array | undefined;
}

/** The latest `channel_update` of one direction, with everything BOLT 7 puts in it. */
export interface DirectionInfo extends DirectionPolicy {
  /** `timestamp` of the `channel_update` (seconds). */
  readonly lastUpdate: number;
  /** Whether the `disable` bit (bit 1 of `channel_flags`) is clear. */
  readonly enabled: boolean;
  readonly messageFlags: number;
  readonly channelFlags: number;
}

/** Everything the graph knows about a channel (BOLT 7 `channel_announcement` + both updates). */
export interface ChannelInfo {
  readonly scid: bigint;
  /** The lesser node id (BOLT 7 `node_id_1`). */
  readonly node1: Uint8Array;
  readonly node2: Uint8Array;
  /** Capacity in satoshis, when known from the funding output. */
  readonly capacitySat?: bigint;
  /** Channel features of the `channel_announcement` (raw BOLT 9 bytes). */
  readonly features: Uint8Array;
  /** Whether the graph holds the announcement's signatures (it came from gossip, not a snapshot model). */
  readonly signed: boolean;
  /** When the channel was added (caller's clock, seconds). */
  readonly addedAt: number;
  /** `[0]` from `node_id_1`, `[1]` from `node_id_2`, `undefined` when no update was received. */
  readonly directions: readonly [DirectionInfo | undefined, DirectionInfo | undefined];
}

/** Everything the graph knows about a node (BOLT 7 `node_announcement`). */
export interface NodeInfo {
  readonly nodeId: Uint8Array;
  /** Node features from its `node_announcement` (empty when it has none). */
  readonly features: Uint8Array;
  /** The alias, decoded as UTF-8 with trailing zero bytes removed. */
  readonly alias?: string;
  readonly rgbColor?: Uint8Array;
  readonly addresses: readonly NodeAddress[];
  /** `timestamp` of the latest `node_announcement`, if any. */
  readonly lastAnnouncement?: number;
  /** Number of channels of the node in the graph. */
  readonly channelCount: number;
}
