/** Errors of the BOLT 8 handshake and transport. */

/** Why a handshake or an encrypted message failed (BOLT 8 "Handshake Exchange", "Receiving and Decrypting Messages"). */
export type NoiseErrorCode =
  /** An act or frame of the wrong size. */
  | 'short_read'
  /** The act's version byte is not 0. */
  | 'bad_version'
  /** The act's public key does not parse. */
  | 'bad_pubkey'
  /** An AEAD tag did not verify (act MAC, or a message's length or body). */
  | 'bad_tag'
  /** Act three's encrypted static key did not decrypt. */
  | 'bad_ciphertext'
  /** A message longer than 65535 bytes. */
  | 'message_too_long'
  /** The handshake is not in the state this call needs. */
  | 'bad_state'
  /** `PeerManager` refused a new connection: too many are still in the handshake or `init`. */
  | 'too_many_pending'
  /** `PeerManager` was given a descriptor it already has. */
  | 'duplicate_descriptor';

/**
 * Thrown by the handshake and transport (`act` says which act failed, when one did), and by
 * `PeerManager` when it refuses a connection (`too_many_pending`, `duplicate_descriptor`,
 * `bad_pubkey` for an invalid node id to dial).
 */
export class NoiseError extends Error {
  override readonly name = 'NoiseError';
  constructor(
    readonly code: NoiseErrorCode,
    message: string,
    readonly act?: 1 | 2 | 3,
  ) {
    super(message);
  }
}
