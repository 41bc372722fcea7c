/**
 * Keeping what the service's scorer learned across restarts: a {@link ScorerStore} is read once
 * at start and written after every payment outcome, before the outcome is acknowledged.
 * {@link FileScorerStore} writes atomically (temporary file, fsync, rename), so a crash leaves
 * either the old or the new bytes, never a torn file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

/** Where the scorer's bytes (`ProbabilisticScorer.serialize()`) live. */
export interface ScorerStore {
  /** The last saved bytes, or undefined when nothing was saved yet. */
  load(): Uint8Array | undefined;
  save(bytes: Uint8Array): void;
}

/** A {@link ScorerStore} in one file. */
export class FileScorerStore implements ScorerStore {
  constructor(readonly path: string) {}
  load(): Uint8Array | undefined {
    return existsSync(this.path) ? new Uint8Array(readFileSync(this.path)) : undefined;
  }
  save(bytes: Uint8Array): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
