/** BOLT 7 gossip: announcements, channel updates and gossip queries; BOLT 4 `onion_message` framing. */
import { defineMessage, type MessageOf } from '../codec/message.js';
import { bigsize, bytes, chainHash, channelId, point, restArray, restBytes, shortChannelId, signature, struct, u16, u16Bytes, u32, u64, u8 } from '../codec/primitives.js';
import { tlv } from '../codec/tlv.js';

/** BOLT 7 `announcement_signatures` (259). */
export const announcementSignatures = defineMessage(259, 'announcement_signatures', {
  channelId,
  shortChannelId,
  nodeSignature: signature,
  bitcoinSignature: signature,
});

/** BOLT 7 `channel_announcement` (256). Signed bytes: everything after the four signatures. */
export const channelAnnouncement = defineMessage(256, 'channel_announcement', {
  nodeSignature1: signature,
  nodeSignature2: signature,
  bitcoinSignature1: signature,
  bitcoinSignature2: signature,
  features: u16Bytes,
  chainHash,
  shortChannelId,
  nodeId1: point,
  nodeId2: point,
  bitcoinKey1: point,
  bitcoinKey2: point,
});

/** BOLT 7 `node_announcement` (257). `addresses` is the raw address descriptor list (see `decodeAddresses`). Signed bytes: everything after the signature. */
export const nodeAnnouncement = defineMessage(257, 'node_announcement', {
  signature,
  features: u16Bytes,
  timestamp: u32,
  nodeId: point,
  rgbColor: bytes(3),
  alias: bytes(32),
  addresses: u16Bytes,
});

/** BOLT 7 `channel_update` (258). Signed bytes: everything after the signature. */
export const channelUpdate = defineMessage(258, 'channel_update', {
  signature,
  chainHash,
  shortChannelId,
  timestamp: u32,
  messageFlags: u8,
  channelFlags: u8,
  cltvExpiryDelta: u16,
  htlcMinimumMsat: u64,
  feeBaseMsat: u32,
  feeProportionalMillionths: u32,
  htlcMaximumMsat: u64,
});

/** BOLT 7 `query_short_channel_ids` (261); `encodedShortIds` and `tlvs.queryFlags` are decoded by the gossip-query helpers. */
export const queryShortChannelIds = defineMessage(261, 'query_short_channel_ids', { chainHash, encodedShortIds: u16Bytes }, {
  queryFlags: tlv(1, struct({ encodingType: u8, encodedQueryFlags: restBytes })),
});
/** BOLT 7 `reply_short_channel_ids_end` (262). */
export const replyShortChannelIdsEnd = defineMessage(262, 'reply_short_channel_ids_end', { chainHash, fullInformation: u8 });
/** BOLT 7 `query_channel_range` (263); `tlvs.queryOption` bit 0: timestamps wanted, bit 1: checksums wanted. */
export const queryChannelRange = defineMessage(263, 'query_channel_range', { chainHash, firstBlocknum: u32, numberOfBlocks: u32 }, {
  queryOption: tlv(1, bigsize),
});
/** BOLT 7 `reply_channel_range` (264). */
export const replyChannelRange = defineMessage(264, 'reply_channel_range', {
  chainHash,
  firstBlocknum: u32,
  numberOfBlocks: u32,
  syncComplete: u8,
  encodedShortIds: u16Bytes,
}, {
  timestampsTlv: tlv(1, struct({ encodingType: u8, encodedTimestamps: restBytes })),
  checksumsTlv: tlv(3, restArray(struct({ checksumNodeId1: u32, checksumNodeId2: u32 }))),
});
/** BOLT 7 `gossip_timestamp_filter` (265). */
export const gossipTimestampFilter = defineMessage(265, 'gossip_timestamp_filter', { chainHash, firstTimestamp: u32, timestampRange: u32 });

/** BOLT 4 `onion_message` (513, `option_onion_messages`): framing only; the onion itself is handled elsewhere. */
export const onionMessage = defineMessage(513, 'onion_message', { pathKey: point, onionMessagePacket: u16Bytes });

export type AnnouncementSignatures = MessageOf<typeof announcementSignatures>;
export type ChannelAnnouncement = MessageOf<typeof channelAnnouncement>;
export type NodeAnnouncement = MessageOf<typeof nodeAnnouncement>;
export type ChannelUpdate = MessageOf<typeof channelUpdate>;
export type QueryShortChannelIds = MessageOf<typeof queryShortChannelIds>;
export type ReplyShortChannelIdsEnd = MessageOf<typeof replyShortChannelIdsEnd>;
export type QueryChannelRange = MessageOf<typeof queryChannelRange>;
export type ReplyChannelRange = MessageOf<typeof replyChannelRange>;
export type GossipTimestampFilter = MessageOf<typeof gossipTimestampFilter>;
export type OnionMessage = MessageOf<typeof onionMessage>;
