/**
 * What the payments layer needs from its `ChannelManager`, and the small helpers both payment
 * directions share (HTLC metadata, failure messages).
 */
import { bytesToHex } from '@ln/crypto';
import type { Channel } from '../channel/channel.js';
import type { ChannelContext } from '../channel/context.js';
import { decodeState, encodeState, StateDecodeError, type StateValue } from '../serde.js';
import type { OnionCrypto } from '../onion/keys.js';

/** The manager's services, as the payments layer sees them. */
export interface PaymentsHost {
  readonly ctx: ChannelContext;
  readonly onion: OnionCrypto;
  /** Live (not closed) channels. */
  channels(): readonly Channel[];
  /** A live channel by id. */
  find(channelId: Uint8Array): Channel | undefined;
  /** Runs `f` on a channel; a `ChannelError` gets the protocol's reaction. Returns the error message, or `undefined` if `f` succeeded. */
  guard(ch: Channel, f: () => void): string | undefined;
  /** 32 random bytes. */
  random(): Uint8Array;
  /** Gives a preimage to the monitor of a channel that is already closed (it claims on chain). */
  preimageToClosedChannel(channelId: Uint8Array, preimage: Uint8Array): void;
}

/** Where an outbound HTLC comes from, stored in its `HtlcRecord.meta`. */
export type OutboundSource =
  /** Part `part` of our payment `paymentId`. */
  | { readonly k: 'pay'; readonly paymentId: Uint8Array; readonly part: number }
  /** A forward of inbound HTLC `htlcId` on channel `prevChannelId` of `incomingMsat`. */
  | { readonly k: 'fwd'; readonly prevChannelId: Uint8Array; readonly htlcId: bigint; readonly incomingMsat: bigint };

/** What we learned about an inbound HTLC when we peeled its onion, stored in its `HtlcRecord.meta`. */
export interface InboundMeta {
  /** The onion shared secret with the sender (wraps failures going back); absent if the onion could not be read. */
  readonly ss?: Uint8Array;
}

/** Encodes HTLC metadata. */
export function encodeMeta(v: OutboundSource | InboundMeta): Uint8Array {
  return encodeState(v as unknown as StateValue);
}

/** Decodes outbound HTLC metadata; `undefined` for HTLCs without (or with foreign) metadata. */
export function decodeOutboundSource(meta: Uint8Array | undefined): OutboundSource | undefined {
  if (!meta) return undefined;
  try {
    const v = decodeState(meta) as Record<string, unknown>;
    if (v && (v.k === 'pay' || v.k === 'fwd')) return v as unknown as OutboundSource;
  } catch (e) {
    if (!(e instanceof StateDecodeError)) throw e;
  }
  return undefined;
}

/** Decodes inbound HTLC metadata. */
export function decodeInboundMeta(meta: Uint8Array | undefined): InboundMeta {
  if (!meta) return {};
  try {
    return decodeState(meta) as unknown as InboundMeta;
  } catch (e) {
    if (!(e instanceof StateDecodeError)) throw e;
    return {};
  }
}

/** Hex key of bytes (for maps). */
export const hex = bytesToHex;

/** `channelId:htlcId`, the key of an HTLC across channels. */
export function htlcKey(channelId: Uint8Array, htlcId: bigint): string {
  return `${bytesToHex(channelId)}:${htlcId}`;
}
