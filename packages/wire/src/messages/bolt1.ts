/** BOLT 1 messages: setup (`init`), control (`error`, `warning`, `ping`, `pong`) and peer storage. */
import { defineMessage, type MessageOf } from '../codec/message.js';
import { chainHash, channelId, restArray, restBytes, u16, u16Bytes } from '../codec/primitives.js';
import { tlv } from '../codec/tlv.js';

/** BOLT 1 `init` (16). `tlvs.networks`: the chains the node is interested in; `tlvs.remoteAddr`: the peer's address as we see it (an address descriptor). */
export const init = defineMessage(16, 'init', { globalfeatures: u16Bytes, features: u16Bytes }, {
  networks: tlv(1, restArray(chainHash)),
  remoteAddr: tlv(3, restBytes),
});
/** BOLT 1 `error` (17): `channelId` all zeros means every channel; `data` is usually printable ASCII. */
export const error = defineMessage(17, 'error', { channelId, data: u16Bytes });
/** BOLT 1 `warning` (1). */
export const warning = defineMessage(1, 'warning', { channelId, data: u16Bytes });
/** BOLT 1 `ping` (18): the peer answers with a `pong` of `numPongBytes` ignored bytes (unless ≥ 65532). */
export const ping = defineMessage(18, 'ping', { numPongBytes: u16, ignored: u16Bytes });
/** BOLT 1 `pong` (19). */
export const pong = defineMessage(19, 'pong', { ignored: u16Bytes });
/** BOLT 1 `peer_storage` (7, `option_provide_storage`). */
export const peerStorage = defineMessage(7, 'peer_storage', { blob: u16Bytes });
/** BOLT 1 `peer_storage_retrieval` (9). */
export const peerStorageRetrieval = defineMessage(9, 'peer_storage_retrieval', { blob: u16Bytes });

export type Init = MessageOf<typeof init>;
export type ErrorMessage = MessageOf<typeof error>;
export type Warning = MessageOf<typeof warning>;
export type Ping = MessageOf<typeof ping>;
export type Pong = MessageOf<typeof pong>;
export type PeerStorage = MessageOf<typeof peerStorage>;
export type PeerStorageRetrieval = MessageOf<typeof peerStorageRetrieval>;
