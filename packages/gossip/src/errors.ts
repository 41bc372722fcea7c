/** Why gossip was rejected; thrown as {@link GossipRejection} (a wire `LightningError`). */
import { LightningError, makeMessage, type ErrorAction } from '@ln/wire';

/** Reasons a gossip message is not accepted (each is one BOLT 7 receiver rule). */
export type RejectionCode =
  /** `chain_hash` is not the graph's chain (BOLT 7: "MUST ignore the message"). */
  | 'wrong_chain'
  /** `node_id_1` is not lexicographically less than `node_id_2`. */
  | 'node_order'
  /** A signature does not verify (the message says which). */
  | 'bad_signature'
  /** `channel_update` signed by the other end of the channel (direction bit says who must sign). */
  | 'wrong_signer'
  /** The funding output does not exist or is spent (`UtxoLookup` found nothing). */
  | 'funding_missing'
  /** The funding output is not the P2WSH of the 2-of-2 of the bitcoin keys. */
  | 'funding_mismatch'
  /** An older (or equal-timestamp, different) message than the one held. */
  | 'stale'
  /** The same message again. */
  | 'duplicate'
  /** A `channel_update` whose channel is unknown (held briefly, then dropped). */
  | 'unknown_channel'
  /** A `node_announcement` for a node with no channel. */
  | 'unknown_node'
  /** Values that cannot be right (`htlc_maximum_msat` below the minimum or above capacity, unknown even feature bits in an address, bad address list, timestamp far in the future). */
  | 'bad_values'
  /** The channel's funding output was spent; only `disable` updates are accepted. */
  | 'channel_closed'
  /** The peer sent more gossip than its allowance. */
  | 'rate_limited'
  /** The funding output has fewer than 6 confirmations at the chain height we know (BOLT 7 "SHOULD ignore the message"). */
  | 'too_recent'
  /** A valid `channel_announcement` for a known channel with other node ids: both pairs are blacklisted (BOLT 7). */
  | 'conflicting'
  /** A `channel_announcement` naming a blacklisted node or short channel id (BOLT 7 "SHOULD ignore the message"). */
  | 'blacklisted';

/**
 * A rejected gossip message. Extends `LightningError`, so `PeerManager` applies its `action`:
 * a `warning` for forged signatures and malformed announcements (BOLT 7 "SHOULD send a
 * `warning`"), silent ignore for stale, duplicate or unverifiable gossip.
 */
export class GossipRejection extends LightningError {
  constructor(
    readonly code: RejectionCode,
    message: string,
    action?: ErrorAction,
  ) {
    super(message, action ?? defaultAction(code, message));
  }
}

const ZERO_CHANNEL = new Uint8Array(32);

function defaultAction(code: RejectionCode, message: string): ErrorAction {
  switch (code) {
    case 'bad_signature':
    case 'wrong_signer':
    case 'node_order':
      return { type: 'SendWarningMessage', msg: makeMessage('warning', { channelId: ZERO_CHANNEL, data: new TextEncoder().encode(message) }) };
    case 'stale':
    case 'duplicate':
      return { type: 'IgnoreError' };
    default:
      return { type: 'IgnoreAndLog', level: 'debug' };
  }
}
