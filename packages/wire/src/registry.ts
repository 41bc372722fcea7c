/**
 * The message registry: every declared message by type number and by name, and the two
 * entry points `encodeMessage` / `decodeMessage` (BOLT 1 "Lightning Message Format": a
 * 2-byte big-endian type, the payload, an optional TLV extension).
 */
import { Reader, Writer } from './codec/io.js';
import { decodePayload, encodePayload, type MessageDef, type MessageOf } from './codec/message.js';
import { DecodeError, EncodeError } from './errors.js';
import * as b1 from './messages/bolt1.js';
import * as b2c from './messages/bolt2-close.js';
import * as b2e from './messages/bolt2-establish.js';
import * as b2i from './messages/bolt2-interactive.js';
import * as b2n from './messages/bolt2-normal.js';
import * as b7 from './messages/bolt7.js';

/** Every message this library declares. */
export const MESSAGES = [
  b1.init, b1.error, b1.warning, b1.ping, b1.pong, b1.peerStorage, b1.peerStorageRetrieval,
  b2e.openChannel, b2e.acceptChannel, b2e.fundingCreated, b2e.fundingSigned, b2e.channelReady,
  b2i.txAddInput, b2i.txAddOutput, b2i.txRemoveInput, b2i.txRemoveOutput, b2i.txComplete, b2i.txSignatures,
  b2i.txInitRbf, b2i.txAckRbf, b2i.txAbort, b2i.openChannel2, b2i.acceptChannel2, b2i.stfu,
  b2i.spliceInit, b2i.spliceAck, b2i.spliceLocked,
  b2c.shutdown, b2c.closingSigned, b2c.closingComplete, b2c.closingSig,
  b2n.updateAddHtlc, b2n.updateFulfillHtlc, b2n.updateFailHtlc, b2n.updateFailMalformedHtlc, b2n.commitmentSigned,
  b2n.revokeAndAck, b2n.updateFee, b2n.channelReestablish, b2n.startBatch,
  b7.announcementSignatures, b7.channelAnnouncement, b7.nodeAnnouncement, b7.channelUpdate,
  b7.queryShortChannelIds, b7.replyShortChannelIdsEnd, b7.queryChannelRange, b7.replyChannelRange, b7.gossipTimestampFilter,
  b7.onionMessage,
] as const;

/** A message of a type this library does not declare (BOLT 1: odd types may be ignored, even types are required). */
export interface UnknownMessage {
  readonly type: 'unknown';
  readonly typeNumber: number;
  /** Whether the type is even: the receiver must fail the connection (BOLT 1 "it's OK to be odd"). */
  readonly required: boolean;
  readonly payload: Uint8Array;
}

/** Any declared message, discriminated by `type` (the spec's message name). */
export type KnownMessage = (typeof MESSAGES)[number] extends infer D ? (D extends MessageDef ? MessageOf<D> : never) : never;
/** What `decodeMessage` returns: a declared message, or an {@link UnknownMessage}. */
export type WireMessage = KnownMessage | UnknownMessage;
/** Spec names of every declared message. */
export type MessageName = KnownMessage['type'];
/** The message type for a spec name, e.g. `MessageByName<'ping'>`. */
export type MessageByName<N extends MessageName> = Extract<KnownMessage, { type: N }>;

const byNumber = new Map<number, MessageDef>(MESSAGES.map((d) => [d.typeNumber, d as MessageDef]));
const byName = new Map<string, MessageDef>(MESSAGES.map((d) => [d.name, d as MessageDef]));

/** The declaration of a message by spec name or type number. */
export function messageDef(nameOrNumber: MessageName | number): MessageDef | undefined {
  return typeof nameOrNumber === 'number' ? byNumber.get(nameOrNumber) : byName.get(nameOrNumber);
}
/** The type number of a message name, e.g. `messageTypeNumber('channel_update') === 258`. */
export function messageTypeNumber(name: MessageName): number {
  return byName.get(name)!.typeNumber;
}

/** Gossip messages whose signatures cover every byte after their signature fields (BOLT 7). */
const SIGNED_OFFSET: Record<string, number> = { channel_announcement: 2 + 4 * 64, node_announcement: 2 + 64, channel_update: 2 + 64 };
const signedBytesKey = Symbol('signedBytes');

/**
 * The exact bytes a gossip message's signatures cover (BOLT 7: for `channel_announcement`,
 * everything after the four signatures; for `node_announcement` and `channel_update`,
 * everything after the signature), as received — so signature checks never depend on
 * re-encoding. Defined for messages produced by {@link decodeMessage}; `undefined` otherwise.
 */
export function signedBytesOf(msg: WireMessage): Uint8Array | undefined {
  return (msg as unknown as Record<symbol, Uint8Array | undefined>)[signedBytesKey];
}

/**
 * Decodes one Lightning message: 2-byte type, then payload and TLV extension. Unknown types
 * give an {@link UnknownMessage}. Throws only {@link DecodeError}.
 */
export function decodeMessage(bytes: Uint8Array): WireMessage {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('invalid_value', 'message must be a Uint8Array');
  if (bytes.length < 2) throw new DecodeError('short_read', `message of ${bytes.length} bytes has no type`);
  const typeNumber = (bytes[0]! << 8) | bytes[1]!;
  const def = byNumber.get(typeNumber);
  if (!def) return { type: 'unknown', typeNumber, required: typeNumber % 2 === 0, payload: bytes.slice(2) };
  let msg: Record<string, unknown>;
  try {
    msg = decodePayload(new Reader(bytes, 2), def);
  } catch (e) {
    if (e instanceof DecodeError) throw new DecodeError(e.code, `${def.name}: ${e.message}`);
    throw new DecodeError('invalid_value', `${def.name}: ${(e as Error).message}`);
  }
  const offset = SIGNED_OFFSET[def.name];
  if (offset !== undefined) Object.defineProperty(msg, signedBytesKey, { value: bytes.subarray(offset), enumerable: false });
  return msg as unknown as WireMessage;
}

/** Encodes a message with its 2-byte type. Unknown messages are re-encoded from their payload. */
export function encodeMessage(msg: WireMessage): Uint8Array {
  if (msg.type === 'unknown') {
    const out = new Uint8Array(2 + msg.payload.length);
    out[0] = msg.typeNumber >> 8;
    out[1] = msg.typeNumber & 0xff;
    out.set(msg.payload, 2);
    return out;
  }
  const def = byName.get(msg.type);
  if (!def) throw new EncodeError(`unknown message type ${String((msg as { type: unknown }).type)}`);
  const w = new Writer(256);
  w.u16(def.typeNumber);
  encodePayload(w, def, msg as unknown as Record<string, unknown>);
  return w.finish();
}

/** Builds a message value with an empty `tlvs` when omitted: `makeMessage('ping', { numPongBytes: 4, ignored: new Uint8Array(0) })`. */
export function makeMessage<N extends MessageName>(type: N, fields: Omit<MessageByName<N>, 'type' | 'tlvs'> & { tlvs?: MessageByName<N>['tlvs'] }): MessageByName<N> {
  return { tlvs: {}, ...fields, type } as unknown as MessageByName<N>;
}
