/** BOLT 2 normal operation: HTLC updates, commitment signing, fee updates and reestablishment. */
import { defineMessage, type MessageOf } from '../codec/message.js';
import { bytes, channelId, point, sha256, signature, struct, u16, u16Array, u16Bytes, u32, u64, u8 } from '../codec/primitives.js';
import { tlv } from '../codec/tlv.js';

/** Size of a payment `onion_routing_packet` (BOLT 4): version, point, 1300 bytes of hop payloads, HMAC. */
export const ONION_ROUTING_PACKET_SIZE = 1366;

/** `attribution_data` (BOLT 4 attributable failures): 20 u32 hold times and 210 truncated 4-byte HMACs, as raw bytes. */
const attributionData = tlv(1, struct({ htlcHoldTimes: bytes(80), truncatedHmacs: bytes(840) }));

/** BOLT 2 `update_add_htlc` (128); `tlvs.blindedPath` carries the `path_key` of a blinded route. */
export const updateAddHtlc = defineMessage(128, 'update_add_htlc', {
  channelId,
  id: u64,
  amountMsat: u64,
  paymentHash: sha256,
  cltvExpiry: u32,
  onionRoutingPacket: bytes(ONION_ROUTING_PACKET_SIZE),
}, { blindedPath: tlv(0, point) });
/** BOLT 2 `update_fulfill_htlc` (130). */
export const updateFulfillHtlc = defineMessage(130, 'update_fulfill_htlc', { channelId, id: u64, paymentPreimage: bytes(32) }, { attributionData });
/** BOLT 2 `update_fail_htlc` (131): `reason` is the BOLT 4 failure onion. */
export const updateFailHtlc = defineMessage(131, 'update_fail_htlc', { channelId, id: u64, reason: u16Bytes }, { attributionData });
/** BOLT 2 `update_fail_malformed_htlc` (135). */
export const updateFailMalformedHtlc = defineMessage(135, 'update_fail_malformed_htlc', { channelId, id: u64, sha256OfOnion: sha256, failureCode: u16 });
/** BOLT 2 `commitment_signed` (132): one HTLC signature per non-dust HTLC output, in output order. */
export const commitmentSigned = defineMessage(132, 'commitment_signed', { channelId, signature, htlcSignature: u16Array(signature) }, {
  fundingTxid: tlv(1, sha256),
});
/** BOLT 2 `revoke_and_ack` (133). */
export const revokeAndAck = defineMessage(133, 'revoke_and_ack', { channelId, perCommitmentSecret: bytes(32), nextPerCommitmentPoint: point });
/** BOLT 2 `update_fee` (134). */
export const updateFee = defineMessage(134, 'update_fee', { channelId, feeratePerKw: u32 });
/** BOLT 2 `channel_reestablish` (136). */
export const channelReestablish = defineMessage(136, 'channel_reestablish', {
  channelId,
  nextCommitmentNumber: u64,
  nextRevocationNumber: u64,
  yourLastPerCommitmentSecret: bytes(32),
  myCurrentPerCommitmentPoint: point,
}, {
  nextFunding: tlv(1, struct({ nextFundingTxid: sha256, retransmitFlags: u8 })),
  myCurrentFundingLocked: tlv(5, struct({ myCurrentFundingLockedTxid: sha256, retransmitFlags: u8 })),
});
/** BOLT 2 `start_batch` (127): the next `batchSize` messages of `tlvs.messageType` belong together (splicing). */
export const startBatch = defineMessage(127, 'start_batch', { channelId, batchSize: u16 }, { messageType: tlv(1, u16) });

export type UpdateAddHtlc = MessageOf<typeof updateAddHtlc>;
export type UpdateFulfillHtlc = MessageOf<typeof updateFulfillHtlc>;
export type UpdateFailHtlc = MessageOf<typeof updateFailHtlc>;
export type UpdateFailMalformedHtlc = MessageOf<typeof updateFailMalformedHtlc>;
export type CommitmentSigned = MessageOf<typeof commitmentSigned>;
export type RevokeAndAck = MessageOf<typeof revokeAndAck>;
export type UpdateFee = MessageOf<typeof updateFee>;
export type ChannelReestablish = MessageOf<typeof channelReestablish>;
export type StartBatch = MessageOf<typeof startBatch>;
