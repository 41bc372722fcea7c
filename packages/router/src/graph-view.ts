/**
 * The read-only graph view the router needs. `@ln/router` never imports `@ln/gossip`: the
 * gossip package's `NetworkGraph` (or anything else, e.g. a snapshot) satisfies this interface
 * structurally. It is iterated once to build the router's compact search structure
 * ({@link RoutingGraph}), so it can be simple rather than fast.
 */

/** One direction's forwarding policy (BOLT 7 `channel_update`). */
export interface DirectionPolicy {
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
}

/** A channel as the router sees it: `policies[0]` is `node1`'s (towards `node2`), `[1]` is `node2`'s; `undefined` = disabled or unknown. */
export interface ChannelView {
  readonly scid: bigint;
  readonly node1: Uint8Array;
  readonly node2: Uint8Array;
  /** Capacity in satoshis when known (from the funding output); `undefined` if unknown. */
  readonly capacitySat?: bigint;
  readonly policies: readonly [DirectionPolicy | undefined, DirectionPolicy | undefined];
}

/** What the router reads from a network graph. */
export interface ReadOnlyNetworkGraph {
  /** Calls `f` for every channel. */
  forEachChannel(f: (channel: ChannelView) => void): void;
  /** The features a node announced (raw BOLT 9 bytes), if known. */
  nodeFeatures?(nodeId: Uint8Array): Uint8Array | undefined;
}
