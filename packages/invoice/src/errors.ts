/** Errors of BOLT 11 decoding and encoding. */

/** Why an invoice is invalid (BOLT 11 reader requirements). */
export type InvoiceErrorCode =
  | 'no_separator'
  | 'mixed_case'
  | 'invalid_checksum'
  | 'invalid_bech32'
  | 'unknown_prefix'
  | 'invalid_amount'
  | 'invalid_multiplier'
  | 'sub_millisatoshi_precision'
  | 'too_short'
  | 'invalid_field'
  | 'non_minimal_field'
  | 'missing_payment_hash'
  | 'missing_payment_secret'
  | 'missing_description'
  | 'both_descriptions'
  | 'unknown_required_feature'
  | 'invalid_signature'
  | 'signature_not_recoverable'
  | 'high_s_signature'
  | 'invalid_input';

/** Thrown by `decodeInvoice` (the only error it throws) and by the encoders. */
export class InvoiceError extends Error {
  override readonly name = 'InvoiceError';
  constructor(
    readonly code: InvoiceErrorCode,
    message: string,
  ) {
    super(message);
  }
}
