/** Errors of `@ln/transactions`. */

/** Why a transaction could not be decoded or built. */
export type TransactionErrorCode = 'short_read' | 'trailing_bytes' | 'invalid_value' | 'invalid_secret' | 'revoked_commitment' | 'insufficient_funds';

/** Thrown by this package: decoders of untrusted bytes throw nothing else. */
export class TransactionError extends Error {
  override readonly name = 'TransactionError';
  constructor(
    readonly code: TransactionErrorCode,
    message: string,
  ) {
    super(message);
  }
}
