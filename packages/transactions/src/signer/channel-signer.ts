/**
 * Per-channel signing: the `EcdsaChannelSigner` interface (extending `ChannelSigner` of
 * `@ln/chain-interfaces`, as LDK's `EcdsaChannelSigner` extends `ChannelSigner`) and the
 * `InMemoryChannelSigner` that holds a channel's secrets.
 *
 * It refuses to sign a holder commitment whose per-commitment secret it has released:
 * broadcasting a revoked state would hand every satoshi to the counterparty.
 */
import type { ChannelPublicKeys, ChannelSigner } from '@ln/chain-interfaces';
import { INITIAL_COMMITMENT_INDEX } from '@ln/chain-interfaces';
import type { Secp256k1 } from '@ln/crypto';
import type { BuiltCommitment } from '../commitment/commitment.js';
import { buildHtlcTransaction } from '../commitment/htlc-tx.js';
import { TransactionError } from '../errors.js';
import { derivePrivkey, deriveRevocationPrivkey, type CommitmentKeys } from '../keys/derivation.js';
import { perCommitmentSecret } from '../keys/shachain.js';
import { fundingScript } from '../scripts.js';
import { SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY } from '../tx/sighash.js';
import type { Transaction } from '../tx/transaction.js';
import { signInput } from '../witness.js';

/** What signing a commitment needs to know about the channel. */
export interface ChannelSigningContext {
  readonly fundingValueSat: bigint;
  readonly counterpartyFundingPubkey: Uint8Array;
  readonly anchors: boolean;
  readonly feeratePerKw: number;
  /** The delay on the commitment broadcaster's outputs. */
  readonly toSelfDelay: number;
}

/** The ECDSA signing operations of a channel (BOLT 3 transactions). */
export interface EcdsaChannelSigner extends ChannelSigner {
  /** Signs the counterparty's commitment and its HTLC transactions (`commitment_signed`). */
  signCounterpartyCommitment(commitment: BuiltCommitment, keys: CommitmentKeys, ctx: ChannelSigningContext): { signature: Uint8Array; htlcSignatures: Uint8Array[] };
  /** Signs our own commitment for broadcast; throws `revoked_commitment` if its secret was released. */
  signHolderCommitment(commitment: BuiltCommitment, commitmentIndex: bigint, ctx: ChannelSigningContext): Uint8Array;
  /** Signs our HTLC-success/timeout transaction spending output `outputIndex` of our commitment. */
  signHolderHtlcTransaction(tx: Transaction, witnessScript: Uint8Array, amountSat: bigint, commitmentIndex: bigint): Uint8Array;
  /** Signs an input spending a revoked counterparty output through the revocation key (justice). */
  signJusticeInput(tx: Transaction, index: number, witnessScript: Uint8Array, amountSat: bigint, perCommitmentSecret: Uint8Array): Uint8Array;
  /** Signs an input spending a counterparty-commitment HTLC output with our HTLC key at their point. */
  signCounterpartyHtlcInput(tx: Transaction, index: number, witnessScript: Uint8Array, amountSat: bigint, theirPerCommitmentPoint: Uint8Array): Uint8Array;
  /** Signs an input spending our delayed output (`to_local` or an HTLC-tx output) at our point. */
  signDelayedInput(tx: Transaction, index: number, witnessScript: Uint8Array, amountSat: bigint, ourPerCommitmentPoint: Uint8Array): Uint8Array;
  /** Signs an input spending our `to_remote` output (static remote key = our payment basepoint). */
  signToRemoteInput(tx: Transaction, index: number, witnessScript: Uint8Array, amountSat: bigint): Uint8Array;
  /** Signs a closing transaction (either variant). */
  signClosingTransaction(tx: Transaction, ctx: Pick<ChannelSigningContext, 'fundingValueSat' | 'counterpartyFundingPubkey'>): Uint8Array;
  /** Signs a `channel_announcement` hash with the funding (bitcoin) key. */
  signChannelAnnouncementWithFundingKey(hash: Uint8Array): Uint8Array;
}

/** A channel's secrets, as `KeysManager` derives them. */
export interface ChannelSecrets {
  readonly fundingKey: Uint8Array;
  readonly revocationBaseKey: Uint8Array;
  readonly paymentKey: Uint8Array;
  readonly delayedPaymentBaseKey: Uint8Array;
  readonly htlcBaseKey: Uint8Array;
  readonly commitmentSeed: Uint8Array;
}

/** An `EcdsaChannelSigner` holding the channel's secrets in memory. */
export class InMemoryChannelSigner implements EcdsaChannelSigner {
  readonly pubkeys: ChannelPublicKeys;
  /** Lowest index whose secret was released: holder commitments at this index or above are revoked. */
  private revokedFrom: bigint = INITIAL_COMMITMENT_INDEX + 1n;

  constructor(
    private readonly secp: Secp256k1,
    readonly channelKeysId: Uint8Array,
    private readonly secrets: ChannelSecrets,
  ) {
    this.pubkeys = {
      fundingPubkey: secp.publicKeyCreate(secrets.fundingKey),
      revocationBasepoint: secp.publicKeyCreate(secrets.revocationBaseKey),
      paymentPoint: secp.publicKeyCreate(secrets.paymentKey),
      delayedPaymentBasepoint: secp.publicKeyCreate(secrets.delayedPaymentBaseKey),
      htlcBasepoint: secp.publicKeyCreate(secrets.htlcBaseKey),
    };
  }

  getPerCommitmentPoint(idx: bigint): Uint8Array {
    return this.secp.publicKeyCreate(perCommitmentSecret(this.secrets.commitmentSeed, idx));
  }
  releaseCommitmentSecret(idx: bigint): Uint8Array {
    if (idx < this.revokedFrom) this.revokedFrom = idx;
    return perCommitmentSecret(this.secrets.commitmentSeed, idx);
  }
  /** Whether the holder commitment at `idx` has been revoked (its secret released). */
  isRevoked(idx: bigint): boolean {
    return idx >= this.revokedFrom;
  }

  private fundingWitnessScript(counterpartyFundingPubkey: Uint8Array): Uint8Array {
    return fundingScript(this.pubkeys.fundingPubkey, counterpartyFundingPubkey);
  }

  signCounterpartyCommitment(commitment: BuiltCommitment, keys: CommitmentKeys, ctx: ChannelSigningContext) {
    const signature = signInput(this.secp, commitment.tx, 0, this.fundingWitnessScript(ctx.counterpartyFundingPubkey), ctx.fundingValueSat, this.secrets.fundingKey);
    const htlcKey = derivePrivkey(this.secp, this.secrets.htlcBaseKey, keys.perCommitmentPoint);
    const sighash = ctx.anchors ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL;
    const htlcSignatures = commitment.htlcOutputs.map((o) => {
      const tx = buildHtlcTransaction({
        commitmentTxid: commitment.txid, outputIndex: o.outputIndex, htlc: o.htlc, feeratePerKw: ctx.feeratePerKw, anchors: ctx.anchors,
        toSelfDelay: ctx.toSelfDelay, revocationKey: keys.revocationKey, broadcasterDelayedPaymentKey: keys.broadcasterDelayedPaymentKey,
      });
      return signInput(this.secp, tx, 0, o.witnessScript, o.htlc.amountMsat / 1000n, htlcKey, sighash);
    });
    return { signature, htlcSignatures };
  }

  signHolderCommitment(commitment: BuiltCommitment, commitmentIndex: bigint, ctx: ChannelSigningContext): Uint8Array {
    if (this.isRevoked(commitmentIndex)) {
      throw new TransactionError('revoked_commitment', `refusing to sign holder commitment ${commitmentIndex}: its per-commitment secret was released`);
    }
    return signInput(this.secp, commitment.tx, 0, this.fundingWitnessScript(ctx.counterpartyFundingPubkey), ctx.fundingValueSat, this.secrets.fundingKey);
  }

  signHolderHtlcTransaction(tx: Transaction, witnessScript: Uint8Array, amountSat: bigint, commitmentIndex: bigint): Uint8Array {
    if (this.isRevoked(commitmentIndex)) {
      throw new TransactionError('revoked_commitment', `refusing to sign an HTLC transaction of revoked holder commitment ${commitmentIndex}`);
    }
    const key = derivePrivkey(this.secp, this.secrets.htlcBaseKey, this.getPerCommitmentPoint(commitmentIndex));
    return signInput(this.secp, tx, 0, witnessScript, amountSat, key);
  }

  signJusticeInput(tx: Transaction, index: number, witnessScript: Uint8Array, amountSat: bigint, secret: Uint8Array): Uint8Array {
    const key = deriveRevocationPrivkey(this.secp, this.secrets.revocationBaseKey, secret);
    return signInput(this.secp, tx, index, witnessScript, amountSat, key);
  }

  signCounterpartyHtlcInput(tx: Transaction, index: number, witnessScript: Uint8Array, amountSat: bigint, theirPerCommitmentPoint: Uint8Array): Uint8Array {
    const key = derivePrivkey(this.secp, this.secrets.htlcBaseKey, theirPerCommitmentPoint);
    return signInput(this.secp, tx, index, witnessScript, amountSat, key);
  }

  signDelayedInput(tx: Transaction, index: number, witnessScript: Uint8Array, amountSat: bigint, ourPerCommitmentPoint: Uint8Array): Uint8Array {
    const key = derivePrivkey(this.secp, this.secrets.delayedPaymentBaseKey, ourPerCommitmentPoint);
    return signInput(this.secp, tx, index, witnessScript, amountSat, key);
  }

  signToRemoteInput(tx: Transaction, index: number, witnessScript: Uint8Array, amountSat: bigint): Uint8Array {
    return signInput(this.secp, tx, index, witnessScript, amountSat, this.secrets.paymentKey);
  }

  signClosingTransaction(tx: Transaction, ctx: Pick<ChannelSigningContext, 'fundingValueSat' | 'counterpartyFundingPubkey'>): Uint8Array {
    return signInput(this.secp, tx, 0, this.fundingWitnessScript(ctx.counterpartyFundingPubkey), ctx.fundingValueSat, this.secrets.fundingKey);
  }

  signChannelAnnouncementWithFundingKey(hash: Uint8Array): Uint8Array {
    return this.secp.sign(hash, this.secrets.fundingKey);
  }
}
