/** BOLT 2 channel close: `shutdown`, `closing_signed` (with `fee_range`), `closing_complete`, `closing_sig`. */
import { defineMessage, type MessageOf } from '../codec/message.js';
import { channelId, signature, struct, u16Bytes, u32, u64 } from '../codec/primitives.js';
import { tlv } from '../codec/tlv.js';

/** BOLT 2 `shutdown` (38). */
export const shutdown = defineMessage(38, 'shutdown', { channelId, scriptpubkey: u16Bytes });

/** BOLT 2 `closing_signed` (39), with the `fee_range` TLV. */
export const closingSigned = defineMessage(39, 'closing_signed', { channelId, feeSatoshis: u64, signature }, {
  feeRange: tlv(1, struct({ minFeeSatoshis: u64, maxFeeSatoshis: u64 })),
});

/** `closing_tlvs`: which outputs the signed closing transaction has. */
const closingTlvs = {
  closerOutputOnly: tlv(1, signature),
  closeeOutputOnly: tlv(2, signature),
  closerAndCloseeOutputs: tlv(3, signature),
};
const closingFields = { channelId, closerScriptpubkey: u16Bytes, closeeScriptpubkey: u16Bytes, feeSatoshis: u64, locktime: u32 };

/** BOLT 2 `closing_complete` (40). */
export const closingComplete = defineMessage(40, 'closing_complete', closingFields, closingTlvs);
/** BOLT 2 `closing_sig` (41). */
export const closingSig = defineMessage(41, 'closing_sig', closingFields, closingTlvs);

export type Shutdown = MessageOf<typeof shutdown>;
export type ClosingSigned = MessageOf<typeof closingSigned>;
export type ClosingComplete = MessageOf<typeof closingComplete>;
export type ClosingSig = MessageOf<typeof closingSig>;
