/**
 * The one error class of this package. Every failure of a client, decoder or adapter is a
 * {@link ChainSourceError}; its `kind` says what went wrong.
 *
 * @packageDocumentation
 */

/** What went wrong. */
export type ChainSourceErrorKind =
  /** The server answered with an HTTP error status (and no JSON-RPC error object). */
  | 'http'
  /** bitcoind answered with a JSON-RPC error object (`rpcCode`, message). */
  | 'rpc'
  /** The response could not be decoded: bad JSON, wrong shape, bad hex, truncated block. */
  | 'malformed'
  /** The request did not complete within the client's timeout. */
  | 'timeout'
  /** The request never got an answer: connection refused, reset, DNS, response too large. */
  | 'network'
  /** The data decoded but contradicts itself or the request (hash, merkle root, prev hash). */
  | 'inconsistent'
  /** A reorg reached below the poller's `maxReorgDepth`. */
  | 'reorg_too_deep';

/** Fields of a {@link ChainSourceError} besides its message. */
export interface ChainSourceErrorInfo {
  /** The RPC method or REST path the error came from. */
  readonly endpoint?: string;
  /** The HTTP status, when the server sent one. */
  readonly status?: number;
  /** The bitcoind JSON-RPC error code (`kind === 'rpc'`). */
  readonly rpcCode?: number;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * Every error this package throws or rejects with. Decoders of untrusted responses throw
 * nothing else (no `TypeError`, `RangeError` or `SyntaxError`).
 */
export class ChainSourceError extends Error {
  override readonly name = 'ChainSourceError';
  readonly kind: ChainSourceErrorKind;
  readonly endpoint: string;
  readonly status?: number;
  readonly rpcCode?: number;
  constructor(kind: ChainSourceErrorKind, message: string, info: ChainSourceErrorInfo = {}) {
    super(info.endpoint ? `${info.endpoint}: ${message}` : message, info.cause === undefined ? undefined : { cause: info.cause });
    this.kind = kind;
    this.endpoint = info.endpoint ?? '';
    if (info.status !== undefined) this.status = info.status;
    if (info.rpcCode !== undefined) this.rpcCode = info.rpcCode;
  }
}

/** Whether `e` says the thing asked for does not exist (HTTP 404, or bitcoind's -5 / -8). */
export function isNotFoundError(e: unknown): boolean {
  if (!(e instanceof ChainSourceError)) return false;
  if (e.kind === 'http') return e.status === 404;
  return e.kind === 'rpc' && (e.rpcCode === -5 || e.rpcCode === -8);
}

/** Wraps anything thrown by code that decodes untrusted data into a `malformed` error. */
export function asMalformed(e: unknown, endpoint: string): ChainSourceError {
  if (e instanceof ChainSourceError) return e;
  return new ChainSourceError('malformed', (e as Error)?.message ?? String(e), { endpoint, cause: e });
}
