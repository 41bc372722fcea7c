/** BOLT 2 interactive transaction construction, dual funding (v2), quiescence and splicing. */
import { defineMessage, type MessageOf } from '../codec/message.js';
import { chainHash, channelId, flag, point, restBytes, s64, sha256, signature, u16, u16Array, u16Bytes, u32, u64, u8 } from '../codec/primitives.js';
import { tlv } from '../codec/tlv.js';

/** BOLT 2 `tx_add_input` (66); `prevtx` is the whole previous transaction. */
export const txAddInput = defineMessage(66, 'tx_add_input', {
  channelId,
  serialId: u64,
  prevtx: u16Bytes,
  prevtxVout: u32,
  sequence: u32,
}, { sharedInputTxid: tlv(0, sha256) });
/** BOLT 2 `tx_add_output` (67). */
export const txAddOutput = defineMessage(67, 'tx_add_output', { channelId, serialId: u64, sats: u64, script: u16Bytes });
/** BOLT 2 `tx_remove_input` (68). */
export const txRemoveInput = defineMessage(68, 'tx_remove_input', { channelId, serialId: u64 });
/** BOLT 2 `tx_remove_output` (69). */
export const txRemoveOutput = defineMessage(69, 'tx_remove_output', { channelId, serialId: u64 });
/** BOLT 2 `tx_complete` (70). */
export const txComplete = defineMessage(70, 'tx_complete', { channelId });
/** BOLT 2 `tx_signatures` (71): `witnesses` are serialized witness stacks, one per input of the sender. */
export const txSignatures = defineMessage(71, 'tx_signatures', { channelId, txid: sha256, witnesses: u16Array(u16Bytes) }, {
  sharedInputSignature: tlv(0, signature),
});

const rbfTlvs = { fundingOutputContribution: tlv(0, s64), requireConfirmedInputs: tlv(2, flag) };
/** BOLT 2 `tx_init_rbf` (72). */
export const txInitRbf = defineMessage(72, 'tx_init_rbf', { channelId, locktime: u32, feerate: u32 }, rbfTlvs);
/** BOLT 2 `tx_ack_rbf` (73). */
export const txAckRbf = defineMessage(73, 'tx_ack_rbf', { channelId }, rbfTlvs);
/** BOLT 2 `tx_abort` (74). */
export const txAbort = defineMessage(74, 'tx_abort', { channelId, data: u16Bytes });

/** `opening_tlvs` / `accept_tlvs` of the v2 establishment. */
const v2Tlvs = {
  upfrontShutdownScript: tlv(0, restBytes),
  channelType: tlv(1, restBytes),
  requireConfirmedInputs: tlv(2, flag),
};
/** BOLT 2 `open_channel2` (64). */
export const openChannel2 = defineMessage(64, 'open_channel2', {
  chainHash,
  temporaryChannelId: channelId,
  fundingFeeratePerkw: u32,
  commitmentFeeratePerkw: u32,
  fundingSatoshis: u64,
  dustLimitSatoshis: u64,
  maxHtlcValueInFlightMsat: u64,
  htlcMinimumMsat: u64,
  toSelfDelay: u16,
  maxAcceptedHtlcs: u16,
  locktime: u32,
  fundingPubkey: point,
  revocationBasepoint: point,
  paymentBasepoint: point,
  delayedPaymentBasepoint: point,
  htlcBasepoint: point,
  firstPerCommitmentPoint: point,
  secondPerCommitmentPoint: point,
  channelFlags: u8,
}, v2Tlvs);
/** BOLT 2 `accept_channel2` (65). */
export const acceptChannel2 = defineMessage(65, 'accept_channel2', {
  temporaryChannelId: channelId,
  fundingSatoshis: u64,
  dustLimitSatoshis: u64,
  maxHtlcValueInFlightMsat: u64,
  htlcMinimumMsat: u64,
  minimumDepth: u32,
  toSelfDelay: u16,
  maxAcceptedHtlcs: u16,
  fundingPubkey: point,
  revocationBasepoint: point,
  paymentBasepoint: point,
  delayedPaymentBasepoint: point,
  htlcBasepoint: point,
  firstPerCommitmentPoint: point,
  secondPerCommitmentPoint: point,
}, v2Tlvs);

/** BOLT 2 `stfu` (2): quiescence. */
export const stfu = defineMessage(2, 'stfu', { channelId, initiator: u8 });
/** BOLT 2 `splice_init` (80). */
export const spliceInit = defineMessage(80, 'splice_init', {
  channelId,
  fundingContributionSatoshis: s64,
  fundingFeeratePerkw: u32,
  locktime: u32,
  fundingPubkey: point,
}, { requireConfirmedInputs: tlv(2, flag) });
/** BOLT 2 `splice_ack` (81). */
export const spliceAck = defineMessage(81, 'splice_ack', { channelId, fundingContributionSatoshis: s64, fundingPubkey: point }, {
  requireConfirmedInputs: tlv(2, flag),
});
/** BOLT 2 `splice_locked` (77). */
export const spliceLocked = defineMessage(77, 'splice_locked', { channelId, spliceTxid: sha256 });

export type TxAddInput = MessageOf<typeof txAddInput>;
export type TxAddOutput = MessageOf<typeof txAddOutput>;
export type TxRemoveInput = MessageOf<typeof txRemoveInput>;
export type TxRemoveOutput = MessageOf<typeof txRemoveOutput>;
export type TxComplete = MessageOf<typeof txComplete>;
export type TxSignatures = MessageOf<typeof txSignatures>;
export type TxInitRbf = MessageOf<typeof txInitRbf>;
export type TxAckRbf = MessageOf<typeof txAckRbf>;
export type TxAbort = MessageOf<typeof txAbort>;
export type OpenChannel2 = MessageOf<typeof openChannel2>;
export type AcceptChannel2 = MessageOf<typeof acceptChannel2>;
export type Stfu = MessageOf<typeof stfu>;
export type SpliceInit = MessageOf<typeof spliceInit>;
export type SpliceAck = MessageOf<typeof spliceAck>;
export type SpliceLocked = MessageOf<typeof spliceLocked>;
