/** The plain data model every snapshot decoder produces. */

/** One direction's routing policy (BOLT 7 `channel_update` fields). */
export interface SnapshotPolicy {
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
  /** Unix time of the update, when the snapshot has it. */
  readonly lastUpdate?: number;
}

/** A node: its 33-byte id and alias. */
export interface SnapshotNode {
  readonly nodeId: Uint8Array;
  readonly alias: string;
}

/** A channel between `node1` and `node2` (indices into `nodes`; `node1` has the lesser node id, as in BOLT 7). */
export interface SnapshotChannel {
  readonly scid: bigint;
  /** Whether `scid` was synthesized (the 2026 snapshot has no short channel ids). */
  readonly scidSynthetic: boolean;
  readonly node1: number;
  readonly node2: number;
  readonly capacitySat: bigint;
  /**
   * `[0]` is the policy published by `node1` (direction bit 0), `[1]` by `node2`. `undefined`
   * when the direction is disabled or has no `channel_update`.
   */
  readonly policies: readonly [SnapshotPolicy | undefined, SnapshotPolicy | undefined];
}

/** A whole graph snapshot. */
export interface GraphSnapshot {
  /** Where it came from, e.g. `cln-gossmap-2026-02-03`. */
  readonly source: string;
  readonly nodes: readonly SnapshotNode[];
  readonly channels: readonly SnapshotChannel[];
}

/** Thrown by the decoders on malformed input (they read untrusted files). */
export class SnapshotDecodeError extends Error {
  override readonly name = 'SnapshotDecodeError';
}

/** Lexicographic comparison of node ids. */
export function compareNodeIds(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** `BLOCKxTXxOUT` as a short channel id. */
export function scidFromParts(block: number, tx: number, out: number): bigint {
  return (BigInt(block) << 40n) | (BigInt(tx) << 16n) | BigInt(out);
}
