/**
 * Two P2PGossipSyncs connected by hand: messages pass between them by draining events, each
 * through the @ln/wire codec (encoded, size-checked against BOLT 1's 65,535 bytes, decoded)
 * as a transport would.
 */
import { decodeMessage, encodeMessage, makeMessage, type Init, type KnownMessage } from '@ln/wire';
import type { P2PGossipSync } from '../src/index.js';

function initOf(s: P2PGossipSync, id: Uint8Array): Init {
  return makeMessage('init', { globalfeatures: new Uint8Array(0), features: s.providedInitFeatures(id).toBytes() });
}

/** BOLT 1: "The maximum size of a Lightning message is 65535 bytes" (type included). */
const MAX_MESSAGE = 65_535;

function deliver(to: P2PGossipSync, from: Uint8Array, sent: KnownMessage): void {
  const bytes = encodeMessage(sent);
  if (bytes.length > MAX_MESSAGE) throw new Error(`${sent.type} of ${bytes.length} bytes exceeds BOLT 1's ${MAX_MESSAGE}`);
  const msg = decodeMessage(bytes) as KnownMessage;
  try {
    switch (msg.type) {
      case 'channel_announcement':
        to.handleChannelAnnouncement(from, msg);
        break;
      case 'channel_update':
        to.handleChannelUpdate(from, msg);
        break;
      case 'node_announcement':
        to.handleNodeAnnouncement(from, msg);
        break;
      case 'query_channel_range':
        to.handleQueryChannelRange(from, msg);
        break;
      case 'reply_channel_range':
        to.handleReplyChannelRange(from, msg);
        break;
      case 'query_short_channel_ids':
        to.handleQueryShortChannelIds(from, msg);
        break;
      case 'reply_short_channel_ids_end':
        to.handleReplyShortChannelIdsEnd(from, msg);
        break;
      case 'gossip_timestamp_filter':
        to.handleGossipTimestampFilter(from, msg);
        break;
      default:
        throw new Error(`unexpected ${msg.type}`);
    }
  } catch (e) {
    if ((e as Error).name !== 'LightningError') throw e;
  }
}

/** Counts of messages passed, by type. */
export type Traffic = Record<string, number>;

/** Connects `a` (outbound) and `b`, then passes messages until both are quiet. */
export async function connectAndSync(a: P2PGossipSync, aId: Uint8Array, b: P2PGossipSync, bId: Uint8Array): Promise<Traffic> {
  a.peerConnected(bId, initOf(b, bId), false);
  b.peerConnected(aId, initOf(a, aId), true);
  return pump(a, aId, b, bId);
}

/** Passes messages until neither side has anything to send. */
export async function pump(a: P2PGossipSync, aId: Uint8Array, b: P2PGossipSync, bId: Uint8Array): Promise<Traffic> {
  const traffic: Traffic = {};
  for (let round = 0; round < 1_000_000; round++) {
    await a.drain();
    await b.drain();
    const ea = a.getAndClearPendingMsgEvents();
    const eb = b.getAndClearPendingMsgEvents();
    if (!ea.length && !eb.length && !a.pendingCount && !b.pendingCount) return traffic;
    for (const [evs, to, from] of [[ea, b, aId], [eb, a, bId]] as const) {
      for (const e of evs) {
        if (e.type !== 'SendMessage') continue;
        traffic[e.msg.type] = (traffic[e.msg.type] ?? 0) + 1;
        deliver(to, from, e.msg);
      }
    }
  }
  throw new Error('sync did not settle');
}
