/**
 * BOLT 3 "Key Derivation": per-commitment keys from basepoints and the per-commitment point.
 *
 * - `pubkey = basepoint + SHA256(per_commitment_point || basepoint)·G` gives `localpubkey`,
 *   `remotepubkey` (without `option_static_remotekey`), `local_htlcpubkey`,
 *   `remote_htlcpubkey`, `local_delayedpubkey` and `remote_delayedpubkey`;
 * - `revocationpubkey = revocation_basepoint·SHA256(revocation_basepoint || per_commitment_point)
 *   + per_commitment_point·SHA256(per_commitment_point || revocation_basepoint)`.
 */
import { concatBytes, sha256, type Secp256k1 } from '@ln/crypto';

/** `basepoint + SHA256(per_commitment_point || basepoint)·G`. */
export function derivePubkey(secp: Secp256k1, basepoint: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  return secp.publicKeyTweakAdd(basepoint, sha256(concatBytes(perCommitmentPoint, basepoint)));
}
/** `basepoint_secret + SHA256(per_commitment_point || basepoint)`: the secret of {@link derivePubkey}. */
export function derivePrivkey(secp: Secp256k1, basepointSecret: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  const basepoint = secp.publicKeyCreate(basepointSecret);
  return secp.privateKeyTweakAdd(basepointSecret, sha256(concatBytes(perCommitmentPoint, basepoint)));
}
/** BOLT 3 `revocationpubkey` from the revocation basepoint and a per-commitment point. */
export function deriveRevocationPubkey(secp: Secp256k1, revocationBasepoint: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  const a = secp.publicKeyTweakMul(revocationBasepoint, sha256(concatBytes(revocationBasepoint, perCommitmentPoint)));
  const b = secp.publicKeyTweakMul(perCommitmentPoint, sha256(concatBytes(perCommitmentPoint, revocationBasepoint)));
  return secp.publicKeyCombine([a, b]);
}
/**
 * BOLT 3 `revocationprivkey`: known once the counterparty reveals `per_commitment_secret`;
 * `revocation_basepoint_secret·SHA256(revocation_basepoint || per_commitment_point)
 * + per_commitment_secret·SHA256(per_commitment_point || revocation_basepoint)`.
 */
export function deriveRevocationPrivkey(secp: Secp256k1, revocationBasepointSecret: Uint8Array, perCommitmentSecret: Uint8Array): Uint8Array {
  const revocationBasepoint = secp.publicKeyCreate(revocationBasepointSecret);
  const perCommitmentPoint = secp.publicKeyCreate(perCommitmentSecret);
  const a = secp.privateKeyTweakMul(revocationBasepointSecret, sha256(concatBytes(revocationBasepoint, perCommitmentPoint)));
  const b = secp.privateKeyTweakMul(perCommitmentSecret, sha256(concatBytes(perCommitmentPoint, revocationBasepoint)));
  return secp.privateKeyTweakAdd(a, b);
}

/** The keys of one commitment transaction, from the broadcaster's point of view (BOLT 3). */
export interface CommitmentKeys {
  readonly perCommitmentPoint: Uint8Array;
  /** Revocation key: the countersignatory can spend with it once this commitment is revoked. */
  readonly revocationKey: Uint8Array;
  /** The broadcaster's `delayedpubkey` (its `to_local` and HTLC-tx outputs). */
  readonly broadcasterDelayedPaymentKey: Uint8Array;
  readonly broadcasterHtlcKey: Uint8Array;
  readonly countersignatoryHtlcKey: Uint8Array;
  /** The countersignatory's `to_remote` key: with `option_static_remotekey`, its `payment_basepoint` itself. */
  readonly countersignatoryPaymentKey: Uint8Array;
}

/**
 * Derives the keys of a commitment transaction whose broadcaster has `broadcaster` basepoints
 * and whose countersignatory has `countersignatory` basepoints, at `perCommitmentPoint` (the
 * broadcaster's). `to_remote` uses the static remote key (`option_static_remotekey`).
 */
export function deriveCommitmentKeys(
  secp: Secp256k1,
  perCommitmentPoint: Uint8Array,
  broadcaster: { delayedPaymentBasepoint: Uint8Array; htlcBasepoint: Uint8Array },
  countersignatory: { revocationBasepoint: Uint8Array; htlcBasepoint: Uint8Array; paymentPoint: Uint8Array },
): CommitmentKeys {
  return {
    perCommitmentPoint,
    revocationKey: deriveRevocationPubkey(secp, countersignatory.revocationBasepoint, perCommitmentPoint),
    broadcasterDelayedPaymentKey: derivePubkey(secp, broadcaster.delayedPaymentBasepoint, perCommitmentPoint),
    broadcasterHtlcKey: derivePubkey(secp, broadcaster.htlcBasepoint, perCommitmentPoint),
    countersignatoryHtlcKey: derivePubkey(secp, countersignatory.htlcBasepoint, perCommitmentPoint),
    countersignatoryPaymentKey: countersignatory.paymentPoint,
  };
}
