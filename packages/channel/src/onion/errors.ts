/** Errors of the onion layer. */

/** Why an onion could not be built or peeled (BOLT 4 "Onion Decryption" requirements). */
export type OnionErrorCode =
  | 'invalid_version'
  | 'invalid_public_key'
  | 'invalid_hmac'
  | 'invalid_payload_length'
  | 'payloads_too_large'
  | 'invalid_packet_length'
  | 'too_many_hops'
  | 'invalid_failure_packet'
  | 'invalid_payload';

/** Thrown by onion functions; `code` says which BOLT 4 rule failed. */
export class OnionError extends Error {
  override readonly name = 'OnionError';
  constructor(
    readonly code: OnionErrorCode,
    message: string,
  ) {
    super(message);
  }
}
