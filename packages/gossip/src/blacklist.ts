/**
 * The BOLT 7 blacklist of `channel_announcement` conflicts: "if it has previously received a
 * valid `channel_announcement`, for the same transaction, in the same block, but for a
 * different `node_id_1` or `node_id_2`: SHOULD blacklist the previous message's `node_id_1`
 * and `node_id_2`, as well as this `node_id_1` and `node_id_2` AND forget any channels
 * connected to them", and "if `node_id_1` OR `node_id_2` are blacklisted: SHOULD ignore the
 * message". Each entry costs its announcer a funding output on chain and two valid
 * announcements for it; the sets are still capped ({@link MAX_BLACKLIST}: oldest forgotten).
 */
import { toHex } from './bytes.js';

/** Entries kept per set at most. */
export const MAX_BLACKLIST = 10_000;

/** Blacklisted node ids and short channel ids. */
export class Blacklist {
  private readonly nodes = new Set<string>();
  private readonly scids = new Set<bigint>();

  /** Blacklists a node id (33 bytes). */
  addNode(nodeId: Uint8Array): void {
    add(this.nodes, toHex(nodeId));
  }
  /** Remembers a short channel id whose announcements conflicted. */
  addScid(scid: bigint): void {
    add(this.scids, scid);
  }
  hasNode(nodeId: Uint8Array): boolean {
    return this.nodes.size > 0 && this.nodes.has(toHex(nodeId));
  }
  hasScid(scid: bigint): boolean {
    return this.scids.has(scid);
  }
  /** Blacklisted node ids (hex) and short channel ids. */
  get size(): { nodes: number; scids: number } {
    return { nodes: this.nodes.size, scids: this.scids.size };
  }
}

function add<T>(set: Set<T>, v: T): void {
  set.delete(v);
  set.add(v);
  if (set.size > MAX_BLACKLIST) set.delete(set.values().next().value as T);
}
