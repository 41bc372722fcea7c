/**
 * Transaction verification for the in-memory chain: segwit v0 input scripts (P2WPKH and
 * P2WSH with the BOLT 3 scripts, BIP 143 signatures), absolute lock times (nLockTime finality,
 * BIP 65) and relative lock times (BIP 68 / BIP 112), as Bitcoin Core's mempool would check
 * them for the next block. Used by `MemoryChain.submitToMempool`, so every test that mines a
 * Lightning transaction proves bitcoind would have accepted it.
 */
import type { TxOut } from '@ln/chain-interfaces';
import { defaultSecp256k1, equalBytes, isHighS, sha256, signatureFromDer, type Secp256k1 } from '@ln/crypto';
import { segwitV0Sighash, type Transaction } from '@ln/transactions';
import { castToBool, executeScript, parseScript, ScriptError, type ScriptContext } from './script-interpreter.js';

/** `nSequence` bit 31: relative lock time disabled (BIP 68). */
const SEQUENCE_DISABLE = 0x80000000;
/** `nSequence` bit 22: the relative lock is in units of 512 seconds (BIP 68). */
const SEQUENCE_TYPE_TIME = 0x00400000;
const SEQUENCE_MASK = 0x0000ffff;
const LOCKTIME_THRESHOLD = 500_000_000;
const FINAL = 0xffffffff;

/**
 * The scriptSig that marks a test's hand-made spend (`buildLegacyTx([{ outpoint, scriptSig: OP_TRUE }], ...)`),
 * accepted unchecked, with or without a witness. Bitcoin refuses any non-empty scriptSig on a
 * segwit spend, and no Lightning transaction has one, so a library transaction never carries it.
 */
export const TEST_SPEND_SCRIPT_SIG = Uint8Array.of(0x51);

/**
 * Whether bitcoin would accept `sig` (DER + sighash byte) as Core's standardness rules
 * require for segwit v0: BIP 66 strict DER, a defined sighash type, low S (BIP 146).
 * Returns the failed rule, or `undefined`.
 */
export function signatureEncodingError(sig: Uint8Array): string | undefined {
  const hashType = sig[sig.length - 1]!;
  const base = hashType & ~0x80;
  if (base < 1 || base > 3) return `undefined sighash type 0x${hashType.toString(16)}`;
  let compact: Uint8Array;
  try {
    compact = signatureFromDer(sig.subarray(0, sig.length - 1));
  } catch (e) {
    return `non-strict DER signature (${(e as Error).message})`;
  }
  if (isHighS(compact)) return 'high-S signature (BIP 146 LOW_S)';
  return undefined;
}

/** A witness program: version 0..16 and a 2..40-byte program (BIP 141), or `undefined`. */
export function witnessProgram(scriptPubkey: Uint8Array): { version: number; program: Uint8Array } | undefined {
  const s = scriptPubkey;
  if (s.length < 4 || s.length > 42) return undefined;
  const v = s[0]!;
  if (v !== 0 && (v < 0x51 || v > 0x60)) return undefined;
  if (s[1] !== s.length - 2) return undefined;
  return { version: v === 0 ? 0 : v - 0x50, program: s.subarray(2) };
}

const p2pkhScriptCode = (keyHash: Uint8Array) => Uint8Array.from([0x76, 0xa9, 0x14, ...keyHash, 0x88, 0xac]);

/** The script context of input `index` of `tx`: BIP 143 CHECKSIG, BIP 65 CLTV, BIP 112 CSV. */
function segwitContext(tx: Transaction, index: number, valueSat: bigint, secp: Secp256k1): ScriptContext {
  const input = tx.inputs[index]!;
  return {
    checkSig(sig, pubkey, scriptCode) {
      const encodingError = signatureEncodingError(sig);
      if (encodingError) throw new ScriptError(encodingError);
      if (pubkey.length !== 33 || (pubkey[0] !== 2 && pubkey[0] !== 3)) throw new ScriptError('public key not compressed (WITNESS_PUBKEYTYPE)');
      const hashType = sig[sig.length - 1]!;
      if ((hashType & 0x1f) === 2) throw new ScriptError('SIGHASH_NONE is not supported by this verifier');
      const digest = segwitV0Sighash(tx, index, scriptCode, valueSat, hashType);
      return secp.verify(signatureFromDer(sig.subarray(0, sig.length - 1)), digest, pubkey);
    },
    checkLockTime(locktime) {
      if (input.sequence === FINAL) throw new ScriptError('OP_CHECKLOCKTIMEVERIFY with a final nSequence');
      if ((locktime < LOCKTIME_THRESHOLD) !== (tx.locktime < LOCKTIME_THRESHOLD)) throw new ScriptError('OP_CHECKLOCKTIMEVERIFY lock time type differs from nLockTime');
      if (locktime > tx.locktime) throw new ScriptError(`OP_CHECKLOCKTIMEVERIFY ${locktime} > nLockTime ${tx.locktime}`);
    },
    checkSequence(sequence) {
      const txSeq = input.sequence;
      if (tx.version < 2) throw new ScriptError('OP_CHECKSEQUENCEVERIFY in a version 1 transaction');
      if (txSeq & SEQUENCE_DISABLE) throw new ScriptError('OP_CHECKSEQUENCEVERIFY with the nSequence disable flag set');
      if ((txSeq & SEQUENCE_TYPE_TIME) !== (sequence & SEQUENCE_TYPE_TIME)) throw new ScriptError('OP_CHECKSEQUENCEVERIFY lock type differs from nSequence');
      if ((sequence & SEQUENCE_MASK) > (txSeq & SEQUENCE_MASK)) throw new ScriptError(`OP_CHECKSEQUENCEVERIFY ${sequence & SEQUENCE_MASK} > nSequence ${txSeq & SEQUENCE_MASK}`);
    },
  };
}

function requireCleanStack(stack: Uint8Array[]): void {
  if (stack.length !== 1) throw new ScriptError(`${stack.length} stack elements left (CLEANSTACK)`);
  if (!castToBool(stack[0]!)) throw new ScriptError('script evaluated to false');
}

/**
 * Verifies input `index` of `tx` spending `spent`. Returns what failed, or `undefined` when
 * the input is valid. P2WPKH and P2WSH inputs are fully checked; an input whose scriptSig is
 * exactly {@link TEST_SPEND_SCRIPT_SIG} is a test's hand-made spend and passes; other witness versions, P2SH and signature-checking legacy scripts are refused
 * as unsupported.
 */
export function verifyInputScript(tx: Transaction, index: number, spent: TxOut, secp: Secp256k1 = defaultSecp256k1()): string | undefined {
  const input = tx.inputs[index];
  if (!input) return `no input ${index}`;
  if (equalBytes(input.scriptSig, TEST_SPEND_SCRIPT_SIG)) return undefined;
  try {
    const wp = witnessProgram(spent.scriptPubkey);
    if (wp) {
      if (input.scriptSig.length) throw new ScriptError('non-empty scriptSig spending a witness program');
      if (wp.version !== 0) throw new ScriptError(`witness version ${wp.version} is not supported by this verifier`);
      const ctx = segwitContext(tx, index, spent.valueSat, secp);
      if (wp.program.length === 20) {
        if (input.witness.length !== 2) throw new ScriptError(`P2WPKH witness has ${input.witness.length} items, not 2`);
        const code = p2pkhScriptCode(wp.program);
        const stack = executeScript(code, [...input.witness], ctx);
        requireCleanStack(stack);
        return undefined;
      }
      if (wp.program.length === 32) {
        if (input.witness.length === 0) throw new ScriptError('empty witness spending P2WSH');
        const witnessScript = input.witness[input.witness.length - 1]!;
        if (!equalBytes(sha256(witnessScript), wp.program)) throw new ScriptError('witness script does not match the P2WSH program');
        const items = input.witness.slice(0, -1);
        if (items.some((i) => i.length > 520)) throw new ScriptError('witness item larger than 520 bytes');
        requireCleanStack(executeScript(witnessScript, [...items], ctx));
        return undefined;
      }
      throw new ScriptError(`witness v0 program of ${wp.program.length} bytes`);
    }
    if (input.witness.length) throw new ScriptError('witness spending a non-witness output');
    const spk = spent.scriptPubkey;
    if (spk.length === 23 && spk[0] === 0xa9 && spk[1] === 0x14 && spk[22] === 0x87) throw new ScriptError('P2SH spends are not supported by this verifier');
    if (parseScript(input.scriptSig).some((o) => o.op > 0x60)) throw new ScriptError('scriptSig is not push-only');
    const legacy: ScriptContext = {
      checkSig: () => { throw new ScriptError('legacy signature checks are not supported by this verifier'); },
      checkLockTime: () => { throw new ScriptError('legacy OP_CHECKLOCKTIMEVERIFY is not supported by this verifier'); },
      checkSequence: () => { throw new ScriptError('legacy OP_CHECKSEQUENCEVERIFY is not supported by this verifier'); },
    };
    const stack = executeScript(spk, executeScript(input.scriptSig, [], legacy), legacy);
    if (!stack.length || !castToBool(stack[stack.length - 1]!)) throw new ScriptError('script evaluated to false');
    return undefined;
  } catch (e) {
    if (e instanceof ScriptError) return e.message;
    return `verifier error: ${(e as Error).message}`;
  }
}

/** Where the spent outputs of a transaction sit and what the chain looks like for the next block. */
export interface LockContext {
  /** The height of the block the transaction would go into (tip + 1). */
  readonly nextHeight: number;
  /** Median time past of the tip (BIP 113), for time-based lock times. */
  readonly tipMedianTimePast: number;
  /** Median time past of the block at `height`. */
  medianTimePast(height: number): number;
}

/** nLockTime finality for the next block (BIP 113 for time locks). Returns the failure, or `undefined`. */
export function finalityError(tx: Transaction, ctx: LockContext): string | undefined {
  if (tx.locktime === 0) return undefined;
  const limit = tx.locktime < LOCKTIME_THRESHOLD ? ctx.nextHeight : ctx.tipMedianTimePast;
  if (tx.locktime < limit) return undefined;
  if (tx.inputs.every((i) => i.sequence === FINAL)) return undefined;
  return tx.locktime < LOCKTIME_THRESHOLD
    ? `nLockTime ${tx.locktime} not below the next block's height ${ctx.nextHeight}`
    : `nLockTime ${tx.locktime} not below the median time past ${ctx.tipMedianTimePast}`;
}

/**
 * BIP 68 relative lock times of every input for the next block. `coinHeights[i]` is the
 * height of the block that confirmed input i's spent output (`undefined` for a mempool output,
 * which counts as confirmed in the next block, as Core does). Returns the failure, or `undefined`.
 */
export function sequenceLockError(tx: Transaction, coinHeights: readonly (number | undefined)[], ctx: LockContext): string | undefined {
  if (tx.version < 2) return undefined;
  for (let i = 0; i < tx.inputs.length; i++) {
    const seq = tx.inputs[i]!.sequence;
    if (seq & SEQUENCE_DISABLE) continue;
    const coinHeight = coinHeights[i] ?? ctx.nextHeight;
    const value = seq & SEQUENCE_MASK;
    if (seq & SEQUENCE_TYPE_TIME) {
      const minTime = ctx.medianTimePast(Math.max(coinHeight - 1, 0)) + value * 512 - 1;
      if (minTime >= ctx.tipMedianTimePast) return `relative lock of ${value * 512} s not met (input ${i}, output confirmed at height ${coinHeight})`;
    } else if (coinHeight + value - 1 >= ctx.nextHeight) {
      return `relative lock of ${value} blocks not met in block ${ctx.nextHeight} (input ${i}, output ${coinHeights[i] === undefined ? 'unconfirmed' : `confirmed at height ${coinHeight}`})`;
    }
  }
  return undefined;
}
