/** Errors of `@ln/node`. */

/** A `LightningNode` operation could not be done (not running, unknown channel, bad argument); the message says which and why. */
export class NodeError extends Error {
  override readonly name = 'NodeError';
  constructor(
    message: string,
    /** A short machine-readable reason, e.g. `no_route`, `insufficient_funds`, `not_running`. */
    readonly code: string = 'error',
  ) {
    super(message);
  }
}
