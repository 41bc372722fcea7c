/**
 * `@ln/gossip`: the Lightning network graph and BOLT 7 gossip — {@link NetworkGraph} (compact,
 * snapshot-able, satisfies the router's read-only view), {@link P2PGossipSync} (validation,
 * relay, rate limits, gossip queries; `NetGraphMsgHandler` is its seed name), pluggable
 * signature checking, funding-spend pruning, and readers for real snapshot data. Worker-thread
 * signature checking is in `@ln/gossip/node`.
 *
 * @packageDocumentation
 */
export * from './graph-view.js';
export { NetworkGraph, GraphError, STALE_CHANNEL_SECONDS, type AnnouncementProof, type NewChannel, type DirectionUpdate, type NetworkGraphOptions } from './network-graph.js';
export * from './errors.js';
export * from './verifier.js';
export * from './funding.js';
export * from './chain-watch.js';
export { parseTxInputs, TxParseError, type ParsedTxInputs } from './tx-inputs.js';
export { P2PGossipSync, NetGraphMsgHandler, type P2PGossipSyncConfig, type SyncLimits, type InitialSync, type GossipStats } from './p2p-gossip-sync.js';
export { DEFAULT_PEER_GOSSIP_LIMITS, type PeerLimits } from './peer-state.js';
export { QueryInitiator, answerChannelRange, answerShortChannelIds, RangeQueryError, QUERY_OPTION, DEFAULT_QUERY_BATCH, MAX_WANTED_IDS, DEFAULT_SYNC_TIMEOUT_TICKS, maxQueryBatch, clampQueryBatch, type QueryPhase } from './query-sync.js';
export { RangeAnswer, ShortIdsAnswer, FixedAnswer, drainAnswer, REPLY_CHUNK_PLAIN, REPLY_CHUNK_WITH_EXTRAS, type QueryAnswer, type SkipChannel } from './query-answer.js';
export { storedChannelAnnouncement, storedChannelUpdate, channelUpdateChecksum, crc32c } from './stored-messages.js';
export { saveGraphSnapshot, loadGraphSnapshot, SnapshotFormatError } from './snapshot.js';
export { graphFromModel, type GraphModel, type ModelPolicy } from './snapshot-model.js';
export { readGossipStore, GossipStoreError, GOSSIP_STORE_DELETED, type GossipStoreRecord } from './gossip-store.js';
export { compareBytes, toHex, fromHex } from './bytes.js';
export { Blacklist, MAX_BLACKLIST } from './blacklist.js';
