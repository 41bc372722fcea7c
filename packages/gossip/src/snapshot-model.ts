/**
 * Building a {@link NetworkGraph} from a plain graph model — the shape `@ln/graph-snapshots`
 * decodes real mainnet snapshots into (declared here structurally; this package does not
 * depend on it). Policies become directions as if from `channel_update`s. Nodes are created by
 * their channels only; a model's `alias` is not stored (the graph keeps node data only as a
 * signed `node_announcement`, and none is invented), so `node(id).alias` is `undefined` and
 * nothing of a model node is relayed or sent in answers.
 */
import { compareBytes } from './bytes.js';
import { NetworkGraph, type NetworkGraphOptions } from './network-graph.js';

/** One direction's policy in a model (BOLT 7 `channel_update` fields). */
export interface ModelPolicy {
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
  readonly lastUpdate?: number;
}

/** A graph model: nodes and channels whose `node1`/`node2` index `nodes`; `policies[0]` is published by `node1`. */
export interface GraphModel {
  readonly nodes: readonly { readonly nodeId: Uint8Array; readonly alias?: string }[];
  readonly channels: readonly {
    readonly scid: bigint;
    readonly node1: number;
    readonly node2: number;
    readonly capacitySat?: bigint;
    readonly policies: readonly [ModelPolicy | undefined, ModelPolicy | undefined];
  }[];
}

/**
 * Loads a model into a new graph (signatures not kept unless asked). `policies[0]` must be
 * the policy published by the model's `node1` (`@ln/graph-snapshots` orients the Core
 * Lightning snapshot that way: see the direction caveat in the data README); when `node1` is
 * the greater node id the two are swapped here, so the graph's direction 0 is always the
 * lesser node id's (BOLT 7 `channel_flags` bit 0). `timestamp` stands in for update times the
 * model lacks. Aliases are not kept (see above).
 */
export function graphFromModel(model: GraphModel, opts: NetworkGraphOptions & { timestamp?: number } = {}): NetworkGraph {
  const g = new NetworkGraph({ keepSignatures: false, expectedChannels: model.channels.length, expectedNodes: model.nodes.length, ...opts });
  const ts = opts.timestamp ?? 1;
  for (const ch of model.channels) {
    let a = model.nodes[ch.node1]!.nodeId;
    let b = model.nodes[ch.node2]!.nodeId;
    let policies = ch.policies;
    if (compareBytes(a, b) > 0) {
      [a, b] = [b, a];
      policies = [policies[1], policies[0]];
    }
    g.addChannel({ scid: ch.scid, node1: a, node2: b, capacitySat: ch.capacitySat });
    for (const dir of [0, 1] as const) {
      const p = policies[dir];
      if (!p) continue;
      g.updateDirection(ch.scid, {
        timestamp: p.lastUpdate ?? ts,
        messageFlags: 1,
        channelFlags: dir,
        cltvExpiryDelta: p.cltvExpiryDelta,
        htlcMinimumMsat: p.htlcMinimumMsat,
        feeBaseMsat: p.feeBaseMsat,
        feeProportionalMillionths: p.feeProportionalMillionths,
        htlcMaximumMsat: p.htlcMaximumMsat,
      });
    }
  }
  return g;
}
