/**
 * `@ln/test-kit`: component-free fakes for tests and demos — an in-memory chain with a
 * recording broadcaster and UTXO lookups, fee estimators, deterministic keys, an in-memory
 * `KVStore` with failure injection, and loggers. The filesystem `KVStore` is in
 * `@ln/test-kit/node`.
 *
 * @packageDocumentation
 */
export { MemoryChain, MemoryChainFilter, RecordingBroadcaster, type ChainListener, type MemoryChainOptions, type RejectedBroadcast } from './memory-chain.js';
export { buildHeader, headerFromRaw, merkleRoot, REGTEST_GENESIS_HEADER_HEX } from './block.js';
export { parseTx, buildLegacyTx, type ParsedTx } from './tx.js';
export { FixedFeeEstimator, ScriptedFeeEstimator } from './fees.js';
export { testSeed, testNodeKey, DeterministicEntropySource } from './keys.js';
export { MemoryKVStore, InjectedWriteFailure } from './memory-kvstore.js';
export { ConsoleLogger, RecordingLogger, formatLogRecord } from './logger.js';
