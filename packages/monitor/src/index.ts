/**
 * `@ln/monitor`: `ChainMonitor` and `ChannelMonitor` keep a channel's funds safe on chain
 * (BOLT 5). The channel manager hands them channel state as data through the `Watch`
 * interface of `@ln/chain-interfaces` (this package never imports `@ln/channel`), so monitors
 * can also run on another machine, fed with encoded `ChannelMonitorUpdate`s.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './constants.js';
export * from './events.js';
export { ChannelMonitor, type MonitorContext } from './channel-monitor.js';
export { ChainMonitor, type ChainMonitorOptions, type ChannelBalances, type StuckChannel } from './chain-monitor.js';
export type { Persist, PersistCompletionSink } from './persist/persist.js';
export { KVStoreMonitorPersister, MONITOR_NAMESPACE, MONITOR_UPDATE_NAMESPACE, type KVStorePersisterOptions, type LoadedMonitor } from './persist/kvstore-persister.js';
export { checkMonitorsAgainstChannels, type KnownChannel, type MonitorMismatch } from './recovery.js';
export { loadMonitorsForRestart, reconcileWithChannelManager, RestartMismatchError, type MonitorSource, type RestoredMonitors, type RestartReconciliation } from './restart.js';
export { encodeChannelMonitorUpdate, decodeChannelMonitorUpdate, encodeChannelMonitorInit, decodeChannelMonitorInit, WATCH_DATA_VERSION } from './data-codec.js';
export { hasAnchors, commitmentNumberOf } from './commitments.js';
export type { Claimable, ClaimableKind, FundingSpendKind, HtlcOutcome, OnchainView, OwnedOutput, RelevantTx, SpentBy } from './onchain/types.js';
export type { MonitorState, ClaimTrack } from './monitor-state.js';
export type { RevokedCommitment } from './onchain/analysis.js';
export type { ChannelStatic } from './commitments.js';
export { claimWeight, feeFor } from './onchain/claims.js';
