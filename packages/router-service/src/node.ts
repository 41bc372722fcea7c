/**
 * `@ln/router-service/node`: the Node-only parts of the router service — the HTTP server
 * (`RouterService`, `node:http`), gossip sync from peers over TCP (`PeerSync`), reading graph
 * files (`loadGraphFile`, `node:fs`/`node:zlib`) and the atomic file scorer store.
 *
 * @module
 */
export { RouterService, type RouterServiceOptions, type GraphSource } from './node/service.js';
export { PeerSync, parsePeerAddress, type PeerAddress, type PeerSyncOptions, type PeerProgress, type SyncProgress } from './node/peer-sync.js';
export { FileScorerStore } from './node/file-scorer-store.js';
export { loadGraphFile, type LoadGraphFileOptions } from './node/graph-file.js';
