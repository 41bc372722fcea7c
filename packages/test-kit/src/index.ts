/**
 * `@ln/test-kit`: component-free fakes for tests and demos — an in-memory chain with a
 * recording broadcaster and UTXO lookups that verifies scripts and lock times, fee estimators, deterministic keys, an in-memory
 * `KVStore` with failure injection, and loggers. The filesystem `KVStore` is in
 * `@ln/test-kit/node`.
 *
 * @packageDocumentation
 */
export { MemoryChain, MemoryChainFilter, RecordingBroadcaster, type ChainListener, type MemoryChainOptions, type RejectedBroadcast } from './memory-chain.js';
export { TestWallet } from './test-wallet.js';
export { verifyInputScript, finalityError, sequenceLockError, signatureEncodingError, witnessProgram, TEST_SPEND_SCRIPT_SIG, type LockContext } from './script-verify.js';
export { executeScript, parseScript, decodeScriptNum, encodeScriptNum, castToBool, ScriptError, OPCODES, type ScriptContext, type ScriptOp } from './script-interpreter.js';
export { buildHeader, headerFromRaw, merkleRoot, REGTEST_GENESIS_HEADER_HEX } from './block.js';
export { parseTx, buildLegacyTx, type ParsedTx } from './tx.js';
export { FixedFeeEstimator, ScriptedFeeEstimator } from './fees.js';
export { testSeed, testNodeKey, DeterministicEntropySource } from './keys.js';
export { MemoryKVStore, InjectedWriteFailure } from './memory-kvstore.js';
export { ConsoleLogger, RecordingLogger, formatLogRecord } from './logger.js';
