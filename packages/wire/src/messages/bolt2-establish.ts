/** BOLT 2 channel establishment v1: `open_channel` … `channel_ready`. */
import { defineMessage, type MessageOf } from '../codec/message.js';
import { bytes, chainHash, channelId, point, restBytes, sha256, shortChannelId, signature, u16, u32, u64, u8 } from '../codec/primitives.js';
import { tlv } from '../codec/tlv.js';

/** `open_channel_tlvs` / `accept_channel_tlvs`: `upfront_shutdown_script`, `channel_type`. */
const establishTlvs = {
  upfrontShutdownScript: tlv(0, restBytes),
  channelType: tlv(1, restBytes),
};

/** BOLT 2 `open_channel` (32). */
export const openChannel = defineMessage(32, 'open_channel', {
  chainHash,
  temporaryChannelId: bytes(32),
  fundingSatoshis: u64,
  pushMsat: u64,
  dustLimitSatoshis: u64,
  maxHtlcValueInFlightMsat: u64,
  channelReserveSatoshis: u64,
  htlcMinimumMsat: u64,
  feeratePerKw: u32,
  toSelfDelay: u16,
  maxAcceptedHtlcs: u16,
  fundingPubkey: point,
  revocationBasepoint: point,
  paymentBasepoint: point,
  delayedPaymentBasepoint: point,
  htlcBasepoint: point,
  firstPerCommitmentPoint: point,
  channelFlags: u8,
}, establishTlvs);

/** BOLT 2 `accept_channel` (33). */
export const acceptChannel = defineMessage(33, 'accept_channel', {
  temporaryChannelId: bytes(32),
  dustLimitSatoshis: u64,
  maxHtlcValueInFlightMsat: u64,
  channelReserveSatoshis: u64,
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
}, establishTlvs);

/** BOLT 2 `funding_created` (34). `fundingTxid` is in internal byte order. */
export const fundingCreated = defineMessage(34, 'funding_created', {
  temporaryChannelId: bytes(32),
  fundingTxid: sha256,
  fundingOutputIndex: u16,
  signature,
});

/** BOLT 2 `funding_signed` (35). */
export const fundingSigned = defineMessage(35, 'funding_signed', { channelId, signature });

/** BOLT 2 `channel_ready` (36); `tlvs.shortChannelId` is the `alias` (`option_scid_alias`). */
export const channelReady = defineMessage(36, 'channel_ready', { channelId, secondPerCommitmentPoint: point }, {
  shortChannelId: tlv(1, shortChannelId),
});

export type OpenChannel = MessageOf<typeof openChannel>;
export type AcceptChannel = MessageOf<typeof acceptChannel>;
export type FundingCreated = MessageOf<typeof fundingCreated>;
export type FundingSigned = MessageOf<typeof fundingSigned>;
export type ChannelReady = MessageOf<typeof channelReady>;
