/**
 * Keeping what the service's scorer learned across restarts: a {@link ScorerStore} is read once
 * at start and written after every payment outcome, before the outcome is acknowledged. The
 * file-backed one, `FileScorerStore`, is in the Node-only entry `@ln/router-service/node`.
 */

/** Where the scorer's bytes (`ProbabilisticScorer.serialize()`) live. */
export interface ScorerStore {
  /** The last saved bytes, or undefined when nothing was saved yet. */
  load(): Uint8Array | undefined;
  save(bytes: Uint8Array): void;
}
