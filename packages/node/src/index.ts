/**
 * `@ln/node`: `LightningNode`, the reference composition of every component (peers over
 * BOLT 8, channels, monitors, gossip, routing with a probabilistic scorer, invoices, an on-chain
 * wallet, persistence under a data directory), the `ln-node` CLI with its local control API,
 * and the multi-node demo.
 *
 * @packageDocumentation
 */
export { LightningNode, scidString } from './lightning-node.js';
export { DEFAULT_TIMERS, type LightningNodeOptions, type NodeTimers, type NodeInfo } from './options.js';
export { signedNodeAnnouncement } from './announce.js';
export { EventHub, type NodeEventListener } from './event-hub.js';
export { memoryChainSource, type NodeChainSource } from './chain.js';
export type { NodeEvent, NodeEventOf } from './events.js';
export { NodeError } from './errors.js';
export { OnChainWallet, WalletError, type WalletUtxo, type WalletBalance, type RemoteOutputToSweep } from './wallet.js';
export { PersistedOutbox, type ManagerWriter } from './outbox.js';
export { HeldWatch } from './held-watch.js';
export { NotifyingStore, SEED_KEY, MANAGER_KEY, WALLET_KEY, GRAPH_KEY, CLOSE_WATCH_KEY, SCORER_KEY, PAYMENTS_NAMESPACE, PEERS_NAMESPACE } from './store.js';
export { channelView, describeClosure, type NodeChannel } from './views.js';
export { snapshotMonitorForTests, broadcastStaleCommitmentForTests } from './test-hooks.js';
export { NodePayments, DEFAULT_PAYMENT_POLICY, type PaymentPolicy, type PaymentRecord, type PaymentResult, type PaymentsHost, type PaymentFailureCode, feeCapMsat } from './payments.js';
export { nodeBalances, type NodeBalances } from './balances.js';
export { RouterCache, type RouterBuild, type RouterCacheOptions } from './router-cache.js';
export { ReplayPoint } from './close-watch.js';
export { checkCooperativeClose, checkForceCloseSweep, checkRandomPayments, checkRetry, EXPECTED_RANDOM_FAILURES, type CloseSide, type Verdict } from './demo/checks.js';
export { pollingChainSource, parseChainSpec, type PollingChainOptions, type PollingChainSource } from './polling-chain.js';
export { startControlApi, ensureApiToken, API_TOKEN_FILE, type ControlApi } from './control-api.js';
