/**
 * `@ln/chain-sources`: chain backends behind `@ln/chain-interfaces` — a bitcoind JSON-RPC
 * client and an Esplora REST client, a {@link ChainPoller} that feeds `Listen`/`Confirm`
 * listeners in order with reorg detection, and `BroadcasterInterface`, `FeeEstimator` and
 * `UtxoLookup` implementations over either client. Uses the global `fetch`; runs in
 * browsers and on Node 18+.
 *
 * @packageDocumentation
 */
export { ChainSourceError, isNotFoundError, type ChainSourceErrorKind, type ChainSourceErrorInfo } from './errors.js';
export { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, type FetchLike, type HttpOptions } from './http.js';
export type { BlockSource, EstimateMode, FeeRateRequest, FeeRateSource, TransactionSubmitter, UtxoSource } from './source.js';
export { MAX_BLOCK_BYTES, checkHeaderHash, decodeBlock, decodeHeader, merkleRootOf, serializeBlock, type DecodedBlock } from './block.js';
export { BitcoindRpcClient, RPC_ERROR, isAlreadyKnownRejection, type BitcoindRpcOptions } from './bitcoind/client.js';
export {
  btcPerKvbToSatPerKw, btcToSat, decodeBlockchainInfo, decodeRawTransaction, decodeRpcEnvelope, decodeSmartFee, decodeTxOut,
  type BlockchainInfo, type SmartFeeEstimate, type TxOutInfo,
} from './bitcoind/decoders.js';
export { EsploraClient, isEsploraAlreadyKnown, type EsploraOptions } from './esplora/client.js';
export {
  decodeBlockStatus, decodeFeeEstimates, decodeOutspend, decodeTxStatus, pickEsploraEstimate, satPerVbToSatPerKw,
  type EsploraBlockStatus, type EsploraOutspend, type EsploraTxStatus,
} from './esplora/decoders.js';
export { ChainPoller, type ChainPollerOptions, type PollResult } from './poller/chain-poller.js';
export { ChainPollerFilter, type FilterableTx } from './poller/filter.js';
export { ChainBroadcaster, parentsFirst, type BroadcastResult, type ChainBroadcasterOptions } from './broadcaster.js';
export { ChainFeeEstimator, FEE_TARGET_MAP, type ChainFeeEstimatorOptions, type FeeTargetRule, type FeerateOrigin } from './fees.js';
export { ChainUtxoLookup, splitShortChannelId, type ChainUtxoLookupOptions } from './utxo.js';
export { chainClientFromSpec, type ChainSpecOptions } from './spec.js';
