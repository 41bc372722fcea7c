/**
 * `@ln/integration-tests`: the multi-node harness (in the spirit of rust-lightning's
 * `functional_test_utils`) that joins the components for real — `ChannelManager`
 * (`@ln/channel`), `ChainMonitor` with its `KVStore` persister (`@ln/monitor`), gossip
 * (`@ln/gossip`) and, in the TCP variant, `PeerManager`s (`@ln/noise-peer`) — on one shared
 * `MemoryChain`. Other packages' tests (e.g. `@ln/node`) reuse it.
 *
 * @packageDocumentation
 */
export { Network, defaultFees, type AddNodeOptions, type OpenedChannel, type ChainFeed, type NetworkOptions, type EventOf, type MonitorEventOf } from './harness/network.js';
export { HarnessNode, FilesystemNodeStore, MANAGER_NAMESPACE, MANAGER_KEY, type NodeSpec, type NodeStore, type RestartReport } from './harness/node.js';
export { CrashableStore, ProcessKilled, InjectedWriteFailure, type WriteRecord } from './harness/crash-store.js';
export { channelLedger, ownedBy, type ChannelLedger, type LedgerLeaf } from './harness/ledger.js';
export { channelBetween, routeThrough, sendPayment, claimAll, type SentPayment } from './harness/payments.js';
export { TcpNetwork } from './harness/tcp.js';
