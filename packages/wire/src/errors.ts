/** The one error type decoders of `@ln/wire` throw. */

/** Why bytes could not be decoded. */
export type DecodeErrorCode =
  /** The input ended inside a field. */
  | 'short_read'
  /** A BigSize, truncated integer or TLV length/type was not minimally encoded. */
  | 'non_canonical'
  /** A field's value is not allowed (e.g. an invalid point, a bad flag combination). */
  | 'invalid_value'
  /** A TLV stream has types that are not strictly increasing. */
  | 'tlv_not_increasing'
  /** A TLV stream has the same type twice. */
  | 'tlv_duplicate'
  /** A TLV record's value is longer or shorter than its declared fields. */
  | 'tlv_length_mismatch'
  /** An unknown even TLV type ("it's OK to be odd"). */
  | 'unknown_even_tlv'
  /** A message type number this library does not know and which is even. */
  | 'unknown_even_message'
  /** Bytes left after a complete message where none are allowed. */
  | 'trailing_bytes'
  /** An encoding the spec forbids or we do not support (e.g. zlib-compressed short ids). */
  | 'unsupported_encoding';

/**
 * Thrown by every decoder of untrusted bytes in `@ln/wire`. No other exception escapes a
 * decoder: out-of-range reads, bad lengths and invalid values all become a `DecodeError`.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by encoders when a value cannot be encoded (wrong length, out of range). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}
