/** Signing inputs and assembling the witnesses of BOLT 3 transactions. */
import { compareBytes, concatBytes, signatureToDer, type Secp256k1 } from '@ln/crypto';
import { SIGHASH_ALL, segwitV0Sighash } from './tx/sighash.js';
import type { Transaction } from './tx/transaction.js';

/** A bitcoin signature: DER followed by the sighash type byte. */
export function bitcoinSignature(compactSig: Uint8Array, sighashType: number = SIGHASH_ALL): Uint8Array {
  return concatBytes(signatureToDer(compactSig), Uint8Array.of(sighashType));
}

/** Signs input `index` of `tx` (BIP 143), returning the 64-byte compact signature. */
export function signInput(secp: Secp256k1, tx: Transaction, index: number, witnessScript: Uint8Array, valueSat: bigint, secretKey: Uint8Array, sighashType: number = SIGHASH_ALL): Uint8Array {
  return secp.sign(segwitV0Sighash(tx, index, witnessScript, valueSat, sighashType), secretKey);
}

/** Verifies a compact signature on input `index`. */
export function verifyInput(secp: Secp256k1, tx: Transaction, index: number, witnessScript: Uint8Array, valueSat: bigint, signature: Uint8Array, pubkey: Uint8Array, sighashType: number = SIGHASH_ALL): boolean {
  return secp.verify(signature, segwitV0Sighash(tx, index, witnessScript, valueSat, sighashType), pubkey);
}

/** Returns `tx` with input `index`'s witness replaced. */
export function withWitness(tx: Transaction, index: number, witness: readonly Uint8Array[]): Transaction {
  return { ...tx, inputs: tx.inputs.map((i, k) => (k === index ? { ...i, witness } : i)) };
}

/**
 * The 2-of-2 funding input witness (BOLT 3): `0 <sig1> <sig2> <funding script>`, signatures in
 * the order of their public keys in the script (lexicographic), each with `SIGHASH_ALL`.
 */
export function fundingWitness(fundingScript: Uint8Array, pubkeyA: Uint8Array, sigA: Uint8Array, pubkeyB: Uint8Array, sigB: Uint8Array): Uint8Array[] {
  const [first, second] = compareBytes(pubkeyA, pubkeyB) < 0 ? [sigA, sigB] : [sigB, sigA];
  return [new Uint8Array(0), bitcoinSignature(first), bitcoinSignature(second), fundingScript];
}

/**
 * The witness of an HTLC-success or HTLC-timeout transaction (BOLT 3):
 * `0 <remotehtlcsig> <localhtlcsig> <payment_preimage | empty> <htlc script>`. With
 * `option_anchors` the counterparty's signature uses `SIGHASH_SINGLE|ANYONECANPAY`.
 */
export function htlcTxWitness(remoteSig: Uint8Array, remoteSighash: number, localSig: Uint8Array, preimage: Uint8Array | undefined, htlcScript: Uint8Array): Uint8Array[] {
  return [new Uint8Array(0), bitcoinSignature(remoteSig, remoteSighash), bitcoinSignature(localSig, SIGHASH_ALL), preimage ?? new Uint8Array(0), htlcScript];
}
