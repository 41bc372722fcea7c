/**
 * Claim transactions (BOLT 5): justice transactions, HTLC claims on the counterparty's
 * commitment, sweeps of our delayed outputs, our pre-signed HTLC transactions and our
 * commitment itself, all signed through the channel's `EcdsaChannelSigner`.
 *
 * Fees: a claim pays `ceil(feerate × weight / 1000)` where the weight is the transaction's
 * with every signature counted at its largest size (73 bytes: 72 of DER and the sighash
 * byte), as BOLT 5 "Penalty Transactions Weight Calculation" counts them. The actual feerate
 * is thus never below the target.
 */
import type { HolderCommitmentData } from '@ln/chain-interfaces';
import { equalBytes, hash160, type Secp256k1 } from '@ln/crypto';
import {
  SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, bitcoinSignature, buildHtlcTransaction, fundingWitness, htlcTxWitness, serializeTx, txidOf,
  verifyInput, weightOf, withWitness, type BuiltCommitment, type CommitmentKeys, type EcdsaChannelSigner, type Transaction,
} from '@ln/transactions';
import { channelFundingScript, hasAnchors, secretIndexOf, type ChannelStatic } from '../commitments.js';
import { CLAIM_DUST_LIMIT_SAT } from '../constants.js';
import { MonitorError } from '../errors.js';
import type { Claimable } from './types.js';

/** A signed transaction ready to broadcast. */
export interface SignedClaim {
  readonly tx: Transaction;
  readonly raw: Uint8Array;
  readonly feeSat: bigint;
  readonly weight: number;
  readonly feeratePerKw: number;
}

const EMPTY = new Uint8Array(0);
const ONE = Uint8Array.of(1);
/** A placeholder signature of the largest size, for weight estimates. */
const MAX_SIG = new Uint8Array(73);

/** The witness of a claim input, given the signature (DER + sighash byte). */
function witnessFor(c: Claimable, sig: Uint8Array): Uint8Array[] {
  switch (c.kind) {
    case 'holder_to_local':
    case 'holder_second_stage':
    case 'cp_htlc_timeout':
      return [sig, EMPTY, c.witnessScript];
    case 'cp_htlc_preimage':
      return [sig, c.preimage ?? new Uint8Array(32), c.witnessScript];
    case 'revoked_to_local':
    case 'revoked_second_stage':
      return [sig, ONE, c.witnessScript];
    case 'revoked_htlc':
      return [sig, c.revocationPubkey!, c.witnessScript];
    default:
      throw new Error(`${c.kind} is not claimed by a sweep transaction`);
  }
}

function signInputOf(signer: EcdsaChannelSigner, tx: Transaction, i: number, c: Claimable): Uint8Array {
  switch (c.kind) {
    case 'holder_to_local':
    case 'holder_second_stage':
      return signer.signDelayedInput(tx, i, c.witnessScript, c.valueSat, c.point!);
    case 'cp_htlc_timeout':
    case 'cp_htlc_preimage':
      return signer.signCounterpartyHtlcInput(tx, i, c.witnessScript, c.valueSat, c.point!);
    case 'revoked_to_local':
    case 'revoked_second_stage':
    case 'revoked_htlc':
      return signer.signJusticeInput(tx, i, c.witnessScript, c.valueSat, c.secret!);
    default:
      throw new Error(`${c.kind} is not claimed by a sweep transaction`);
  }
}

/** Whether a claimable is taken with the revocation key (a justice input, BOLT 5 "Revoked Transaction Close Handling"). */
export function isJusticeInput(c: Claimable): boolean {
  return c.kind === 'revoked_to_local' || c.kind === 'revoked_second_stage' || c.kind === 'revoked_htlc';
}

/**
 * The revocation public key a justice input's witness script commits to (BOLT 3): the key
 * pushed after `OP_IF` in a `to_local`-style script, or, for an HTLC output, the claim's
 * `revocationPubkey` if its HASH160 is the one after `OP_DUP OP_HASH160`. `undefined` if the
 * script commits to no such key.
 */
export function justiceKeyOf(c: Claimable): Uint8Array | undefined {
  const s = c.witnessScript;
  if (c.kind === 'revoked_htlc') {
    const k = c.revocationPubkey;
    if (!k || k.length !== 33 || s.length < 23 || s[0] !== 0x76 || s[1] !== 0xa9 || s[2] !== 0x14) return undefined;
    return equalBytes(s.subarray(3, 23), hash160(k)) ? k : undefined;
  }
  if (s.length < 35 || s[0] !== 0x63 || s[1] !== 0x21) return undefined;
  return s.slice(2, 35);
}

/** The transaction claiming `inputs` to `destinationScript`, unsigned, with placeholder witnesses. */
function unsignedClaim(inputs: readonly Claimable[], destinationScript: Uint8Array, valueSat: bigint): Transaction {
  return {
    version: 2,
    locktime: Math.max(0, ...inputs.map((c) => c.locktime)),
    inputs: inputs.map((c) => ({ prevout: c.outpoint, scriptSig: EMPTY, sequence: c.sequence, witness: witnessFor(c, MAX_SIG) })),
    outputs: [{ valueSat, scriptPubkey: destinationScript }],
  };
}

/** The weight a claim of `inputs` is charged for (signatures at their largest). */
export function claimWeight(inputs: readonly Claimable[], destinationScript: Uint8Array): number {
  return weightOf(unsignedClaim(inputs, destinationScript, 0n));
}

/** `ceil(feerate × weight / 1000)`. */
export function feeFor(feeratePerKw: number, weight: number): bigint {
  return (BigInt(feeratePerKw) * BigInt(weight) + 999n) / 1000n;
}

/**
 * Builds and signs one claim transaction spending `inputs` to `destinationScript` at
 * `feeratePerKw`; `undefined` when what is left after the fee is below the dust limit.
 *
 * Every justice input's signature is verified against the revocation key its witness script
 * commits to ({@link justiceKeyOf}) before anything is returned: a secret that does not belong
 * to the commitment (or a signer deriving another key) throws `MonitorError`
 * `invalid_justice_key` instead of producing a transaction that could never confirm.
 */
export function buildClaim(inputs: readonly Claimable[], destinationScript: Uint8Array, feeratePerKw: number, signer: EcdsaChannelSigner, secp: Secp256k1): SignedClaim | undefined {
  const weight = claimWeight(inputs, destinationScript);
  const feeSat = feeFor(feeratePerKw, weight);
  const total = inputs.reduce((a, c) => a + c.valueSat, 0n);
  if (total - feeSat < CLAIM_DUST_LIMIT_SAT) return undefined;
  let tx = unsignedClaim(inputs, destinationScript, total - feeSat);
  const compact = inputs.map((c, i) => signInputOf(signer, tx, i, c));
  inputs.forEach((c, i) => {
    if (!isJusticeInput(c)) return;
    const key = justiceKeyOf(c);
    if (!key || !verifyInput(secp, tx, i, c.witnessScript, c.valueSat, compact[i]!, key)) {
      throw new MonitorError('invalid_justice_key', `justice input ${i} (${c.kind}): the revocation key derived from the secret is not the one its script commits to`);
    }
  });
  const sigs = compact.map((sig) => bitcoinSignature(sig, SIGHASH_ALL));
  inputs.forEach((c, i) => (tx = withWitness(tx, i, witnessFor(c, sigs[i]!))));
  return { tx, raw: serializeTx(tx), feeSat, weight, feeratePerKw };
}

/**
 * Our pre-signed HTLC-timeout or HTLC-success transaction for a `holder_htlc_*` claimable
 * (BOLT 3): the counterparty's signature from `commitment_signed` and ours. With anchors it
 * has no fee and needs one added by the user (see `BumpTransaction`).
 */
export function buildHolderHtlcTx(ch: ChannelStatic, c: Claimable, keys: CommitmentKeys, signer: EcdsaChannelSigner): SignedClaim | undefined {
  const p = c.presigned;
  if (!p || !c.htlc) return undefined;
  if (c.kind === 'holder_htlc_success' && !c.preimage) return undefined;
  const anchors = hasAnchors(ch.channelType);
  const unsigned = buildHtlcTransaction({
    commitmentTxid: c.outpoint.txid,
    outputIndex: c.outpoint.vout,
    htlc: { offered: c.htlc.offered, amountMsat: c.htlc.amountMsat, cltvExpiry: c.htlc.cltvExpiry, paymentHash: c.htlc.paymentHash, htlcId: c.htlc.htlcId },
    feeratePerKw: p.feeratePerKw,
    anchors,
    toSelfDelay: ch.counterpartySelectedContestDelay,
    revocationKey: keys.revocationKey,
    broadcasterDelayedPaymentKey: keys.broadcasterDelayedPaymentKey,
  });
  const ours = signer.signHolderHtlcTransaction(unsigned, c.witnessScript, c.valueSat, secretIndexOf(p.commitmentNumber));
  const witness = htlcTxWitness(p.counterpartySignature, anchors ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL, ours, c.preimage, c.witnessScript);
  const tx = withWitness(unsigned, 0, witness);
  const outValue = tx.outputs[0]!.valueSat;
  return { tx, raw: serializeTx(tx), feeSat: c.valueSat - outValue, weight: weightOf(tx), feeratePerKw: p.feeratePerKw };
}

/** Our commitment, signed by both sides (BOLT 3 funding witness), ready to broadcast. */
export function signHolderCommitment(ch: ChannelStatic, hc: HolderCommitmentData, built: BuiltCommitment, signer: EcdsaChannelSigner): { tx: Transaction; raw: Uint8Array; txid: ReturnType<typeof txidOf> } {
  const ours = signer.signHolderCommitment(built, secretIndexOf(hc.commitmentNumber), {
    fundingValueSat: ch.channelValueSat,
    counterpartyFundingPubkey: ch.counterpartyPubkeys.fundingPubkey,
    anchors: hasAnchors(ch.channelType),
    feeratePerKw: hc.feeratePerKw,
    toSelfDelay: ch.counterpartySelectedContestDelay,
  });
  const witness = fundingWitness(channelFundingScript(ch), ch.holderPubkeys.fundingPubkey, ours, ch.counterpartyPubkeys.fundingPubkey, hc.counterpartySignature);
  const tx = withWitness(built.tx, 0, witness);
  return { tx, raw: serializeTx(tx), txid: built.txid };
}
