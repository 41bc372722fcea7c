/**
 * Keys and signing: what the user provides (or takes from `@ln/transactions`' `KeysManager`)
 * so that the node's identity key and every channel's keys can live in a wallet, a hardware
 * signer or a remote signer. The seed's `KeysInterface`, split as LDK splits it today:
 * {@link EntropySource}, {@link NodeSigner} and {@link SignerProvider}.
 *
 * @packageDocumentation
 */

/** Secure randomness. */
export interface EntropySource {
  /** 32 bytes from a cryptographically secure source, different on every call. */
  getSecureRandomBytes(): Uint8Array;
}

/** A recoverable ECDSA signature (BOLT 11): 64-byte compact `r || s` and the recovery id 0..3. */
export interface RecoverableSignature {
  readonly signature: Uint8Array;
  readonly recoveryId: number;
}

/**
 * The node's identity key (BOLT 8 `ls`, BOLT 7 `node_id`, BOLT 11 payee key).
 * The secret itself never needs to leave the signer.
 */
export interface NodeSigner {
  /** The node id: the 33-byte compressed public key of the node secret. */
  getNodeId(): Uint8Array;
  /**
   * ECDH with the node secret, exactly as BOLT 8 defines it: `SHA256(compressed(k·P))`, where
   * `k` is the node secret, multiplied by `tweak` first when one is given (BOLT 4 blinding).
   */
  ecdh(otherKey: Uint8Array, tweak?: Uint8Array): Uint8Array;
  /** Signs a BOLT 11 invoice: `hash` is SHA256 of the human-readable part and the data (BOLT 11 "signature"). */
  signInvoice(hash: Uint8Array): RecoverableSignature;
  /**
   * Signs gossip (BOLT 7 `node_signature` of `channel_announcement`/`node_announcement`/`channel_update`):
   * `hash` is the double-SHA256 of the signed part of the message. Returns a 64-byte compact signature.
   */
  signGossipMessage(hash: Uint8Array): Uint8Array;
  /** 32 bytes of secret material from which stateless inbound payment secrets are derived. */
  getInboundPaymentKeyMaterial(): Uint8Array;
}

/** A channel's public basepoints (BOLT 2 `open_channel`/`accept_channel` fields, BOLT 3 "Key Derivation"). 33-byte compressed keys. */
export interface ChannelPublicKeys {
  readonly fundingPubkey: Uint8Array;
  readonly revocationBasepoint: Uint8Array;
  /** `payment_basepoint`; with `option_static_remotekey` it is the `to_remote` key itself. */
  readonly paymentPoint: Uint8Array;
  readonly delayedPaymentBasepoint: Uint8Array;
  readonly htlcBasepoint: Uint8Array;
}

/**
 * The BOLT 3 commitment index at which per-commitment secrets start: `2^48 - 1`.
 * Commitment number `n` uses secret index `INITIAL_COMMITMENT_INDEX - n`.
 */
export const INITIAL_COMMITMENT_INDEX = (1n << 48n) - 1n;

/**
 * A per-channel signer: holds one channel's secrets. This base interface covers what every
 * channel needs regardless of signature scheme; `@ln/transactions` extends it with the ECDSA
 * methods that sign commitment and HTLC transactions (`EcdsaChannelSigner`).
 *
 * Indices are BOLT 3 per-commitment secret indices (counting down from
 * {@link INITIAL_COMMITMENT_INDEX}).
 */
export interface ChannelSigner {
  /** The id this signer was derived from ({@link SignerProvider.generateChannelKeysId}); 32 bytes. */
  readonly channelKeysId: Uint8Array;
  /** The channel's public basepoints. */
  readonly pubkeys: ChannelPublicKeys;
  /** The per-commitment point for secret index `idx` (BOLT 3 "Per-commitment Secret Requirements"). */
  getPerCommitmentPoint(idx: bigint): Uint8Array;
  /**
   * Releases the per-commitment secret for index `idx`, revoking that holder commitment.
   * After this, the signer must refuse to sign the holder commitment of that index.
   */
  releaseCommitmentSecret(idx: bigint): Uint8Array;
}

/**
 * Creates per-channel signers and the scripts our funds are paid to.
 *
 * Caller's obligations: derivation must be deterministic — `deriveChannelSigner` with the
 * same `channelKeysId` must give the same keys across restarts, since channel state stores
 * only the id.
 */
export interface SignerProvider<S extends ChannelSigner = ChannelSigner> {
  /** A fresh 32-byte id for a new channel's keys. */
  generateChannelKeysId(inbound: boolean, channelValueSat: bigint, userChannelId: bigint): Uint8Array;
  /** The signer for a channel, from its keys id. */
  deriveChannelSigner(channelValueSat: bigint, channelKeysId: Uint8Array): S;
  /** A script our funds are swept to when a channel closes (claims, `to_local` sweeps). */
  getDestinationScript(channelKeysId: Uint8Array): Uint8Array;
  /** The `scriptpubkey` we put in `shutdown` (BOLT 2): a P2WPKH, P2WSH or P2TR script of ours. */
  getShutdownScriptpubkey(): Uint8Array;
}

/** The seed's `KeysInterface`: everything key-related a node needs, in one object. */
export type KeysInterface<S extends ChannelSigner = ChannelSigner> = EntropySource & NodeSigner & SignerProvider<S>;
