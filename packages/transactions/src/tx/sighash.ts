/** BIP 143 signature hashes for segwit v0 inputs: `SIGHASH_ALL` and `SIGHASH_SINGLE|ANYONECANPAY` (anchor HTLC transactions). */
import { concatBytes, sha256d } from '@ln/crypto';
import { TransactionError } from '../errors.js';
import { varBytes, type Transaction } from './transaction.js';

/** `SIGHASH_ALL`. */
export const SIGHASH_ALL = 0x01;
/** `SIGHASH_SINGLE | SIGHASH_ANYONECANPAY`: what the counterparty uses on anchor HTLC transactions (BOLT 3). */
export const SIGHASH_SINGLE_ANYONECANPAY = 0x83;

const u32le = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
const u64le = (v: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};
const outputBytes = (o: { valueSat: bigint; scriptPubkey: Uint8Array }) => concatBytes(u64le(o.valueSat), varBytes(o.scriptPubkey));

/**
 * The BIP 143 digest for input `index` spending `valueSat` locked by `witnessScript`
 * (the script code), with `sighashType` `SIGHASH_ALL` or `SIGHASH_SINGLE|ANYONECANPAY`.
 */
export function segwitV0Sighash(tx: Transaction, index: number, witnessScript: Uint8Array, valueSat: bigint, sighashType: number = SIGHASH_ALL): Uint8Array {
  const input = tx.inputs[index];
  if (!input) throw new TransactionError('invalid_value', `no input ${index}`);
  const anyoneCanPay = (sighashType & 0x80) !== 0;
  const base = sighashType & 0x1f;
  if (base !== SIGHASH_ALL && base !== 0x03) throw new TransactionError('invalid_value', `unsupported sighash type 0x${sighashType.toString(16)}`);
  const zero = new Uint8Array(32);
  const hashPrevouts = anyoneCanPay ? zero : sha256d(concatBytes(...tx.inputs.flatMap((i) => [i.prevout.txid, u32le(i.prevout.vout)])));
  const hashSequence = anyoneCanPay || base !== SIGHASH_ALL ? zero : sha256d(concatBytes(...tx.inputs.map((i) => u32le(i.sequence))));
  let hashOutputs: Uint8Array = zero;
  if (base === SIGHASH_ALL) hashOutputs = sha256d(concatBytes(...tx.outputs.map(outputBytes)));
  else if (index < tx.outputs.length) hashOutputs = sha256d(outputBytes(tx.outputs[index]!));
  const preimage = concatBytes(
    u32le(tx.version),
    hashPrevouts,
    hashSequence,
    input.prevout.txid,
    u32le(input.prevout.vout),
    varBytes(witnessScript),
    u64le(valueSat),
    u32le(input.sequence),
    hashOutputs,
    u32le(tx.locktime),
    u32le(sighashType),
  );
  return sha256d(preimage);
}
